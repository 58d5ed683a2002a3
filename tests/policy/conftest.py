from __future__ import annotations

from pathlib import Path

import pytest

from charter.policy.embedded import EmbeddedEngine

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def minimal_dir() -> Path:
    return FIXTURES / "minimal"


@pytest.fixture
def minimal_engine(minimal_dir: Path) -> EmbeddedEngine:
    return EmbeddedEngine(minimal_dir)
