"""Answers and prompts of Ollama, Cohere v2, Amazon Bedrock (Converse) and Google Gemini keep
their shape through the guard, and the calls their answers propose are checked.

On main at ed2963d no adapter knew these answers: each was read as its repr and came back
as a *string* whenever anything in it changed (masked, restored or refused), and a Bedrock
`toolResult` or a Gemini `contents` list in the prompt was either sent to the model with
its card number or refused as "cannot find the prompt". These tests fail there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from charter.errors import PolicyViolation
from charter.guard import Charter
from tests.adversarial.helpers import sent_to_model

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def ollama(text: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if args is not None:
        message["tool_calls"] = [{"function": {"name": "send", "arguments": args}}]
    return {
        "model": "llama3",
        "message": message,
        "done": True,
        "prompt_eval_count": 9,
        "eval_count": 4,
    }


def cohere(text: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": [{"type": "text", "text": text}]}
    if args is not None:
        function = {"name": "send", "arguments": json.dumps(args)}
        message["tool_calls"] = [{"id": "c1", "type": "function", "function": function}]
    return {"id": "r1", "message": message, "finish_reason": "COMPLETE"}


def bedrock(text: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [
        {"reasoningContent": {"reasoningText": {"text": "thinking", "signature": "s"}}},
        {"text": text},
    ]
    if args is not None:
        content.append({"toolUse": {"toolUseId": "t1", "name": "send", "input": args}})
    message = {"role": "assistant", "content": content}
    usage = {"inputTokens": 9, "outputTokens": 4, "totalTokens": 13}
    return {"output": {"message": message}, "stopReason": "end_turn", "usage": usage}


def gemini(text: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"text": "thinking", "thought": True}, {"text": text}]
    if args is not None:
        parts.append({"function_call": {"name": "send", "args": args}})
    candidate = {"content": {"role": "model", "parts": parts}, "finish_reason": "STOP"}
    usage = {"prompt_token_count": 9, "candidates_token_count": 4}
    return {"candidates": [candidate], "usage_metadata": usage, "model_version": "gemini-x"}


SHAPES = {"ollama": ollama, "cohere": cohere, "bedrock": bedrock, "gemini": gemini}


def _guarded(charter: Charter, answer: Any, **kw: Any) -> Any:
    return charter.guard(model="m", provider="p", **kw)(lambda p: answer)("my card?")


def _dump(value: Any) -> str:
    return json.dumps(value.model_dump() if isinstance(value, BaseModel) else value)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_masked_answer_keeps_its_shape(charter: Charter, shape: str) -> None:
    answer = SHAPES[shape](f"Your card {CARD} is active.")
    out = _guarded(charter, answer)
    assert isinstance(out, dict) and out.keys() == answer.keys()
    assert CARD not in _dump(out) and "1111 is active." in _dump(out)
    assert CARD in _dump(answer)  # the model's own object: a copy was changed


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_card_in_a_proposed_calls_arguments_is_masked(charter: Charter, shape: str) -> None:
    out = _guarded(charter, SHAPES[shape]("Sending it.", {"card": CARD, "copies": 2}))
    assert CARD not in _dump(out)
    assert _arguments(shape, out) == {"card": "**** **** **** 1111", "copies": 2}


def _arguments(shape: str, answer: dict[str, Any]) -> Any:
    if shape in ("ollama", "cohere"):
        raw = answer["message"]["tool_calls"][0]["function"]["arguments"]
        return json.loads(raw) if shape == "cohere" else raw  # JSON text stays text
    if shape == "bedrock":
        blocks = answer["output"]["message"]["content"]
        return next(b["toolUse"]["input"] for b in blocks if "toolUse" in b)
    parts = answer["candidates"][0]["content"]["parts"]
    return next(p["function_call"]["args"] for p in parts if "function_call" in p)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_refusal_keeps_the_shape_and_drops_calls_and_reasoning(
    charter: Charter, shape: str
) -> None:
    answer = SHAPES[shape]("Sending it.", {"body": HARMFUL})
    with pytest.raises(PolicyViolation):
        _guarded(charter, answer)
    out = _guarded(charter, answer, on_deny="refuse")
    dumped = _dump(out)
    assert isinstance(out, dict) and "I can't help with that" in dumped
    assert "bleach" not in dumped and "send" not in dumped and "thinking" not in dumped


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_clean_answer_comes_back_as_it_was_with_its_usage(charter: Charter, shape: str) -> None:
    from charter.adapters import usage_of

    answer = SHAPES[shape]("We open at nine.")
    assert _guarded(charter, answer) is answer
    if shape != "cohere":
        usage = usage_of(answer)
        assert (usage.input_tokens, usage.output_tokens) == (9, 4)


class Part(BaseModel):  # google-genai's shapes (types.*), trimmed
    text: str | None = None
    thought: bool | None = None


class Content(BaseModel):
    role: str = "model"
    parts: list[Part]


class Candidate(BaseModel):
    content: Content | None
    finish_reason: str | None = "STOP"


class GenerateContentResponse(BaseModel):
    candidates: list[Candidate]


def test_a_gemini_sdk_response_is_masked_in_place(charter: Charter) -> None:
    answer = GenerateContentResponse(
        candidates=[Candidate(content=Content(parts=[Part(text=f"Card {CARD}.")]))]
    )
    out = _guarded(charter, answer)
    assert isinstance(out, GenerateContentResponse)
    assert out.candidates[0].content is not None
    assert out.candidates[0].content.parts[0].text == "Card **** **** **** 1111."


def test_a_gemini_candidate_blocked_without_content_is_read_as_empty(charter: Charter) -> None:
    answer = {"candidates": [{"content": None, "finish_reason": "SAFETY"}]}
    assert _guarded(charter, answer) is answer


@pytest.mark.parametrize(
    ("prompt", "roles"),
    [
        pytest.param(
            [
                {"role": "user", "parts": [{"text": "Is my card blocked?"}]},
                {
                    "role": "model",
                    "parts": [{"function_call": {"name": "f", "args": {"card": CARD}}}],
                },
                {
                    "role": "user",
                    "parts": [
                        {"function_response": {"name": "f", "response": {"out": f"card {CARD} ok"}}}
                    ],
                },
            ],
            ["user", "assistant", "tool"],
            id="gemini-contents",
        ),
        pytest.param(
            [
                {"role": "user", "content": [{"text": "Is my card blocked?"}]},
                {
                    "role": "assistant",
                    "content": [
                        {"toolUse": {"toolUseId": "t", "name": "f", "input": {"card": CARD}}}
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {
                            "toolResult": {
                                "toolUseId": "t",
                                "content": [{"text": f"card {CARD}"}, {"json": {"status": "ok"}}],
                            }
                        }
                    ],
                },
            ],
            ["user", "assistant", "tool", "tool"],
            id="bedrock-messages",
        ),
    ],
)
def test_an_agent_loops_history_is_redacted(
    charter: Charter, prompt: list[Any], roles: list[str]
) -> None:
    from charter.adapters import OpenAIMessagesAdapter

    sent = sent_to_model(charter, prompt)
    assert CARD not in json.dumps(sent) and "1111" in json.dumps(sent)
    assert OpenAIMessagesAdapter().roles(prompt) == roles


def test_a_tools_only_answer_refused_gets_a_text_part_in_its_own_style(charter: Charter) -> None:
    only_call = bedrock("x", {"body": HARMFUL})
    only_call["output"]["message"]["content"] = [
        b for b in only_call["output"]["message"]["content"] if "toolUse" in b
    ]
    out = _guarded(charter, only_call, on_deny="refuse")
    (part,) = out["output"]["message"]["content"]
    assert part.keys() == {"text"} and part["text"].startswith("I can't help with that")
    typed = cohere("x", {"body": HARMFUL})
    typed["message"]["content"] = []
    out = _guarded(charter, typed, on_deny="refuse")
    assert out["message"]["content"][0]["type"] == "text" and not out["message"]["tool_calls"]
