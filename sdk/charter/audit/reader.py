"""Reading the decision log: records for policy replay, JSON lines for a SIEM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, RowMapping

from charter.audit._store import existing_sqlite_file, opened, require_log
from charter.audit.record import DecisionRecord
from charter.errors import AuditError
from charter.store.decision_log import UnreadableRow, iter_rows, row_key
from charter.store.transactions import read_transaction

OnUnreadable = Callable[[AuditError], None]
"""Told of each record that cannot be read (edited by hand), which is then left out (or,
given as `export`'s `on_out_of_place`, of each record at an impossible seq)."""


def iter_records(
    store_url_or_engine: str | Engine,
    since: datetime | None = None,
    limit: int | None = None,
    on_unreadable: OnUnreadable | None = None,
) -> Iterator[DecisionRecord]:
    """Records in log order (`seq`), optionally only those at or after `since` (a naive
    datetime is taken as UTC) and at most `limit` of them. A record that cannot be read
    raises `AuditError`, or, with `on_unreadable`, is passed to it and the rest follow."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    existing_sqlite_file(store_url_or_engine)
    with opened(store_url_or_engine) as engine:
        require_log(engine)
        with read_transaction(engine, "reading the decision log") as conn:
            for row in iter_rows(conn, since=since, limit=limit):
                record = _record(row)
                if isinstance(record, DecisionRecord):
                    yield record
                elif on_unreadable is None:
                    raise record
                else:
                    on_unreadable(record)


def _record(row: RowMapping | UnreadableRow) -> DecisionRecord | AuditError:
    if not isinstance(row, UnreadableRow):
        try:
            return DecisionRecord.from_row(row)
        except (ValueError, TypeError):  # pydantic's ValidationError is a ValueError
            pass
    seq, decision_id = row_key(row)
    return AuditError(
        f"record seq {seq!r} (decision_id {decision_id}) cannot be read: it was edited by "
        "hand; run `charter audit verify`"
    )


def export(
    store_url_or_engine: str | Engine,
    since: datetime | None = None,
    on_unreadable: OnUnreadable | None = None,
    on_out_of_place: OnUnreadable | None = None,
) -> Iterator[dict[str, Any]]:
    """One dict per record for JSON lines: the hashed fields plus `hash` (see
    `charter.audit.record`), so a SIEM can re-check each line on its own. A record at seq
    0 or below, which the writer never makes, is exported as it is (the SIEM should see
    the forgery) and raises `AuditError` first, or is passed to `on_out_of_place`."""
    for record in iter_records(store_url_or_engine, since=since, on_unreadable=on_unreadable):
        if record.seq < 1:
            problem = AuditError(
                f"record seq {record.seq} (decision_id {record.decision_id}) is out of place: "
                "the log starts at seq 1, so it was added by hand; run `charter audit verify`"
            )
            if on_out_of_place is None:
                raise problem
            on_out_of_place(problem)
        yield record.to_export()
