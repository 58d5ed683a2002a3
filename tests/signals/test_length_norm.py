"""`FeatureSpec.norm_counts` (round 19): n-gram blocks read as a mean, so a text's stage-1
score does not grow with its length; without it (every artifact before), it does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from charter.signals import SafetyClassifier, SignalError
from charter.signals.features import FeatureSpec
from charter.signals.model import Artifact, load_artifact
from charter.signals.training import LABELS

from .conftest import BUNDLE, SPEC


def _leaning(folder: Path, spec: FeatureSpec) -> SafetyClassifier:
    """Stage 1 only, every n-gram weight +0.05 on every head: the bias a head may learn
    when long training texts are mostly attacks."""
    n = len(LABELS)
    arrays = {
        "char": np.full((spec.buckets, n), 0.05, dtype=np.float16),
        "word": np.full((spec.buckets, n), 0.05, dtype=np.float16),
        "dense": np.zeros((256, n), dtype=np.float32),
        "bias": np.full(n, -3.0, dtype=np.float32),
    }
    Artifact(labels=tuple(LABELS), spec=spec, arrays=arrays, meta={"cascade": {}}).save(folder)
    return SafetyClassifier(folder, context_stage=False, memo=0)


TEXT = "please summarise the attached quarterly report for the board "


def test_without_the_option_a_longer_text_scores_higher(tmp_path: Path) -> None:
    clf = _leaning(tmp_path, SPEC)
    short, long = clf.stage_one(TEXT)["jailbreak"], clf.stage_one(TEXT * 12)["jailbreak"]
    assert long > short + 0.3


def test_with_the_option_length_alone_does_not_raise_the_score(tmp_path: Path) -> None:
    clf = _leaning(tmp_path, replace(SPEC, norm_counts=(200, 20)))
    short, long = clf.stage_one(TEXT)["jailbreak"], clf.stage_one(TEXT * 12)["jailbreak"]
    assert long == pytest.approx(short, abs=0.01)


def test_a_median_text_is_scaled_as_before() -> None:
    plain, normed = FeatureSpec(), FeatureSpec(norm_counts=(310, 25))
    assert normed.block_scales(310, 25) == pytest.approx(plain.block_scales(310, 25))
    assert normed.block_scales(1240, 100) == pytest.approx(
        tuple(s / 2 for s in plain.block_scales(1240, 100))
    )


def test_the_option_round_trips_and_old_manifests_do_not_carry_it() -> None:
    spec = FeatureSpec(norm_counts=(310, 25))
    assert FeatureSpec.from_dict(spec.to_dict()) == spec
    shipped, _ = load_artifact(BUNDLE / "signals" / "model")
    assert shipped.spec.norm_counts is None
    assert "norm_counts" not in shipped.spec.to_dict()


@pytest.mark.parametrize("raw", [[0, 25], [310], "310,25", [310, None]])
def test_bad_reference_counts_are_a_clear_error(raw: object) -> None:
    with pytest.raises(SignalError, match="norm_counts"):
        FeatureSpec.from_dict({**FeatureSpec().to_dict(), "norm_counts": raw})
