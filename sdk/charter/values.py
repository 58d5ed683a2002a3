"""Value types shared by packages that must not depend on each other.

`charter.pii` reports findings as `PIISummary` and applies `RedactOperator`s; the policy
input and the decision contract use the same types. They live here, below both, so the PII
package needs nothing from `charter.policy` or `charter.decision`.
"""

from __future__ import annotations

from enum import StrEnum

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


__all__ = ["PIISummary", "RedactOperator"]
