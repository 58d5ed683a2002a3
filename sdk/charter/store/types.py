"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator

from charter._canonical import valid_text


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, naive UTC in the database.

    SQLite has no time zones and compares timestamps as text; storing naive UTC in one
    format keeps `expires_at <= now` correct on both backends, and callers always get
    aware datetimes back.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text, e.g. from a hand-written query
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is not None:
            # Only a hand-written query stores an offset ('...+09:00'). Dropping it read
            # another time than SQLite's own datetime() does, and the decision log's verify
            # passed a record moved nine hours (found by probing): the offset is applied.
            return value.astimezone(UTC)
        return value.replace(tzinfo=UTC)


class ValidText(TypeDecorator[str]):
    """Text that is always valid Unicode without NUL when it reaches the database.

    A lone surrogate (`"\\ud800"`, from a user id or a rule name someone made up) cannot be
    encoded as UTF-8, and PostgreSQL refuses a NUL in text (SQLite kept it): the driver
    would raise in the middle of an approval (probing found a vote's reason with a NUL
    failing on PostgreSQL only). Both are stored, and compared in queries, as U+FFFD.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else valid_text(value).replace("\x00", "\ufffd")
