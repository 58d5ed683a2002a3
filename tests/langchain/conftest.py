"""Fixtures for the LangChain integration: a Charter on the shipped policies, and a chat
model that records exactly what it was sent (the only fake: it stands in for the LLM)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from charter.config import DEFAULT_POLICIES
from charter.guard import Charter
from charter.testing import make_charter

EMAIL = "ayse.yilmaz@example.com"
CARD = "4111 1111 1111 1111"
FORBIDDEN = "Which stock should I buy with my savings?"


class RecordingChatModel(BaseChatModel):
    """Answers with `answer(prompt_text)`; records the messages and options of each call.

    Streams the answer in `chunk_size` pieces and its tool calls as tool-call chunks (after
    the text, or before it with `tool_calls_first`), then a final chunk with usage and the
    finish reason, like real providers do."""

    answer: Any = "Thanks, I will look into it."
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    chunk_size: int = 5
    tool_calls_first: bool = False
    model_name: str = "recording-1"
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    options: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "recording-chat-model"

    @property
    def texts(self) -> list[str]:
        """Every text the model was ever sent, message by message."""
        return [str(m.content) for call in self.calls for m in call]

    def _reply(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        self.calls.append(list(messages))
        self.options.append(dict(kwargs))
        if callable(self.answer):
            return str(self.answer("\n".join(str(m.content) for m in messages)))
        return str(self.answer)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._reply(messages, {"stop": stop, **kwargs})
        message = AIMessage(
            content=text,
            tool_calls=list(self.tool_calls),
            usage_metadata={"input_tokens": 11, "output_tokens": 7, "total_tokens": 18},
            response_metadata={"finish_reason": "stop", "model_name": self.model_name},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._reply(messages, {"stop": stop, **kwargs})
        texts = [
            ChatGenerationChunk(message=AIMessageChunk(content=text[i : i + self.chunk_size]))
            for i in range(0, len(text), self.chunk_size)
        ]
        tools = list(self._tool_call_chunks())
        yield from [*tools, *texts] if self.tool_calls_first else [*texts, *tools]
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata={"input_tokens": 11, "output_tokens": 7, "total_tokens": 18},
                response_metadata={"finish_reason": "stop"},
            )
        )

    def _tool_call_chunks(self) -> Iterator[ChatGenerationChunk]:
        for index, call in enumerate(self.tool_calls):
            arguments = json.dumps(call["args"])
            half = len(arguments) // 2
            for part, name, call_id in (
                (arguments[:half], call["name"], call["id"]),
                (arguments[half:], None, None),
            ):
                chunk = AIMessageChunk(
                    content="",
                    tool_call_chunks=[{"name": name, "args": part, "id": call_id, "index": index}],
                )
                yield ChatGenerationChunk(message=chunk)

    def bind_tools(self, tools: Any, **kwargs: Any) -> Runnable[Any, Any]:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)


class RefundAgentModel(RecordingChatModel):
    """An agent's model: asks for issue_refund(order_id="A-1", amount) first; once it has
    the tool's result, answers `final` (`{result}` stands for the result's text)."""

    amount: float = 0.0
    final: str = "Tool said: {result}"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls.append(list(messages))
        self.options.append(dict(kw))
        if isinstance(messages[-1], ToolMessage):
            message = AIMessage(content=self.final.replace("{result}", str(messages[-1].content)))
        else:
            args = {"order_id": "A-1", "amount": self.amount}
            message = AIMessage(
                content="", tool_calls=[{"name": "issue_refund", "args": args, "id": "t1"}]
            )
        return ChatResult(generations=[ChatGeneration(message=message)])


@pytest.fixture
def charter(tmp_path: Path) -> Iterator[Charter]:
    ch = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    yield ch
    ch.close()


@pytest.fixture
def make_model() -> Callable[..., RecordingChatModel]:
    return RecordingChatModel


@pytest.fixture
def model() -> RecordingChatModel:
    return RecordingChatModel()
