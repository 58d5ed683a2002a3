"""Helpers for the PII tests."""

from __future__ import annotations

from collections.abc import Iterable

from charter.pii import Finding


def spans(text: str, findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """(entity type, matched text) pairs in order: what a reader checks by eye."""
    return [(f.entity_type, text[f.start : f.end]) for f in findings]


def types(findings: Iterable[Finding]) -> set[str]:
    return {f.entity_type for f in findings}
