"""Adversarial texts: the pattern detector's work grows linearly with the text.

Time is measured in `bench/bench_pii.py` (never asserted here). Here the work is counted:
candidates judged, the characters they span (what the regex matched to reach them) and
context windows read, per family at 10k and 20k characters; doubling the text may at most
double the work (plus a little). Regex work that matches nothing cannot be counted: the
bench times 100k characters of every family.
"""

from __future__ import annotations

import collections

import pytest

from charter.pii import PatternDetector
from charter.pii import context as context_module
from charter.pii import pattern as pattern_module
from tests.pii.adversarial import FAMILIES


def _work(detector: PatternDetector, text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    counts: collections.Counter[str] = collections.Counter()
    judge = pattern_module.PatternDetector._judge
    window = context_module._window

    def counting_judge(self, text, match, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts["judge"] += 1
        counts["spanned"] += match.end() - match.start()
        return judge(self, text, match, *args, **kwargs)

    def counting_window(*args):  # type: ignore[no-untyped-def]
        counts["window"] += 1
        return window(*args)

    with monkeypatch.context() as patch:
        patch.setattr(pattern_module.PatternDetector, "_judge", counting_judge)
        patch.setattr(context_module, "_window", counting_window)
        detector.detect(text)
    return sum(counts.values())


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_work_grows_linearly(family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    detector = PatternDetector()
    make = FAMILIES[family]
    small = _work(detector, make(10_000), monkeypatch)
    large = _work(detector, make(20_000), monkeypatch)
    assert large <= 2.2 * small + 20, (small, large)


@pytest.mark.slow
def test_100k_characters_of_every_family_finish() -> None:
    detector = PatternDetector()
    for family, make in FAMILIES.items():
        text = make(100_000)
        assert len(text) >= 90_000, family
        found = detector.detect(text)
        assert all(0 <= f.start < f.end <= len(text) for f in found), family
