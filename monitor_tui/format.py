"""Formatting for the screens: short, fixed-width, deterministic (UTC, no locale)."""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime

BARS = " ▁▂▃▄▅▆▇█"


def ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def count(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.1f}k"
    return f"{value:,.0f}"


def clock_time(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%H:%M:%S")


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def countdown(seconds: float) -> str:
    """`12:05` (mm:ss), `3h 04m` past an hour, `expired` at or below zero."""
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes:02d}:{secs:02d}"


def duration(seconds: float) -> str:
    """`90` -> `1m30s`; used for window lengths."""
    whole = int(seconds)
    if whole % 3600 == 0 and whole >= 3600:
        return f"{whole // 3600}h"
    if whole % 60 == 0 and whole >= 60:
        return f"{whole // 60}m"
    if whole >= 60:
        return f"{whole // 60}m{whole % 60}s"
    return f"{whole}s"


def bars(values: list[float] | tuple[float, ...], top: float | None = None) -> str:
    """One character per value, scaled to `top` (default: the largest value)."""
    scale = top if top is not None else max(values, default=0.0)
    if scale <= 0:
        return BARS[0] * len(values)
    last = len(BARS) - 1
    return "".join(BARS[min(last, math.ceil(v / scale * last))] for v in values)


def path(location: str) -> str:
    """A local path relative to the working directory when it is below it; else as given."""
    if "://" in location:
        return location
    try:
        relative = os.path.relpath(location)
    except ValueError:
        return location
    return location if relative.startswith("..") else relative


def short(identifier: str, size: int = 8) -> str:
    return identifier if len(identifier) <= size else identifier[:size]


def parse_duration(text: str) -> float:
    """`90`, `90s`, `15m`, `2h`, `7d` -> seconds. Raises ValueError with a usable message."""
    raw = text.strip().lower()
    units = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    factor = 1.0
    if raw and raw[-1] in units:
        factor = units[raw[-1]]
        raw = raw[:-1]
    try:
        value = float(raw) * factor
    except ValueError:
        raise ValueError(f"{text!r} is not a duration; use e.g. 90s, 15m, 2h or 7d") from None
    if value <= 0 or math.isinf(value) or math.isnan(value):
        raise ValueError(f"{text!r} must be a positive duration")
    return value


ACTION_STYLES = {
    "allow": "green",
    "redact": "cyan",
    "revise": "magenta",
    "require_approval": "yellow",
    "deny": "bold red",
}
SEVERITY_STYLES = {
    "ok": "green",
    "warn": "yellow",
    "alert": "bold red",
    "not enough data": "dim",
}


def action_style(action: str | None) -> str:
    return ACTION_STYLES.get(action or "", "")


def severity_style(severity: str) -> str:
    return SEVERITY_STYLES.get(severity, "")
