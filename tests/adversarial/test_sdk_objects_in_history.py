"""The providers' own documentation builds an agent loop's history from the SDK's objects:
OpenAI appends `completion.choices[0].message`, the Responses API `response.output`,
Anthropic `{"role": "assistant", "content": response.content}` (a list of block objects).

On main at 3f1e6c8 those objects were not read. An OpenAI or Responses history holding one
was refused with "cannot find the prompt"; an Anthropic history sent its blocks (with the
values the output stage had restored) to the model as written. These tests fail there.
The SDKs' classes are not installed here: pydantic stand-ins with their fields play them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from charter.guard import Charter
from tests.adversarial.helpers import sent_to_model

EMAIL = "jane.doe@example.com"


class Function(BaseModel):  # openai.types.chat.*
    name: str
    arguments: str


class ToolCall(BaseModel):
    id: str
    type: Literal["function"] = "function"
    function: Function


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class ResponseFunctionToolCall(BaseModel):  # openai.types.responses
    type: Literal["function_call"] = "function_call"
    call_id: str
    name: str
    arguments: str


class TextBlock(BaseModel):  # anthropic.types
    type: Literal["text"] = "text"
    text: str
    citations: list[Any] | None = None


class ToolUseBlock(BaseModel):
    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: dict[str, Any]


def _sent(charter: Charter, prompt: list[Any]) -> str:
    sent = sent_to_model(charter, prompt)
    return json.dumps(
        [m.model_dump() if isinstance(m, BaseModel) else m for m in sent], default=_dump
    )


def _dump(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else str(value)


def test_an_openai_message_object_in_the_history_is_read(charter: Charter) -> None:
    call = ToolCall(id="t1", function=Function(name="send", arguments=json.dumps({"to": EMAIL})))
    prompt = [
        {"role": "user", "content": "Send my statement."},
        ChatCompletionMessage(tool_calls=[call]),
        {"role": "tool", "tool_call_id": "t1", "content": "sent"},
    ]
    sent = _sent(charter, prompt)
    assert EMAIL not in sent and "<EMAIL_ADDRESS_" in sent


def test_responses_output_objects_in_the_input_are_read(charter: Charter) -> None:
    prompt = [
        {"role": "user", "content": "Send my statement."},
        ResponseFunctionToolCall(call_id="c1", name="send", arguments=json.dumps({"to": EMAIL})),
        {"type": "function_call_output", "call_id": "c1", "output": "sent"},
    ]
    sent = _sent(charter, prompt)
    assert EMAIL not in sent and "<EMAIL_ADDRESS_" in sent


def test_anthropic_block_objects_in_the_history_are_read(charter: Charter) -> None:
    content = [
        TextBlock(text=f"I will write to {EMAIL}."),
        ToolUseBlock(id="t1", name="send", input={"to": EMAIL}),
    ]
    prompt = [
        {"role": "user", "content": "Send my statement."},
        {"role": "assistant", "content": content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}],
        },
    ]
    sent = _sent(charter, prompt)
    assert EMAIL not in sent and sent.count("<EMAIL_ADDRESS_") == 2


def test_objects_with_nothing_to_redact_are_sent_as_they_were(charter: Charter) -> None:
    message = ChatCompletionMessage(content="We open at nine.")
    block = TextBlock(text="Noted.")
    prompt = [{"role": "user", "content": "hi"}, message, {"role": "assistant", "content": [block]}]
    sent = sent_to_model(charter, prompt)
    assert sent[1] is message and sent[2]["content"][0] is block
