from __future__ import annotations

from pathlib import Path

import pytest

from charter.config import DEFAULT_POLICIES
from charter.guard import Charter
from charter.testing import RecordingModel, make_charter


@pytest.fixture
def charter(tmp_path: Path) -> Charter:
    ch = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=True)
    yield ch
    ch.close()


@pytest.fixture
def model() -> RecordingModel:
    return RecordingModel("Thanks, I will look into it.")
