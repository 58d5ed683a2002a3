"""The guard around the real OpenAI and Anthropic SDKs' own methods, with only the model
faked: each client talks to an in-memory `httpx.MockTransport` that answers as the API
does (JSON, or server-sent events for `stream=True`).

The rest of the suite builds the SDKs' shapes by hand; these tests check that the objects
the SDKs really build (pydantic models, their `Stream` and `AsyncStream`) are read and
written back, that the prompt the API receives is redacted, and that `stream=True`
streams are checked as they come (stop 43: such a call used to be refused, and so was every call of an async client's
method: OpenAI's `AsyncOpenAI` methods are sync wrappers of coroutine functions).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from charter.errors import ConfigurationError, PolicyViolation
from charter.guard import Charter
from tests.support.sdk_api import Api, Reply, json_reply, sse

CARD = "4111 1111 1111 1111"
MASKED = "**** **** **** 1111"
EMAIL = "jane.doe@example.com"
ANSWER = ["The card ", "on file is ", CARD[:9], CARD[9:], ", valid to 2029."]


def _openai_chat(body: dict[str, Any]) -> Reply:
    base = {"id": "c1", "created": 1, "model": "gpt-4o"}
    if body.get("stream"):
        chunk = {**base, "object": "chat.completion.chunk"}
        events: list[tuple[str | None, dict[str, Any] | str]] = [
            (None, {**chunk, "choices": [{"index": 0, "delta": {"content": piece}}]})
            for piece in ANSWER
        ]
        return sse([*events, (None, "[DONE]")])
    message = {"role": "assistant", "content": "".join(ANSWER)}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return json_reply({**base, "object": "chat.completion", "choices": [choice]})


def _anthropic_messages(body: dict[str, Any]) -> Reply:
    message = {
        "id": "m1",
        "type": "message",
        "role": "assistant",
        "model": "claude",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 1},
    }
    if not body.get("stream"):
        whole = {**message, "content": [{"type": "text", "text": "".join(ANSWER)}]}
        return json_reply({**whole, "stop_reason": "end_turn"})
    block = {"type": "text", "text": ""}
    events: list[tuple[str | None, dict[str, Any] | str]] = [
        ("message_start", {"type": "message_start", "message": {**message, "content": []}}),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": block},
        ),
    ]
    for piece in ANSWER:
        delta = {"type": "text_delta", "text": piece}
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        )
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 9},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return sse(events)


_RESPONSE = {
    "id": "r1",
    "object": "response",
    "created_at": 1,
    "model": "gpt-4o",
    "status": "completed",
    "output": [],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
}
_PART = {"type": "output_text", "text": "".join(ANSWER), "annotations": []}
_MESSAGE = {"id": "m1", "type": "message", "role": "assistant", "status": "completed"}


def _openai_responses(body: dict[str, Any]) -> Reply:
    message = {**_MESSAGE, "content": [_PART]}
    if not body.get("stream"):
        return json_reply({**_RESPONSE, "output": [message]})
    at = {"output_index": 0, "content_index": 0, "item_id": "m1"}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**_RESPONSE, "status": "in_progress"}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**_MESSAGE, "content": []},
        },
        {"type": "response.content_part.added", **at, "part": {**_PART, "text": ""}},
        *[{"type": "response.output_text.delta", **at, "delta": p, "logprobs": []} for p in ANSWER],
        {"type": "response.output_text.done", **at, "text": _PART["text"], "logprobs": []},
        {"type": "response.content_part.done", **at, "part": _PART},
        {"type": "response.output_item.done", "output_index": 0, "item": message},
        {"type": "response.completed", "response": {**_RESPONSE, "output": [message]}},
    ]
    return sse([(e["type"], {**e, "sequence_number": n}) for n, e in enumerate(events)])


def _question() -> list[dict[str, Any]]:
    return [{"role": "user", "content": f"I am {EMAIL}: which card is on file?"}]


def test_openai_chat_create_whole_and_streamed(charter: Charter) -> None:
    api = Api(_openai_chat)
    client = openai.OpenAI(api_key="k", http_client=api.client())
    create = charter.guard(model="gpt-4o", provider="openai")(client.chat.completions.create)

    whole = create(model="gpt-4o", messages=_question())
    assert type(whole).__name__ == "ChatCompletion"
    assert whole.choices[0].message.content == f"The card on file is {MASKED}, valid to 2029."
    assert (
        api.received[0]["messages"][0]["content"]
        == "I am <EMAIL_ADDRESS_1>: which card is on file?"
    )

    with create(model="gpt-4o", messages=_question(), stream=True) as stream:
        chunks = list(stream)
    assert {type(c).__name__ for c in chunks} == {"ChatCompletionChunk"}
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == f"The card on file is {MASKED}, valid to 2029."
    assert api.received[1]["stream"] is True and EMAIL not in json.dumps(api.received[1])


def test_async_openai_chat_create_whole_and_streamed(charter: Charter) -> None:
    api = Api(_openai_chat)

    async def main() -> str:
        client = openai.AsyncOpenAI(api_key="k", http_client=api.async_client())
        create = charter.guard(model="gpt-4o", provider="openai")(client.chat.completions.create)
        whole = await create(model="gpt-4o", messages=_question())
        stream = await create(model="gpt-4o", messages=_question(), stream=True)
        async with stream:
            text = "".join([c.choices[0].delta.content or "" async for c in stream])
        return [whole.choices[0].message.content, text]

    assert asyncio.run(main()) == [f"The card on file is {MASKED}, valid to 2029."] * 2


def test_anthropic_messages_create_whole_and_streamed(charter: Charter) -> None:
    api = Api(_anthropic_messages, http=httpx2)
    client = anthropic.Anthropic(api_key="k", http_client=api.client())
    create = charter.guard(model="claude", provider="anthropic")(client.messages.create)

    whole = create(model="claude", max_tokens=64, messages=_question(), system=f"Bank. {EMAIL}")
    assert type(whole).__name__ == "Message"
    assert whole.content[0].text == f"The card on file is {MASKED}, valid to 2029."
    assert EMAIL not in json.dumps(api.received[0])

    events = list(create(model="claude", max_tokens=64, messages=_question(), stream=True))
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert text == f"The card on file is {MASKED}, valid to 2029."
    assert events[0].type == "message_start" and events[-1].type == "message_stop"


def test_a_denied_prompt_never_reaches_the_api(charter: Charter) -> None:
    api = Api(_openai_chat)
    client = openai.OpenAI(api_key="k", http_client=api.client())
    create = charter.guard(model="gpt-4o", provider="openai", on_deny="raise")(
        client.chat.completions.create
    )
    forbidden = [{"role": "user", "content": "Which stock should I buy with my savings?"}]
    with pytest.raises(PolicyViolation, match=r"topics\.forbidden"):
        create(model="gpt-4o", messages=forbidden)
    with pytest.raises(PolicyViolation, match=r"topics\.forbidden"):
        list(create(model="gpt-4o", messages=forbidden, stream=True))
    assert api.received == []


def test_openai_responses_create_whole_and_streamed(charter: Charter) -> None:
    """`responses.create` takes `prompt` (a stored template's reference) beside `input`:
    the guard read the unset `prompt` and refused every call ("cannot find the prompt")."""
    api = Api(_openai_responses)
    client = openai.OpenAI(api_key="k", http_client=api.client())
    create = charter.guard(model="gpt-4o", provider="openai")(client.responses.create)

    whole = create(model="gpt-4o", input=f"I am {EMAIL}.", instructions=f"Bank of {EMAIL}")
    assert whole.output_text == f"The card on file is {MASKED}, valid to 2029."
    assert EMAIL not in json.dumps(api.received[0]) and "input" in api.received[0]

    events = list(create(model="gpt-4o", input="Which card is on file?", stream=True))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == f"The card on file is {MASKED}, valid to 2029."
    done = [e for e in events if e.type == "response.output_text.done"]
    assert [e.text for e in done] == [deltas]
    assert events[-1].type == "response.completed" and events[-1].response.output_text == deltas


def test_the_sdks_stream_managers_are_refused(charter: Charter) -> None:
    """`client.responses.stream(...)` and `client.messages.stream(...)` hand back a context
    manager that opens the stream: read whole, it passed, and its text was never checked."""
    openai_client = openai.OpenAI(api_key="k", http_client=Api(_openai_responses).client())
    anthropic_api = Api(_anthropic_messages, http=httpx2)
    anthropic_client = anthropic.Anthropic(api_key="k", http_client=anthropic_api.client())
    managers = [
        (openai_client.responses.stream, {"model": "gpt-4o", "input": "Which card?"}),
        (
            anthropic_client.messages.stream,
            {"model": "c", "max_tokens": 9, "messages": _question()},
        ),
    ]
    for method, arguments in managers:
        guarded = charter.guard(model="m", provider="openai")(method)
        with pytest.raises(ConfigurationError, match=r"returned a stream.*stream=True"):
            guarded(**arguments)
    assert anthropic_api.received == []
