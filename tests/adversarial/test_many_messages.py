"""One chat request of 20,000 short messages ("message {i}", 249k characters, under every
size limit) held a worker for ~50 s: the signals score each user message on its own, and
each costs a contextual-stage run (~2.5 ms) whatever its length. Scoring them together is
not the same check (joined benign turns read as attacks; the int8 encoder quantizes a
batch as one), so a prompt with more texts to score than `max_scored_texts` is denied
unchecked, with the setting named, and nothing is scored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from charter import LimitExceeded
from charter.config import DEFAULT_POLICIES
from charter.signals import CallableSignal, SignalSet
from charter.testing import RecordingModel, make_charter
from tests.adversarial.helpers import recorded


def _chat(users: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": "You are the bank's assistant."}]
    for i in range(users):
        messages.append({"role": "user", "content": f"message {i}"})
        messages.append({"role": "assistant", "content": f"reply {i}"})
    return messages


def test_a_chat_with_more_user_messages_than_the_limit_is_denied_unscored(
    tmp_path: Path,
) -> None:
    scored: list[str] = []

    def count(text: str) -> dict[str, float]:
        scored.append(text)
        return {"jailbreak": 0.0}

    signals = SignalSet([CallableSignal("counting", count)])
    charter = make_charter(
        DEFAULT_POLICIES, tmp_path, signals=signals, max_scored_texts=5, audit=True
    )
    model = RecordingModel("ok")
    chat: Any = charter.guard(model=model.name, provider="openai")(model)
    try:
        with pytest.raises(LimitExceeded) as raised:
            chat(_chat(6))
        error = raised.value
        assert error.setting == "max_scored_texts" and error.limit == 5 and error.found == 6
        assert "CHARTER_MAX_SCORED_TEXTS" in str(error) and "message 0" not in str(error)
        assert scored == [] and model.calls == []
        assert chat(_chat(5)) == "ok"  # the system prompt and the replies are not scored
        assert scored == [*(f"message {i}" for i in range(5)), "ok"]  # and the answer
        records = recorded(charter)
        assert records[0].result["violations"][0]["rule"] == "charter.limit_exceeded"
        assert "message 0" not in str(records[0].result)
        assert [r.result["action"] for r in records] == ["deny", "allow", "allow"]
    finally:
        charter.close()


def test_the_default_limit_refuses_a_chat_of_a_thousand_and_one_user_messages(
    tmp_path: Path,
) -> None:
    """The probe sent 10,000 user messages; the default stops far below that."""
    scored: list[str] = []
    signals = SignalSet([CallableSignal("counting", lambda t: scored.append(t) or 0.0)])
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=signals)
    chat: Any = charter.guard(model="m", provider="openai")(RecordingModel("ok"))
    try:
        with pytest.raises(LimitExceeded) as raised:
            chat(_chat(1_001))
        assert raised.value.setting == "max_scored_texts" and scored == []
    finally:
        charter.close()
