"""The model's reasoning keeps the placeholders it was shown; only the answer (and the
calls the application runs) get the caller's values restored.

The model thinks about `<EMAIL_ADDRESS_1>`, never about the address. On main at 7289f36 the
output stage restored placeholders in the reasoning too. Two things then go wrong:
- an Anthropic `thinking` block no longer matches its `signature`, and an agent loop must
  send that block back on its next turn (extended thinking with tools), which the API
  refuses;
- a history that carries the reasoning sends the restored address back to the model.
These tests fail there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from charter.guard import Charter
from tests.adversarial.test_anthropic_stream import _events, _text, _thinking

EMAIL = "jane.doe@example.com"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")
ASK = f"Send my statement to {EMAIL}"


def _placeholder(prompt: Any) -> str:
    found = PLACEHOLDER.search(json.dumps(prompt))
    assert found is not None, prompt  # the model was shown a placeholder
    return found[0]


def test_anthropic_thinking_keeps_the_placeholder_and_its_signature(charter: Charter) -> None:
    @charter.guard(model="claude-x", provider="anthropic")
    def model(messages: list[Any]) -> dict[str, Any]:
        ph = _placeholder(messages)
        thinking = {"type": "thinking", "thinking": f"Mail goes to {ph}.", "signature": "sig"}
        text = {"type": "text", "text": f"I will send it to {ph}."}
        return {"type": "message", "role": "assistant", "content": [thinking, text]}

    out = model([{"role": "user", "content": ASK}])
    thinking, text = out["content"]
    assert PLACEHOLDER.fullmatch(thinking["thinking"][len("Mail goes to ") : -1])
    assert EMAIL not in json.dumps(thinking) and thinking["signature"] == "sig"
    assert text["text"] == f"I will send it to {EMAIL}."  # the answer is restored


def test_a_responses_reasoning_summary_keeps_the_placeholder(charter: Charter) -> None:
    @charter.guard(model="gpt-x", provider="openai")
    def model(messages: list[Any]) -> dict[str, Any]:
        ph = _placeholder(messages)
        summary = {"type": "summary_text", "text": f"Send to {ph}."}
        part = {"type": "output_text", "text": f"Sent to {ph}.", "annotations": []}
        return {
            "object": "response",
            "output": [
                {"type": "reasoning", "id": "rs_1", "summary": [summary]},
                {"type": "message", "id": "m", "role": "assistant", "content": [part]},
                {
                    "type": "function_call",
                    "call_id": "c",
                    "name": "send",
                    "arguments": json.dumps({"to": ph}),
                },
            ],
        }

    out = model([{"role": "user", "content": ASK}])
    reasoning, message, call = out["output"]
    assert EMAIL not in json.dumps(reasoning) and PLACEHOLDER.search(json.dumps(reasoning))
    assert message["content"][0]["text"] == f"Sent to {EMAIL}."
    assert json.loads(call["arguments"]) == {"to": EMAIL}  # the app runs the real call


def test_streamed_thinking_keeps_the_placeholder(charter: Charter) -> None:
    @charter.guard(model="claude-x", provider="anthropic")
    def model(messages: list[Any]) -> Iterator[Any]:
        ph = _placeholder(messages)
        events = _events(f"I will send it to {ph} today, as you asked me to do just now.")
        for event in events:
            if "index" in event:
                event["index"] = 1
        block = {"type": "thinking", "thinking": "", "signature": ""}
        delta = {"type": "thinking_delta", "thinking": f"Mail goes to {ph}."}
        yield events[0]
        yield {"type": "content_block_start", "index": 0, "content_block": block}
        yield {"type": "content_block_delta", "index": 0, "delta": delta}
        yield {"type": "content_block_stop", "index": 0}
        yield from events[1:]

    out = list(model([{"role": "user", "content": ASK}]))
    assert EMAIL not in _thinking(out) and PLACEHOLDER.search(_thinking(out))
    assert _text(out) == f"I will send it to {EMAIL} today, as you asked me to do just now."
