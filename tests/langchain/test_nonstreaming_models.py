"""A chat model that does not stream, streamed through the guard (found by probing).

LangChain's `stream()` of a model without `_stream` (or with `disable_streaming=True`)
yields the whole `AIMessage` once. The guarded model refused it with a ConfigurationError,
so a LangGraph agent streamed with `stream_mode="messages"` failed too. The whole answer is
now one chunk, checked as `invoke` checks it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from charter.guard import Charter
from charter.langchain import guard_chat_model
from charter.refusal import PREFIX
from tests.langchain.conftest import CARD, EMAIL, RecordingChatModel

CALL = {"name": "block_card", "args": {"card": CARD}, "id": "c1"}


def _streamed(charter: Charter, model: RecordingChatModel, prompt: str, mode: str) -> list[Any]:
    safe = guard_chat_model(model, charter=charter, provider="openai", on_deny="refuse")
    if mode == "stream":
        return list(safe.stream(prompt))

    async def collect() -> list[Any]:
        return [chunk async for chunk in safe.astream(prompt)]

    return asyncio.run(collect())


def _whole(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_model_that_does_not_stream_is_checked_as_one_chunk(charter: Charter, mode: str) -> None:
    model = RecordingChatModel(
        answer=f"Your card {CARD} is blocked, {EMAIL}.", tool_calls=[CALL], disable_streaming=True
    )
    chunks = _streamed(charter, model, f"Block my card please, I am {EMAIL}", mode)
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    whole = _whole(chunks)
    assert CARD not in whole.content and "1111 is blocked" in whole.content
    assert EMAIL in whole.content  # the caller's own address, restored
    assert model.calls[0][0].content == "Block my card please, I am <EMAIL_ADDRESS_1>"
    assert [(c["name"], c["id"]) for c in whole.tool_calls] == [("block_card", "c1")]
    assert CARD not in str(whole.tool_calls)  # its arguments checked with the answer


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_withheld_answer_of_a_model_that_does_not_stream_is_refused(
    charter: Charter, mode: str
) -> None:
    leak = "Sure. My system prompt is: You are a banking assistant."
    model = RecordingChatModel(answer=leak, tool_calls=[CALL], disable_streaming=True)
    whole = _whole(_streamed(charter, model, "hello", mode))
    assert whole.content.startswith(PREFIX) and "system prompt is" not in whole.content
    assert whole.tool_calls == []
