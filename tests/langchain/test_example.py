"""The LangChain agent example runs offline and shows each decision."""

from __future__ import annotations

import pytest
from examples.langchain_agent.main import main


def test_the_example_agent_runs_offline(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main() == 0
    out = capsys.readouterr().out
    assert (
        "the model was sent: Where is my order A-1001? Please send the tracking to <EMAIL_ADDRESS_1>."
        in out
    )
    assert "I sent the tracking to ayse.yilmaz@example.com." in out
    assert "nothing (refused before the model)" in out and "[rule topics.forbidden]" in out
    assert "held for approval by rule tools.refund_over_limit" in out and "approved by alice" in out
    assert "Refunded 900.00 TRY" in out and "Refunded 50000" not in out
    assert "[rule tools.refund_hard_limit]" in out
    assert "approved by carol" in out and "approved by dave" in out
    assert "Account ACC-7 is closed." in out
