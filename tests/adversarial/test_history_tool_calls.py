"""An agent loop's second turn must not send the model the personal data its first turn
kept from it.

Turn 1: the prompt's e-mail address reaches the model as a placeholder; the model proposes
`send_statement(to="<EMAIL_ADDRESS_1>")`; the output stage restores the placeholder so the
application can run the call with the real address. The application then appends that call
to the history, as every agent loop does, and sends it back. On main at d78f23b no prompt
shape read the calls in the history (OpenAI `tool_calls` / `function_call`, Anthropic
`tool_use`, Responses `function_call` items, LangChain `AIMessage.tool_calls`), so turn 2
sent the real address to the model. These tests fail there.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from charter.adapters import OpenAIMessagesAdapter, adapter_for
from charter.guard import Charter
from tests.adversarial.helpers import sent_to_model

EMAIL = "jane.doe@example.com"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")
ASK = f"Email my statement to {EMAIL}"


def _openai_call(to: str) -> dict[str, Any]:
    arguments = json.dumps({"to": to, "format": "pdf"})
    return {"id": "t1", "type": "function", "function": {"name": "send", "arguments": arguments}}


def _proposal(prompt_text: str) -> dict[str, Any]:
    """The model copies the placeholder it was shown into the call it proposes."""
    found = PLACEHOLDER.search(prompt_text)
    assert found is not None, prompt_text  # turn 1 was redacted
    message = {"role": "assistant", "content": None, "tool_calls": [_openai_call(found[0])]}
    return {"object": "chat.completion", "choices": [{"index": 0, "message": message}]}


def test_an_openai_agent_loops_second_turn_sends_the_placeholder_not_the_address(
    charter: Charter,
) -> None:
    sent: list[str] = []

    @charter.guard(model="gpt-x", provider="openai")
    def model(messages: list[dict[str, Any]]) -> dict[str, Any]:
        sent.append(json.dumps(messages))
        if len(sent) == 1:
            return _proposal(messages[-1]["content"])
        return {"object": "chat.completion", "choices": [{"index": 0, "message": {}}]}

    history: list[dict[str, Any]] = [{"role": "user", "content": ASK}]
    proposed = model(history)["choices"][0]["message"]
    arguments = json.loads(proposed["tool_calls"][0]["function"]["arguments"])
    assert arguments == {"to": EMAIL, "format": "pdf"}  # restored for the app to run

    history += [proposed, {"role": "tool", "tool_call_id": "t1", "content": "sent"}]
    model(history)
    assert EMAIL not in sent[1]
    second = json.loads(sent[1])
    again = json.loads(second[1]["tool_calls"][0]["function"]["arguments"])  # still JSON
    assert PLACEHOLDER.fullmatch(again["to"]) and again["format"] == "pdf"
    assert second[1]["tool_calls"][0]["id"] == "t1" and second[2] == history[2]
    assert EMAIL in json.dumps(history)  # the application's own list is left as it was


@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param(
            {"role": "assistant", "content": None, "tool_calls": [_openai_call(EMAIL)]},
            id="openai-tool_calls",
        ),
        pytest.param(
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "send", "arguments": json.dumps({"to": EMAIL})},
            },
            id="openai-legacy-function_call",
        ),
        pytest.param(
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Sending it."},
                    {"type": "tool_use", "id": "t1", "name": "send", "input": {"to": [EMAIL]}},
                ],
            },
            id="anthropic-tool_use",
        ),
        pytest.param(
            {"type": "function_call", "call_id": "t1", "name": "send", "arguments": f'"{EMAIL}"'},
            id="responses-function_call-json-string",
        ),
        pytest.param(
            {"type": "custom_tool_call", "call_id": "t1", "name": "send", "input": f"to {EMAIL}"},
            id="responses-custom_tool_call",
        ),
    ],
)
def test_an_earlier_call_in_the_history_is_redacted_in_its_own_shape(
    charter: Charter, earlier: dict[str, Any]
) -> None:
    prompt = [{"role": "user", "content": "Did it go out?"}, earlier]
    seen = sent_to_model(charter, prompt)[1]
    assert EMAIL not in json.dumps(seen)
    assert PLACEHOLDER.search(json.dumps(seen))
    assert seen.keys() == earlier.keys()
    for text in _json_arguments(seen):  # JSON text stays JSON text
        assert PLACEHOLDER.search(json.loads(text) if text.startswith('"') else text)
        json.loads(text)
    roles = OpenAIMessagesAdapter().roles(prompt)
    assert roles[0] == "user" and set(roles[1:]) == {"assistant"}  # redacted, not scored


def _json_arguments(item: dict[str, Any]) -> list[str]:
    functions = [call["function"] for call in item.get("tool_calls") or []]
    functions += [item["function_call"]] if "function_call" in item else []
    found = [f["arguments"] for f in functions]
    return found + ([item["arguments"]] if "arguments" in item else [])


def test_an_unchanged_history_is_sent_byte_for_byte(charter: Charter) -> None:
    """Arguments with nothing to redact are not re-serialised (the model sees exactly what
    it wrote, spacing and key order included)."""
    arguments = '{"b":1,  "a": "plain"}'
    call = {"id": "t1", "type": "function", "function": {"name": "f", "arguments": arguments}}
    prompt = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
    ]
    sent = sent_to_model(charter, prompt)
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == arguments


def test_arguments_too_deep_to_walk_are_read_as_one_text() -> None:
    deep = "[" * 5000 + json.dumps(EMAIL) + "]" * 5000
    call = {"id": "t", "type": "function", "function": {"name": "f", "arguments": deep}}
    prompt = [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [call]}]
    prompt[1]["content"] = None
    adapter = adapter_for(prompt)
    assert adapter is not None
    texts = adapter.texts(prompt)
    assert texts[-1] == deep  # not lost, not crashed
    out = adapter.replace(prompt, [*texts[:-1], "withheld"])
    assert out[1]["tool_calls"][0]["function"]["arguments"] == "withheld"
