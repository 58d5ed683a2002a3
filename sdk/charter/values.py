"""Value types shared by packages that must not depend on each other.

`charter.pii` reports findings as `PIISummary` and applies `RedactOperator`s; the policy
input and the decision contract use the same types. They live here, below both, so the PII
package needs nothing from `charter.policy` or `charter.decision`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class RedactOperator(StrEnum):
    """What a redaction does to one value: a restorable placeholder, a mask, a hash, or
    nothing left at all."""

    PLACEHOLDER = "placeholder"
    MASK = "mask"
    HASH = "hash"
    DROP = "drop"


class PIISummary(BaseModel):
    """One entity type found in a text: the highest score and how many. This, never a
    value, is what the policy, the spans and the records see of personal data."""

    model_config = ConfigDict(frozen=True)

    type: str
    score: float
    count: int = 1


@dataclass(frozen=True)
class JsonKey:
    """A step in a JSON path that names a dict *key* itself, not the value under it: keys
    can be data too (`{"jane@example.com": 450}`), so they are read for PII like values."""

    name: str


def free_key(name: str, taken: Collection[str]) -> str:
    """`name`, or `name (2)`, `name (3)`, ... : the first not in `taken`, so a key renamed
    by redaction never overwrites another entry of its dict."""
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def integral_digits(value: Any) -> str | None:
    """The digits of a number with an integral value, or None (not a number, a bool, a
    fraction, inf/NaN). A float or Decimal counts: `4111111111111111.0` is the card number
    `4111111111111111` whichever numeric type the caller passed it as, so detection and the
    decision log read it as they read the int."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return None


__all__ = ["JsonKey", "PIISummary", "RedactOperator", "free_key", "integral_digits"]
