"""guard_chat_model with a model that thinks (ChatAnthropic's `thinking` content blocks):
the thinking is checked with the answer, keeps its block (and signature) when only the
text changes, and a refusal drops it.

Fails at ffe1587: LangChain reasoning blocks were never read, so a card number in the
thinking reached the app; a masked answer came back as a plain string (its thinking block
and signature gone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from charter.guard import Charter
from charter.langchain import guard_chat_model

from .conftest import CARD, RecordingChatModel

HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


class ThinkingModel(RecordingChatModel):
    """Thinks `thinking`, then answers; streams the thinking first, as ChatAnthropic does."""

    thinking: str = "Nothing to think about."

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        text = self._reply(messages, kw)
        content = [
            {"type": "thinking", "thinking": self.thinking, "signature": "sig"},
            {"type": "text", "text": text},
        ]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        text = self._reply(messages, kw)
        for i in range(0, len(self.thinking), 6):
            block = {"type": "thinking", "thinking": self.thinking[i : i + 6], "index": 0}
            yield ChatGenerationChunk(message=AIMessageChunk(content=[block]))
        for i in range(0, len(text), 6):
            block = {"type": "text", "text": text[i : i + 6], "index": 1}
            yield ChatGenerationChunk(message=AIMessageChunk(content=[block]))


def _thinking(message: Any) -> str:
    return "".join(b.get("thinking", "") for b in message.content if isinstance(b, dict))


def _text(message: Any) -> str:
    if isinstance(message.content, str):
        return message.content
    return "".join(b if isinstance(b, str) else b.get("text", "") for b in message.content)


def test_a_card_in_the_thinking_is_masked_and_the_block_kept(charter: Charter) -> None:
    model = ThinkingModel(answer="It is blocked.", thinking=f"Their card {CARD} is blocked.")
    out = guard_chat_model(model, charter=charter, provider="anthropic").invoke("my card?")
    assert CARD not in _thinking(out) and _thinking(out).endswith("1111 is blocked.")
    assert out.content[0]["signature"] == "sig" and _text(out) == "It is blocked."


def test_a_harmful_plan_in_the_thinking_is_refused_without_it(charter: Charter) -> None:
    model = ThinkingModel(answer="I would rather not.", thinking=HARMFUL)
    out = guard_chat_model(model, charter=charter, provider="anthropic", on_deny="refuse").invoke(
        "how?"
    )
    assert "bleach" not in str(out.content) and _thinking(out) == ""
    assert _text(out).startswith("I can't help with that")


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_streamed_thinking_is_checked(charter: Charter, mode: str) -> None:
    model = ThinkingModel(
        answer="Your card is blocked; a new one is on its way to you this week.",
        thinking=f"Their card {CARD} is blocked.",
    )
    safe = guard_chat_model(model, charter=charter, provider="anthropic")
    if mode == "stream":
        chunks = list(safe.stream("my card?"))
    else:

        async def collect() -> list[Any]:
            return [c async for c in safe.astream("my card?")]

        chunks = asyncio.run(collect())
    whole = reduce(add, chunks)
    assert CARD not in str(whole.content) and "1111 is blocked." in _thinking(whole)
    assert _text(whole) == "Your card is blocked; a new one is on its way to you this week."


def test_a_harmful_plan_in_streamed_thinking_is_refused(charter: Charter) -> None:
    model = ThinkingModel(answer="I would rather not help with that at all.", thinking=HARMFUL)
    safe = guard_chat_model(model, charter=charter, provider="anthropic", on_deny="refuse")
    whole = reduce(add, list(safe.stream("how?")))
    assert "bleach" not in str(whole.content) and _thinking(whole) == ""


def test_a_guarded_function_returning_blocks_keeps_them(charter: Charter) -> None:
    """A masked answer keeps its content blocks: the text in its text block, the thinking
    (and its signature) beside it. Before, the content became a plain string."""
    message = AIMessage(
        content=[
            {"type": "thinking", "thinking": "Look it up.", "signature": "sig"},
            {"type": "text", "text": f"Card {CARD} is blocked."},
            {"type": "text", "text": " Anything else?"},
        ]
    )
    out = charter.guard(model="m", provider="anthropic")(lambda p: message)("my card?")
    assert [b["type"] for b in out.content] == ["thinking", "text", "text"]  # each kept
    assert out.content[0] == message.content[0]
    assert CARD not in out.content[1]["text"] and out.content[1]["text"].endswith(
        "1111 is blocked."
    )
    assert out.content[2] == message.content[2]


class KwargsReasoningModel(RecordingChatModel):
    """Reasons as ChatDeepSeek reports it: the API's `reasoning_content` in the message's
    `additional_kwargs` (streamed there first, then the text). Probing found it unread:
    0 of 10 harmful plans withheld there that were withheld as the answer."""

    thinking: str = "Nothing to think about."

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        kwargs = {"reasoning_content": self.thinking}
        message = AIMessage(content=self._reply(messages, kw), additional_kwargs=kwargs)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        text = self._reply(messages, kw)
        for i in range(0, len(self.thinking), 6):
            kwargs = {"reasoning_content": self.thinking[i : i + 6]}
            yield ChatGenerationChunk(message=AIMessageChunk(content="", additional_kwargs=kwargs))
        for i in range(0, len(text), 6):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[i : i + 6]))


def _kwargs_reasoning(message: Any) -> str:
    return str(message.additional_kwargs.get("reasoning_content") or "")


def test_a_card_in_reasoning_content_is_masked(charter: Charter) -> None:
    model = KwargsReasoningModel(answer="It is blocked.", thinking=f"Their card {CARD} is blocked.")
    out = guard_chat_model(model, charter=charter, provider="deepseek").invoke("my card?")
    assert _kwargs_reasoning(out) == "Their card **** **** **** 1111 is blocked."
    assert out.content == "It is blocked."


def test_harmful_reasoning_content_is_refused_without_it(charter: Charter) -> None:
    model = KwargsReasoningModel(answer="I would rather not.", thinking=HARMFUL)
    safe = guard_chat_model(model, charter=charter, provider="deepseek", on_deny="refuse")
    out = safe.invoke("how?")
    assert _kwargs_reasoning(out) == "" and _text(out).startswith("I can't help with that")


def test_streamed_reasoning_content_is_checked(charter: Charter) -> None:
    model = KwargsReasoningModel(
        answer="Your card is blocked; a new one is on its way to you this week.",
        thinking=f"Their card {CARD} is blocked.",
    )
    whole = reduce(add, list(guard_chat_model(model, charter=charter).stream("my card?")))
    assert _kwargs_reasoning(whole) == "Their card **** **** **** 1111 is blocked."
    assert _text(whole) == "Your card is blocked; a new one is on its way to you this week."
    harmful = KwargsReasoningModel(
        answer="I would rather not help with that at all.", thinking=HARMFUL
    )
    safe = guard_chat_model(harmful, charter=charter, on_deny="refuse")
    refused = reduce(add, list(safe.stream("how?")))
    assert _kwargs_reasoning(refused) == "" and _text(refused).startswith("I can't help")
