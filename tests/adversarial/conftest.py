"""The guard the adversarial tests attack: the shipped bundle, pattern PII and the decision
log on (a file may define its own `charter` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from charter.config import DEFAULT_POLICIES
from charter.guard import Charter
from charter.testing import make_charter


@pytest.fixture
def charter(tmp_path: Path) -> Iterator[Charter]:
    ch = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=True)
    yield ch
    ch.close()
