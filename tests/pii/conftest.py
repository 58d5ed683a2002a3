"""Shared PII fixtures: real detectors (the spaCy one loads its model once per session)."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector, PresidioDetector, Vault


@pytest.fixture(scope="session")
def patterns() -> PatternDetector:
    return PatternDetector()


@pytest.fixture(scope="session")
def spacy_detector() -> PresidioDetector:
    return PresidioDetector().load()


@pytest.fixture
def vault() -> Vault:
    return Vault()
