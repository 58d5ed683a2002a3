from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from charter.signals import HeuristicJailbreakDetector, SafetyClassifier

BUNDLE = Path(__file__).resolve().parents[2] / "policies"
EVALS = BUNDLE / "evals"


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
