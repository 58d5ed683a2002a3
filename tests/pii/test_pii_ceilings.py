"""Verdict ceilings skip libphonenumber only where its answer could not matter: each
ceiling must bound its verdict on every candidate the recognizer's regex proposes."""

from __future__ import annotations

import re

import pytest

from charter.pii.recognizers import builtin_recognizers
from charter.pii.verdict import REJECTED
from tests.pii.synthetic import synthetic_texts

_SPECS = [s for s in builtin_recognizers() if s.ceiling is not None]


def _candidates(pattern: str, trigger: str) -> set[str]:
    regex = re.compile(f"[{trigger}](?:(?<=[{trigger}]){pattern})")
    out: set[str] = set()
    for text in synthetic_texts(1500, seed=41):
        for start in range(len(text)):
            match = regex.match(text, start)
            if match is not None:
                out.add(match.group())
    return out


def test_the_phone_recognizers_have_ceilings() -> None:
    assert {s.name for s in _SPECS} == {"phone", "phone_elsewhere"}


@pytest.mark.parametrize("spec", _SPECS, ids=lambda s: s.name)
def test_ceiling_bounds_the_verdict(spec: object) -> None:
    from charter.pii.spec import RecognizerSpec

    assert isinstance(spec, RecognizerSpec) and spec.ceiling and spec.verdict and spec.trigger
    candidates = _candidates(spec.pattern, spec.trigger)
    assert len(candidates) > 1000
    rejected = bounded = 0
    for candidate in candidates:
        top = spec.ceiling(candidate)
        if top is None:
            continue
        verdict = spec.verdict(candidate)
        if top == REJECTED:
            rejected += 1
            assert verdict is None, candidate
        else:
            bounded += 1
            if verdict is not None:
                assert verdict.length == len(candidate) and verdict.score <= top, candidate
    assert rejected > 100 and bounded > 100  # both kinds of shortcut were exercised
