"""Times on the command line: an age (`90s`, `15m`, `24h`, `7d`) or an ISO-8601 moment."""

from __future__ import annotations

import math
import re
from datetime import MAXYEAR, UTC, datetime, timedelta

from charter.cli._common import fail

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.I)
_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str) -> float:
    """`90`, `90s`, `15m`, `2h`, `7d`, `1w` -> seconds; ValueError says what is accepted."""
    match = _AGE.match(text)
    value = float(match.group(1)) * _SECONDS[match.group(2).lower()] if match else math.nan
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{text!r} is not a positive duration; use e.g. 90s, 15m, 24h or 7d")
    return value


def parse_since(option: str, text: str | None, *, now: datetime | None = None) -> datetime | None:
    """An aware UTC datetime: an age counts back from now; an ISO time without offset is UTC. An
    age needs its unit: a bare number is a date (`20270101`) or an error (`2027`), where it
    was read as seconds ago. A time beyond the dates there are is the first or last one."""
    if text is None:
        return None
    age = _AGE.match(text)
    if age is not None and age.group(2):
        try:
            return (now or datetime.now(UTC)) - timedelta(seconds=parse_duration(text))
        except OverflowError:  # further back than dates go (`--since 99999999999d`): everything
            return datetime.min.replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        unit = ""
        if age is not None:  # `0d` has its unit: it is too short, not unit-less
            short = age.group(2) or float(age.group(1)) == 0
            unit = (
                " (an age must be more than 0)"
                if short
                else f" (an age needs its unit: {age.group(1)}s)"
            )
        raise fail(
            f"{option} {text!r} is neither an ISO-8601 date/time (2025-01-31, "
            f"2025-01-31T12:00:00Z) nor an age (30m, 24h, 7d){unit}; e.g. {option} 24h",
            code=2,
        ) from None
    return _in_utc(moment)


def _in_utc(moment: datetime) -> datetime:
    """`9999-12-31T23:00:00-01:00` is past the last UTC date: the store said "store error"
    (its own conversion overflowed); it is the last moment there is."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.max if moment.year == MAXYEAR else datetime.min
        return edge.replace(tzinfo=UTC)
