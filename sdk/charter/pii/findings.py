"""What a detector returns, and the few pure functions every caller needs on findings.

A `Finding` holds offsets, never the value: findings travel into policy input, telemetry
and logs, and the value is only ever read back from the text the caller already holds.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from charter.values import JsonKey, PIISummary

JsonPath = tuple[str | int | JsonKey, ...]
"""Where a finding sits in a JSON value: keys and indexes down to the string; a last step
`JsonKey(name)` when the finding is in the dict key `name` itself."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: where it is, what it is, how sure we are, who found it."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str
    path: JsonPath = ()
    """Where the string sits inside a JSON value (`redact_json`); empty for plain text."""

    @property
    def length(self) -> int:
        return self.end - self.start


_new = object.__new__
_SET = tuple(
    getattr(Finding, name).__set__
    for name in ("entity_type", "start", "end", "score", "recognizer", "path")
)


def new_finding(entity_type: str, start: int, end: int, score: float, recognizer: str) -> Finding:
    """`Finding(entity_type, start, end, score, recognizer)` for the detector's hot path:
    the frozen dataclass's `__init__` sets each field through `object.__setattr__`, twice
    the cost of setting the slots directly (one finding per detection)."""
    finding = _new(Finding)
    set_type, set_start, set_end, set_score, set_recognizer, set_path = _SET
    set_type(finding, entity_type)
    set_start(finding, start)
    set_end(finding, end)
    set_score(finding, score)
    set_recognizer(finding, recognizer)
    set_path(finding, ())
    return finding


@runtime_checkable
class Detector(Protocol):
    """Finds personal data in text. `entities=None` means every type the detector knows."""

    @property
    def supported_entities(self) -> frozenset[str]: ...

    def detect(self, text: str, *, entities: Collection[str] | None = None) -> list[Finding]: ...


FIELD_CONTEXT_MAX = 40
"""Longer keys are data or prose, not a field's name: no context is read from them."""


def detect_field(
    detector: Detector, key: object, text: str, entities: Collection[str] | None = None
) -> list[Finding]:
    """Findings in a JSON field's value (offsets into `text`), read after its key as a
    sentence reads a value after its label: `{"phone": "5321234567"}` is the phone number
    `phone: 5321234567` is, and `{"amount": 4500}` no number to redact. A key that is no
    field name (not a string, empty, long) gives no context."""
    if not isinstance(key, str) or not key.strip() or len(key) > FIELD_CONTEXT_MAX:
        return detector.detect(text, entities=entities)
    label = f"{key}: "
    shift = len(label)
    return [
        Finding(f.entity_type, f.start - shift, f.end - shift, f.score, f.recognizer, f.path)
        for f in detector.detect(label + text, entities=entities)
        if f.start >= shift  # the key's own findings are read where keys are
    ]


def summarize(findings: Iterable[Finding]) -> tuple[PIISummary, ...]:
    """Per entity type: highest score and count. This is all the policy ever sees of PII."""
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    for f in findings:
        best[f.entity_type] = max(best.get(f.entity_type, 0.0), f.score)
        counts[f.entity_type] = counts.get(f.entity_type, 0) + 1
    return tuple(
        PIISummary(type=kind, score=round(best[kind], 4), count=counts[kind])
        for kind in sorted(best)
    )


def _default_rank(f: Finding) -> tuple[float, ...]:
    return (f.score, f.length)


def resolve_overlaps(
    findings: Sequence[Finding],
    rank: Callable[[Finding], tuple[float, ...]] = _default_rank,
) -> list[Finding]:
    """Non-overlapping findings, sorted by position.

    Overlapping findings of the same type merge into one span (highest score kept), so a
    name found half by one recognizer and half by another is redacted whole. Between types
    the higher `rank` wins (default: score, then length): a validated IBAN beats a phone
    number guessed inside it, and a pattern match beats a model's guess at the same text.
    """
    flat = not any(f.path for f in findings)  # plain text: positions are just starts
    position = _start if flat else _position
    merged = _merge_same_type(findings, position)
    ordered = sorted(merged, key=position)
    if flat:
        if not any(a.start < b.end and b.start < a.end for a, b in itertools.pairwise(ordered)):
            return ordered  # the usual case: detectors already return disjoint findings
    elif not any(_overlap(a, b) for a, b in itertools.pairwise(ordered)):
        return ordered
    kept: dict[JsonPath, list[Finding]] = {}  # per path, sorted by start
    for candidate in sorted(merged, key=rank, reverse=True):
        spans = kept.setdefault(candidate.path, [])
        i = bisect.bisect_left(spans, candidate.start, key=_start)
        if i > 0 and spans[i - 1].end > candidate.start:
            continue
        if i < len(spans) and spans[i].start < candidate.end:
            continue
        spans.insert(i, candidate)
    return sorted((f for spans in kept.values() for f in spans), key=position)


def _start(f: Finding) -> int:
    return f.start


def _overlap(a: Finding, b: Finding) -> bool:
    return a.path == b.path and a.start < b.end and b.start < a.end


def _position(f: Finding) -> tuple[tuple[str, ...], int]:
    # JSON paths mix keys and indexes; compare them as text so any two paths are ordered.
    return tuple(str(p) for p in f.path), f.start


def _merge_same_type(
    findings: Sequence[Finding], position: Callable[[Finding], object]
) -> list[Finding]:
    ordered = sorted(findings, key=lambda f: (f.entity_type, position(f), -f.end))
    out: list[Finding] = []
    for f in ordered:
        last = out[-1] if out else None
        if (
            last is not None
            and last.entity_type == f.entity_type
            and last.path == f.path
            and f.start < last.end
        ):
            winner = last if last.score >= f.score else f
            out[-1] = Finding(
                entity_type=f.entity_type,
                start=last.start,
                end=max(last.end, f.end),
                score=max(last.score, f.score),
                recognizer=winner.recognizer,
                path=f.path,
            )
        else:
            out.append(f)
    return out
