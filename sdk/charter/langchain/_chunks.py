"""Streaming: split the wrapped runnable's chunks into text, which goes through the guard's
window, and everything else, which is held back until the whole stream has passed.

Tool-call chunks, usage and response metadata go to the guard as one final chunk, after the
text: its last check reads the calls' arguments with the answer, and an agent never
receives a tool call from an answer that a check withholds. Released text
comes out shaped like the wrapped runnable's chunks: `str` stays `str`, message chunks
become `AIMessageChunk(content=released)`.

A chat model that does not stream (no `_stream`, or `disable_streaming=True`) makes
LangChain's `stream()` yield its whole `AIMessage` once: it is read as one chunk, checked
as `invoke` checks the answer (found by probing: the stream failed, a LangGraph agent
streamed with `stream_mode="messages"` too).
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessageChunk

from charter.adapters import is_lc_text_part
from charter.errors import ConfigurationError

ChunkKind = Literal["text", "message"]


class ChunkSplitter:
    """Per streamed call: remembers the chunk kind and accumulates the non-text parts."""

    def __init__(self, kind: ChunkKind | None = None) -> None:
        self.kind = kind
        self._rest: BaseMessageChunk | None = None

    def split(self, chunk: Any) -> str:
        """The text of `chunk` for the guard's window; its other parts are kept aside."""
        if isinstance(chunk, str):
            self.kind = self.kind or "text"
            return chunk
        if isinstance(chunk, AIMessage) and not isinstance(chunk, BaseMessageChunk):
            chunk = _as_chunk(chunk)  # a model that does not stream: its whole answer
        if isinstance(chunk, BaseMessageChunk):
            self.kind = self.kind or "message"
            text, rest = _split_message_chunk(chunk)
            self._rest = rest if self._rest is None else self._rest + rest
            return text
        raise ConfigurationError(
            f"Charter can check streamed text only (str or message chunks), but this runnable "
            f"streamed a {type(chunk).__name__}; call invoke() instead, or guard the chat model "
            "inside the chain with guard_chat_model() and stream the chain"
        )

    def released(self, text: str) -> Any:
        """`text` the guard released, shaped like the wrapped runnable's chunks."""
        return text if self.kind == "text" else AIMessageChunk(content=text)

    def take_rest(self) -> BaseMessageChunk | None:
        """The held-back non-text parts, merged into one chunk (None for text streams): the
        last item of the stream the guard reads, so its tool calls are checked with the
        answer (`charter.streamed_calls`)."""
        rest, self._rest = self._rest, None
        return rest

    def discard(self) -> None:
        """Forget the held-back parts: the answer they came with is being revised."""
        self._rest = None


def _as_chunk(message: AIMessage) -> AIMessageChunk:
    """The whole answer as one chunk, every field kept (its tool calls become the chunk's
    tool-call chunks, as LangChain builds them)."""
    return AIMessageChunk.model_validate(message.model_dump(exclude={"type"}))


def _split_message_chunk(chunk: BaseMessageChunk) -> tuple[str, BaseMessageChunk]:
    content = chunk.content
    if isinstance(content, str):
        return content, chunk.model_copy(update={"content": "", "id": None})
    texts: list[str] = []
    others: list[Any] = []
    for part in content:
        if is_lc_text_part(part):
            texts.append(part if isinstance(part, str) else part["text"])
        else:
            others.append(part)
    rest = chunk.model_copy(update={"content": others or "", "id": None})
    return "".join(texts), rest
