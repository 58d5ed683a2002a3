"""Arguments that are a bare JSON string (`"\\"jane@example.com\\""`, which Ollama and
function-calling fine-tunes emit for one-parameter tools) stay JSON when the output stage
changes them.

On main at bba51dc each SDK's writer serialized changed arguments itself, as "a str goes
back as it is", so a JSON string lost its quotes: the app's `json.loads(arguments)` then
failed on `jane.doe@example.com`. The arguments are now put back in the form they came in
by one function (`charter._leaves.written_as`). These tests fail there, except the ones
that guard against over-reach (text that is not JSON, and reasoning that happens to be
valid JSON, are not quoted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from charter.guard import Charter

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")


def _openai(arguments: str) -> dict[str, Any]:
    call = {"id": "t1", "type": "function", "function": {"name": "send", "arguments": arguments}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {"object": "chat.completion", "choices": [{"index": 0, "message": message}]}


def _responses(arguments: str) -> dict[str, Any]:
    item = {"type": "function_call", "call_id": "t1", "name": "send", "arguments": arguments}
    return {"object": "response", "output": [item]}


def _ollama(arguments: str) -> dict[str, Any]:
    call = {"function": {"name": "send", "arguments": arguments}}
    return {"model": "m", "message": {"role": "assistant", "content": "", "tool_calls": [call]}}


SHAPES: dict[str, tuple[Callable[[str], Any], Callable[[Any], str]]] = {
    "openai": (
        _openai,
        lambda a: a["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
    ),
    "responses": (_responses, lambda a: a["output"][0]["arguments"]),
    "ollama": (_ollama, lambda a: a["message"]["tool_calls"][0]["function"]["arguments"]),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_restored_json_string_argument_is_still_json(charter: Charter, shape: str) -> None:
    build, arguments_of = SHAPES[shape]

    @charter.guard(model="m", provider="p")
    def model(prompt: str) -> Any:
        found = PLACEHOLDER.search(prompt)
        assert found is not None and EMAIL not in prompt
        return build(json.dumps(found[0]))

    raw = arguments_of(model(f"Send the statement to {EMAIL}"))
    assert json.loads(raw) == EMAIL


@pytest.mark.parametrize("shape", SHAPES)
def test_a_masked_json_string_argument_is_still_json(charter: Charter, shape: str) -> None:
    build, arguments_of = SHAPES[shape]

    @charter.guard(model="m", provider="p")
    def model(prompt: str) -> Any:
        return build(json.dumps(f"pay with {CARD}"))

    masked = json.loads(arguments_of(model("Pay the bill")))
    assert CARD not in masked and masked.startswith("pay with ") and masked.endswith("1111")


def test_text_that_is_not_json_stays_text(charter: Charter) -> None:
    """Guards against over-reach: a custom tool's free-text input is not quoted."""

    @charter.guard(model="m", provider="p")
    def model(prompt: str) -> Any:
        item = {"type": "custom_tool_call", "call_id": "t", "name": "n", "input": f"pay {CARD}"}
        return {"object": "response", "output": [item]}

    text = model("Pay the bill")["output"][0]["input"]
    assert text.startswith("pay ") and text.endswith("1111") and CARD not in text


def _chunks(arguments: str) -> list[dict[str, Any]]:
    head = {"index": 0, "id": "t1", "type": "function", "function": {"name": "send"}}
    chunks = [{"choices": [{"index": 0, "delta": {"tool_calls": [head]}}]}]
    for i in range(0, len(arguments), 6):
        part = {"index": 0, "function": {"arguments": arguments[i : i + 6]}}
        chunks.append({"choices": [{"index": 0, "delta": {"tool_calls": [part]}}]})
    return chunks


def test_a_streamed_json_string_argument_is_still_json(charter: Charter) -> None:
    @charter.guard(model="m", provider="openai")
    def model(prompt: str) -> Iterator[Any]:
        yield from _chunks(json.dumps(f"pay with {CARD}"))

    joined = "".join(
        call["function"].get("arguments") or ""
        for chunk in model("Pay the bill")
        for call in chunk["choices"][0]["delta"].get("tool_calls") or ()
    )
    masked = json.loads(joined)
    assert CARD not in masked and masked.endswith("1111")


def test_streamed_reasoning_that_reads_as_json_is_not_quoted(charter: Charter) -> None:
    """Guards against over-reach: reasoning is text, whatever it looks like."""
    thought = f'"{CARD}"'
    events = [
        {"type": "message_start", "message": {"role": "assistant", "content": []}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking"}},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": thought},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "message_stop"},
    ]

    @charter.guard(model="m", provider="anthropic")
    def model(prompt: str) -> Iterator[Any]:
        yield from events

    out = "".join(
        e["delta"]["thinking"]
        for e in model("Pay the bill")
        if e.get("type") == "content_block_delta"
    )
    assert out.startswith('"') and out.endswith('1111"') and CARD not in out
