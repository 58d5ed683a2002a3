"""Upper bounds on settings and policy values, said the same way wherever one is checked."""

from __future__ import annotations

import numbers

ONE_YEAR_S = 365 * 86_400.0
"""The longest wait a setting or a policy may ask for (a probe call, a schedule, an approval
deadline): past `threading.TIMEOUT_MAX` or the year 9999, timers and dates overflow."""


def at_most(value: float, limit: float, unit: str, why: str = "") -> float:
    """`value`, or `ValueError` saying it exactly: `repr`, not `:g`, which printed 3600001
    as 3.6e+06 and 31536001 as 3.1536e+07, values that read as within the limit."""
    if value > limit:
        shown = repr(float(value)).removesuffix(".0")
        raise ValueError(f"{shown} {unit} is over the limit of {limit:.0f} {unit}{why}")
    return value


def real_number(value: object) -> float | None:
    """A real number given as an argument (numpy's too) as a float; None for anything else,
    a bool included, and for one no float holds (`10**5000`: `OverflowError`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except (OverflowError, ValueError):
        return None
