"""The reasoning a model hands back beside its answer (Anthropic `thinking` blocks, the
Responses API's `reasoning` items) is output: it is checked with the answer, written back
masked, and a refusal drops it.

On main at 79a95d7 it was never read: a card number in the thinking reached the app, a
harmful plan in the thinking passed beside a harmless answer, and a refused answer kept
its thinking (which may hold what the answer was refused for). These tests fail there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from charter.errors import PolicyViolation
from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def _anthropic(text: str, thinking: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [
            {"type": "thinking", "thinking": thinking, "signature": "sig"},
            {"type": "redacted_thinking", "data": "opaque"},
            {"type": "text", "text": text},
        ],
        "stop_reason": "end_turn",
    }


def _responses(text: str, summary: str) -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": []}
    return {
        "id": "resp_1",
        "object": "response",
        "model": "gpt-x",
        "output": [
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": summary}],
            },
            {"type": "message", "id": "msg_1", "role": "assistant", "content": [part]},
        ],
    }


def _guarded(charter: Charter, answer: Any, **kw: Any) -> Any:
    return charter.guard(model="m", provider="anthropic", **kw)(lambda p: answer)("my card?")


def test_a_card_in_anthropic_thinking_is_masked(charter: Charter) -> None:
    answer = _anthropic("Your card is blocked.", f"The user's card is {CARD}; it is blocked.")
    out = _guarded(charter, answer)
    thinking = out["content"][0]["thinking"]
    assert CARD not in thinking and thinking.endswith("1111; it is blocked.")
    assert out["content"][1:] == answer["content"][1:]  # the rest as it was
    assert out["content"][0]["signature"] == "sig"


def test_a_harmful_plan_in_the_thinking_refuses_the_answer(charter: Charter) -> None:
    answer = _anthropic("I would rather not say.", HARMFUL)
    with pytest.raises(PolicyViolation):
        _guarded(charter, answer)
    out = _guarded(charter, answer, on_deny="refuse")
    assert [b["type"] for b in out["content"]] == ["text"]  # no thinking of either kind
    assert out["content"][0]["text"].startswith("I can't help with that")


def test_a_refused_answer_drops_its_thinking(charter: Charter) -> None:
    out = _guarded(charter, _anthropic(HARMFUL, "They asked how to make a gas."), on_deny="refuse")
    assert "bleach" not in json.dumps(out) and "gas" not in json.dumps(out)
    assert [b["type"] for b in out["content"]] == ["text"]


def test_a_card_in_a_responses_reasoning_summary_is_masked(charter: Charter) -> None:
    out = _guarded(charter, _responses("Blocked.", f"Card {CARD} shows a block."))
    summary = out["output"][0]["summary"][0]["text"]
    assert CARD not in summary and summary.endswith("1111 shows a block.")
    assert out["output"][1]["content"][0]["text"] == "Blocked."


def test_a_refused_responses_answer_drops_its_reasoning(charter: Charter) -> None:
    out = _guarded(charter, _responses(HARMFUL, "Explaining the gas."), on_deny="refuse")
    assert [i["type"] for i in out["output"]] == ["message"]
    assert "gas" not in json.dumps(out)


def test_clean_reasoning_comes_back_as_it_was(charter: Charter) -> None:
    answer = _anthropic("We open at nine.", "They ask for the opening hours; nine.")
    assert _guarded(charter, answer) is answer
