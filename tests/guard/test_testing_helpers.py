"""`charter.testing` is used in users' suites: its assertions must fail when they should."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.config import DEFAULT_POLICIES
from charter.testing import RecordingModel, assert_denied, assert_redacted, make_charter


def test_assert_denied_passes_on_a_refusal_and_fails_on_an_answer(tmp_path: Path) -> None:
    ch = make_charter(DEFAULT_POLICIES, tmp_path)
    model = RecordingModel("fine")
    ask = ch.guard(model="m", provider="openai")(model)
    assert_denied(ask, "Which stock should I buy?", rule="topics.forbidden")
    with pytest.raises(AssertionError, match=r"not 'jailbreak\.detected'"):
        assert_denied(ask, "Which stock should I buy?", rule="jailbreak.detected")
    with pytest.raises(AssertionError, match="expected a refusal"):
        assert_denied(ask, "What are your opening hours?")
    refusing = ch.guard(model="m", provider="openai", on_deny="refuse")(model)
    assert "topics.forbidden" in str(assert_denied(refusing, "Which stock should I buy?"))


def test_assert_redacted_catches_a_leak(tmp_path: Path) -> None:
    ch = make_charter(DEFAULT_POLICIES, tmp_path)
    model = RecordingModel("ok")
    guarded = ch.guard(model="m", provider="openai")(model)
    assert_redacted(guarded, "write to ayse@example.com", entity="EMAIL_ADDRESS", model=model)
    unguarded = RecordingModel("ok")
    with pytest.raises(AssertionError, match="reached the model"):
        assert_redacted(
            unguarded, "write to ayse@example.com", entity="EMAIL_ADDRESS", model=unguarded
        )
    with pytest.raises(AssertionError, match="holds no"):
        assert_redacted(guarded, "no personal data", entity="EMAIL_ADDRESS", model=model)
