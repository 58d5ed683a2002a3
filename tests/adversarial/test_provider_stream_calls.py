"""The tool calls and reasoning that Ollama, Cohere v2, Amazon Bedrock (converse_stream) and
Google Gemini streams carry go through the output checks, as OpenAI's and Anthropic's do.

On main at a51e1c1 a chunk carrying one was refused with a ConfigurationError ("the guard
does not check it in a stream yet"), so an app could not stream these providers with
tools at all. Cohere and Bedrock send a call's arguments a few characters at a time,
Ollama and Gemini send each call whole with its arguments as an object; Ollama's
`thinking`, Cohere's tool plan, Bedrock's `reasoningContent` and Gemini's `thought` parts
are reasoning. These tests fail there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from charter.guard import Charter

CARD = "4111 1111 1111 1111"
MASKED = "**** **** **** 1111"
EMAIL = "jane.doe@example.com"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def _pieces(text: str, size: int = 6) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def bedrock(text: str, args: dict[str, Any], thought: str) -> list[Any]:
    def delta(at: int, delta: dict[str, Any]) -> dict[str, Any]:
        return {"contentBlockDelta": {"delta": delta, "contentBlockIndex": at}}

    start = {"start": {"toolUse": {"toolUseId": "t1", "name": "send"}}, "contentBlockIndex": 2}
    return [
        {"messageStart": {"role": "assistant"}},
        *[delta(0, {"reasoningContent": {"text": p}}) for p in _pieces(thought)],
        delta(1, {"text": text}),
        {"contentBlockStart": start},
        *[delta(2, {"toolUse": {"input": p}}) for p in _pieces(json.dumps(args))],
        {"contentBlockStop": {"contentBlockIndex": 2}},
        {"messageStop": {"stopReason": "tool_use"}},
    ]


def cohere(text: str, args: dict[str, Any], thought: str) -> list[Any]:
    def call(function: dict[str, Any], kind: str, **more: Any) -> dict[str, Any]:
        message = {"tool_calls": {**more, "function": function}}
        return {"type": kind, "index": 0, "delta": {"message": message}}

    head = call({"name": "send", "arguments": ""}, "tool-call-start", id="c1", type="function")
    plan = [
        {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": p}}}
        for p in _pieces(thought)
    ]
    deltas = [call({"arguments": p}, "tool-call-delta") for p in _pieces(json.dumps(args))]
    text_event = {
        "type": "content-delta",
        "index": 0,
        "delta": {"message": {"content": {"text": text}}},
    }
    return [
        {"type": "message-start", "id": "r1"},
        *plan,
        text_event,
        head,
        *deltas,
        {"type": "tool-call-end", "index": 0},
        {"type": "message-end"},
    ]


def ollama(text: str, args: dict[str, Any], thought: str) -> list[Any]:
    def chunk(**message: Any) -> dict[str, Any]:
        return {"model": "l", "message": {"role": "assistant", **message}, "done": False}

    call = {"function": {"name": "send", "arguments": args}}
    return [
        *[chunk(content="", thinking=p) for p in _pieces(thought)],
        chunk(content=text, tool_calls=[call]),  # text and the call in one chunk
        {"model": "l", "message": {"role": "assistant", "content": ""}, "done": True},
    ]


def gemini(text: str, args: dict[str, Any], thought: str) -> list[Any]:
    def chunk(*parts: Any) -> dict[str, Any]:
        return {"candidates": [{"content": {"role": "model", "parts": list(parts)}}]}

    return [
        *[chunk({"text": p, "thought": True}) for p in _pieces(thought)],
        chunk({"text": text}, {"function_call": {"name": "send", "args": args}}),
    ]


def joined(shape: str, chunks: list[Any]) -> tuple[str, list[tuple[str, Any]], str]:
    """What the provider's own client assembles: the text, the calls (name, arguments
    parsed) and the reasoning."""
    text, thought, calls = "", "", []
    if shape == "bedrock":
        names, inputs = {}, {}
        for c in chunks:
            if "contentBlockStart" in c:
                names[c["contentBlockStart"]["contentBlockIndex"]] = c["contentBlockStart"][
                    "start"
                ]["toolUse"]["name"]
            delta = c.get("contentBlockDelta", {}).get("delta", {})
            at = c.get("contentBlockDelta", {}).get("contentBlockIndex")
            text += delta.get("text", "")
            thought += delta.get("reasoningContent", {}).get("text", "")
            if "toolUse" in delta:
                inputs[at] = inputs.get(at, "") + delta["toolUse"]["input"]
        calls = [(names[k], json.loads(v)) for k, v in inputs.items()]
    elif shape == "cohere":
        name, arguments = "", ""
        for c in chunks:
            message = c.get("delta", {}).get("message", {})
            if c["type"] == "content-delta":
                text += message["content"]["text"]
            elif c["type"] == "tool-plan-delta":
                thought += message["tool_plan"]
            elif c["type"].startswith("tool-call-") and "tool_calls" in message:
                function = message["tool_calls"]["function"]
                name = function.get("name", name)
                arguments += function.get("arguments", "")
        calls = [(name, json.loads(arguments))] if arguments else []
    elif shape == "ollama":
        for c in chunks:
            message = c["message"]
            text += message.get("content") or ""
            thought += message.get("thinking") or ""
            calls += [
                (t["function"]["name"], t["function"]["arguments"])
                for t in message.get("tool_calls") or ()
            ]
    else:
        for c in chunks:
            for part in c["candidates"][0]["content"]["parts"]:
                if "function_call" in part:
                    calls.append((part["function_call"]["name"], part["function_call"]["args"]))
                elif part.get("thought"):
                    thought += part["text"]
                else:
                    text += part["text"]
    return text, calls, thought


SHAPES: dict[str, Callable[[str, dict[str, Any], str], list[Any]]] = {
    "ollama": ollama,
    "cohere": cohere,
    "bedrock": bedrock,
    "gemini": gemini,
}


def _stream(charter: Charter, chunks: list[Any], prompt: str = "Send it", **kw: Any) -> list[Any]:
    @charter.guard(model="m", provider="p", **kw)
    def model(prompt: str) -> Iterator[Any]:
        yield from chunks

    return list(model(prompt))


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_card_in_a_streamed_call_and_its_reasoning_is_masked(
    charter: Charter, shape: str
) -> None:
    args = {"to": "billing", "body": f"card {CARD} expires soon"}
    chunks = SHAPES[shape]("Sending it to billing now.", args, f"The card is {CARD}, so I send it.")
    text, calls, thought = joined(shape, _stream(charter, chunks))
    assert text == "Sending it to billing now."
    assert calls == [("send", {"to": "billing", "body": f"card {MASKED} expires soon"})]
    assert thought == f"The card is {MASKED}, so I send it."


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_placeholder_the_model_copied_into_a_streamed_call_is_restored(
    charter: Charter, shape: str
) -> None:
    """The app runs the call with the real address; the reasoning keeps the placeholder it
    was shown (it may be sent back to the model)."""
    sent: list[str] = []

    @charter.guard(model="m", provider="p")
    def model(prompt: str) -> Iterator[Any]:
        sent.append(prompt)
        found = PLACEHOLDER.search(prompt)
        assert found is not None and EMAIL not in prompt
        yield from SHAPES[shape]("On it.", {"to": found[0]}, f"Write to {found[0]}.")

    _, calls, thought = joined(shape, list(model(f"Email my statement to {EMAIL}")))
    assert calls == [("send", {"to": EMAIL})]
    assert PLACEHOLDER.fullmatch(thought[len("Write to ") : -1]) and EMAIL not in thought


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("where", ["call", "reasoning"])
def test_harm_in_a_streamed_call_or_reasoning_is_refused(
    charter: Charter, shape: str, where: str
) -> None:
    args = {"body": HARMFUL} if where == "call" else {"body": "see you at nine"}
    thought = HARMFUL if where == "reasoning" else "The user wants a reminder."
    out = _stream(charter, SHAPES[shape]("Here you go.", args, thought), on_deny="refuse")
    assert "bleach" not in json.dumps(out)
    text, calls, _ = joined(shape, out)
    assert calls == [] and text.startswith("I can't help with that")


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_clean_streamed_call_passes_as_the_model_wrote_it(charter: Charter, shape: str) -> None:
    """Guards against over-reach."""
    args = {"to": "billing", "body": "Please confirm the meeting at nine."}
    chunks = SHAPES[shape]("Sending the note.", args, "The user wants a short note.")
    assert joined(shape, _stream(charter, chunks)) == joined(shape, chunks)


def test_a_call_streamed_both_as_text_and_as_an_object_does_not_crash(charter: Charter) -> None:
    """A broken stream (found by `bench.fuzz_shapes`, stop 41): one call's arguments came as
    a text delta holding a card, then as a whole object. Writing the masked text back
    parsed it as JSON for the object's place and raised `JSONDecodeError`; now the first
    fragment holds the new text and nothing of the card leaves."""
    chunks = cohere("Sending.", {"to": "billing"}, "Sending it.")
    start = chunks.index(next(c for c in chunks if c["type"] == "tool-call-start"))
    text = {"type": "tool-call-delta", "index": 0}
    text["delta"] = {"message": {"tool_calls": {"function": {"arguments": f"card {CARD}"}}}}
    whole = {"name": "send", "arguments": {"to": "billing"}}
    late = {"type": "tool-call-start", "index": 0}
    late["delta"] = {"message": {"tool_calls": {"id": "c1", "function": whole}}}
    chunks[start + 1 : start + 1] = [text, late]
    out = _stream(charter, chunks)
    assert CARD not in json.dumps(out) and MASKED in json.dumps(out)
