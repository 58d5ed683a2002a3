from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from charter.signals import HeuristicJailbreakDetector, SafetyClassifier
from charter.signals.features import FeatureSpec
from charter.signals.model import Artifact
from charter.signals.training import LABELS

BUNDLE = Path(__file__).resolve().parents[2] / "policies"
EVALS = BUNDLE / "evals"
SPEC = FeatureSpec(bits=10)
"""A small feature space for artifacts made up in tests."""


def load_corpus(name: str) -> list[dict[str, Any]]:
    path = EVALS / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def classifier() -> SafetyClassifier:
    """The shipped classifier, loaded once per session (both stages)."""
    return SafetyClassifier()


@pytest.fixture(scope="session")
def detector() -> HeuristicJailbreakDetector:
    return HeuristicJailbreakDetector()


@pytest.fixture(scope="session")
def redteam() -> list[dict[str, Any]]:
    return load_corpus("redteam.jsonl")


@pytest.fixture(scope="session")
def benign() -> list[dict[str, Any]]:
    return load_corpus("benign.jsonl")


def random_stage_one(folder: Path, seed: int, gate: float, family: str) -> Path:
    """A stage-1-only artifact with random weights: enough to test what is done with a
    trained one (souping, aligning) without training one."""
    rng = np.random.default_rng(seed)
    n = len(LABELS)
    arrays = {
        "char": rng.normal(0, 0.5, (SPEC.buckets, n)).astype(np.float16),
        "word": rng.normal(0, 0.5, (SPEC.buckets, n)).astype(np.float16),
        "dense": rng.normal(0, 0.2, (256, n)).astype(np.float32),
        "bias": rng.normal(0, 1.0, n).astype(np.float32),
    }
    meta = {
        "cascade": {"gate": gate},
        "trained_on": {"items": 3, "families": [family], "per_family": {family: 3}},
    }
    Artifact(labels=tuple(LABELS), spec=SPEC, arrays=arrays, meta=meta).save(folder)
    return folder
