"""The reasoning OpenAI-compatible chat APIs return beside a message's `content`
(DeepSeek's, vLLM's and Qwen's `reasoning_content`, OpenRouter's `reasoning` and
`reasoning_details`) is output: checked with the answer, written back masked, dropped by a
refusal; a stream's `delta.reasoning_content` too.

Probing found it unread: a harmful plan or the system prompt's canary there passed beside
a harmless answer (0 of 10 withheld that were withheld as the answer), whole, through the
real openai SDK and streamed. These tests fail without the fix.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from charter.errors import PolicyViolation
from charter.guard import Charter
from tests.support.sdk_api import Api, Reply, json_reply, sse

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"
ANSWER = "Your card is blocked; a new one is on its way."
CANARY = "CHARTER-CANARY-7f3a"  # the shipped bundle's system-prompt canary


def _details(text: str) -> list[dict[str, Any]]:
    return [{"type": "reasoning.text", "text": text, "index": 0}]


FIELDS: dict[str, Any] = {
    "reasoning_content": lambda text: text,
    "reasoning": lambda text: text,
    "reasoning_details": _details,
}


def _completion(field: str, thinking: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": ANSWER, field: FIELDS[field](thinking)}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return {"id": "c1", "object": "chat.completion", "model": "m", "choices": [choice]}


def _guarded(charter: Charter, answer: Any, **kw: Any) -> Any:
    return charter.guard(model="deepseek-reasoner", provider="deepseek", **kw)(lambda p: answer)(
        "Why is my card blocked?"
    )


@pytest.mark.parametrize("field", FIELDS)
def test_a_card_in_the_reasoning_is_masked(charter: Charter, field: str) -> None:
    out = _guarded(charter, _completion(field, f"Their card {CARD} is blocked."))
    message = out["choices"][0]["message"]
    assert CARD not in json.dumps(message)
    assert message[field] == FIELDS[field]("Their card **** **** **** 1111 is blocked.")
    assert message["content"] == ANSWER


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("thinking", [HARMFUL, f"I must never say {CANARY}."])
def test_what_the_reasoning_may_not_say_refuses_the_answer(
    charter: Charter, field: str, thinking: str
) -> None:
    with pytest.raises(PolicyViolation):
        _guarded(charter, _completion(field, thinking))
    out = _guarded(charter, _completion(field, thinking), on_deny="refuse")
    message = out["choices"][0]["message"]
    assert field not in message and message["content"].startswith("I can't help with that")


def _deepseek(thinking: str) -> Any:
    """A DeepSeek-style server: `reasoning_content` beside the answer, streamed first."""

    def answer(body: dict[str, Any]) -> Reply:
        base = {"id": "c1", "created": 1, "model": "deepseek-reasoner"}
        if not body.get("stream"):
            message = {"role": "assistant", "content": ANSWER, "reasoning_content": thinking}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            return json_reply({**base, "object": "chat.completion", "choices": [choice]})
        deltas = [
            {"content": None, "reasoning_content": thinking[i : i + 7]}
            for i in range(0, len(thinking), 7)
        ]
        deltas += [{"content": ANSWER[i : i + 9]} for i in range(0, len(ANSWER), 9)]
        chunk = {**base, "object": "chat.completion.chunk"}
        events: list[tuple[str | None, dict[str, Any] | str]] = [
            (None, {**chunk, "choices": [{"index": 0, "delta": d}]}) for d in deltas
        ]
        return sse([*events, (None, "[DONE]")])

    return answer


def _create(charter: Charter, thinking: str, **kw: Any) -> Any:
    client = openai.OpenAI(api_key="k", http_client=Api(_deepseek(thinking)).client())
    create = client.chat.completions.create
    return charter.guard(model="deepseek-reasoner", provider="deepseek", **kw)(create)


def _ask(create: Any, **kw: Any) -> Any:
    messages = [{"role": "user", "content": "Why is my card blocked?"}]
    return create(model="deepseek-reasoner", messages=messages, **kw)


def test_the_real_sdks_answer_has_its_reasoning_masked(charter: Charter) -> None:
    message = _ask(_create(charter, f"Their card {CARD} is blocked.")).choices[0].message
    assert message.reasoning_content == "Their card **** **** **** 1111 is blocked."
    assert message.content == ANSWER


def test_the_real_sdks_refused_answer_carries_no_reasoning(charter: Charter) -> None:
    with pytest.raises(PolicyViolation):
        _ask(_create(charter, HARMFUL))
    message = _ask(_create(charter, HARMFUL, on_deny="refuse")).choices[0].message
    assert getattr(message, "reasoning_content", None) is None
    assert message.content.startswith("I can't help with that")


def _streamed(chunks: list[Any], field: str) -> str:
    return "".join(getattr(c.choices[0].delta, field, None) or "" for c in chunks)


def test_streamed_reasoning_is_masked(charter: Charter) -> None:
    chunks = list(_ask(_create(charter, f"Their card {CARD} is blocked."), stream=True))
    assert _streamed(chunks, "reasoning_content") == "Their card **** **** **** 1111 is blocked."
    assert _streamed(chunks, "content") == ANSWER


def test_streamed_harmful_reasoning_refuses_the_stream(charter: Charter) -> None:
    with pytest.raises(PolicyViolation):
        list(_ask(_create(charter, HARMFUL), stream=True))
    chunks = list(_ask(_create(charter, HARMFUL, on_deny="refuse"), stream=True))
    assert _streamed(chunks, "reasoning_content") == ""
    assert _streamed(chunks, "content").startswith("I can't help with that")
