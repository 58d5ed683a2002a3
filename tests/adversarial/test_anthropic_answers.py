"""An Anthropic Messages API answer keeps its shape through the guard, and its `tool_use`
blocks are checked like any proposed call.

main (at 7a33c8d) had no adapter for it. An SDK `Message` is a pydantic model with
`content` and `type`, so it passed for a LangChain message: its text blocks were read as
their repr, and a masked answer came back with `content` a plain string, the `tool_use`
blocks gone. A dict answer was read as its repr and a masked one came back as a string. The
`tool_use` inputs were never checked. These tests fail there.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import BaseModel

from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


class TextBlock(BaseModel):  # the SDK's shapes (anthropic.types), not installed here
    type: Literal["text"] = "text"
    text: str


class ToolUseBlock(BaseModel):
    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: dict[str, Any]


class Message(BaseModel):
    id: str = "msg_1"
    type: Literal["message"] = "message"
    role: Literal["assistant"] = "assistant"
    model: str = "claude-x"
    content: list[Any]
    stop_reason: str | None = "end_turn"


def _dict(text: str, tool_input: dict[str, Any] | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if tool_input is not None:
        content.append({"type": "tool_use", "id": "t1", "name": "send", "input": tool_input})
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": content,
        "stop_reason": "tool_use" if tool_input is not None else "end_turn",
    }


def test_an_sdk_message_keeps_its_blocks_and_has_its_text_masked(charter: Charter) -> None:
    tool = ToolUseBlock(id="t1", name="lookup", input={"order": "A-1"})
    message = Message(content=[TextBlock(text=f"Your card {CARD} is blocked."), tool])
    answer = charter.guard(model="claude-x", provider="anthropic")(lambda p: message)("card?")
    assert isinstance(answer, Message) and len(answer.content) == 2
    assert CARD not in answer.content[0].text and answer.content[0].text.endswith("is blocked.")
    assert answer.content[1] == tool  # the call, as it was
    assert CARD in message.content[0].text  # the model's own object: a copy was changed


def test_a_card_in_a_tool_use_input_is_masked(charter: Charter) -> None:
    guarded = charter.guard(model="claude-x", provider="anthropic")
    answer = guarded(lambda p: _dict("Sending it.", {"body": f"card {CARD}", "n": 2}))("send")
    assert isinstance(answer, dict) and answer["content"][0] == {
        "type": "text",
        "text": "Sending it.",
    }
    tool_input = answer["content"][1]["input"]
    assert CARD not in tool_input["body"] and tool_input["body"].endswith("1111")
    assert tool_input["n"] == 2


@pytest.mark.parametrize("shape", ["dict", "sdk"])
def test_a_refused_message_carries_no_tool_use(charter: Charter, shape: str) -> None:
    def model(prompt: str) -> Any:
        if shape == "dict":
            return _dict("Sure.", {"body": HARMFUL})
        block = ToolUseBlock(id="t1", name="send", input={"body": HARMFUL})
        return Message(content=[TextBlock(text="Sure."), block], stop_reason="tool_use")

    refuse = charter.guard(model="claude-x", provider="anthropic", on_deny="refuse")
    answer = refuse(model)("send it")
    content = answer["content"] if shape == "dict" else answer.content
    types = [b["type"] if isinstance(b, dict) else b.type for b in content]
    text = content[0]["text"] if isinstance(content[0], dict) else content[0].text
    assert types == ["text"] and text.startswith("I can't help with that")
    stop = answer["stop_reason"] if shape == "dict" else answer.stop_reason
    assert stop == "refusal"


class ThinkingBlock(BaseModel):
    type: Literal["thinking"] = "thinking"
    thinking: str
    signature: str = "sig"


def test_an_sdk_messages_thinking_is_masked_in_a_copy(charter: Charter) -> None:
    """`charter.reasoning`: thinking is output too (fails at 79a95d7)."""
    thinking = ThinkingBlock(thinking=f"The card is {CARD}.")
    message = Message(content=[thinking, TextBlock(text="It is blocked.")])
    answer = charter.guard(model="claude-x", provider="anthropic")(lambda p: message)("card?")
    assert isinstance(answer, Message) and isinstance(answer.content[0], ThinkingBlock)
    assert CARD not in answer.content[0].thinking and answer.content[0].thinking.endswith("1111.")
    assert answer.content[1].text == "It is blocked." and CARD in message.content[0].thinking
