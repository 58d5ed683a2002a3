"""`make_detector`: the one place that turns a mode name into a detector."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from charter._shown import shown
from charter.errors import PIIError
from charter.pii.custom import CustomRecognizer
from charter.pii.findings import Detector
from charter.pii.pattern import DEFAULT_MIN_SCORE, PatternDetector
from charter.pii.presidio import PresidioDetector
from charter.pii.recognizers import ALL_REGIONS

DetectorMode = Literal["spacy", "pattern"]


def make_detector(
    mode: DetectorMode = "pattern",
    *,
    custom: Sequence[CustomRecognizer] = (),
    regions: Collection[str] = ALL_REGIONS,
    min_score: float = DEFAULT_MIN_SCORE,
    phone_regions: Collection[str] | None = None,
) -> Detector:
    """`pattern`: regexes + validation, no model, sub-millisecond on chat-sized text (the
    guard's default; names and places from cues and word lists). `spacy`: adds PERSON
    and LOCATION from the small spaCy model, loaded lazily on first use. `phone_regions`:
    ISO codes of the countries whose national phone formats count without a context word
    (default: those of `regions`, i.e. Turkey, the EU/EEA, the UK and North America)."""
    options = {"regions": regions, "custom": custom, "min_score": min_score,
               "phone_regions": phone_regions}  # fmt: skip
    if mode == "pattern":
        return PatternDetector(**options)  # type: ignore[arg-type]
    if mode == "spacy":
        return PresidioDetector(**options)  # type: ignore[arg-type]
    raise PIIError(
        f"unknown PII detector mode {shown(mode)}; use 'pattern' (fast, no model) or 'spacy' "
        "(adds names and places from a spaCy model)"
    )
