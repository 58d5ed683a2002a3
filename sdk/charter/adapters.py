"""Shapes of prompts and answers: plain strings, OpenAI-style messages and responses,
LangChain messages. An `Adapter` reads the texts out of a value and puts new texts back
in the same shape, so the guard can redact and restore without knowing the client library.
Register your own with `register_adapter` for other shapes.

A prompt adapter may also implement `FollowUp` (`follow_up`): the prompt extended with the
model's draft and a request to revise it, which is how the guard asks for a revision
(`revise` decisions). A prompt shape without it cannot be revised: the guard refuses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reasons: tuple[str, ...] = ()
    response_model: str | None = None


@runtime_checkable
class Adapter(Protocol):
    def matches(self, value: Any) -> bool: ...

    def texts(self, value: Any) -> list[str]:
        """The texts to inspect, in order."""
        ...

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        """A copy of `value` with `texts` in place of the ones `texts()` returned."""
        ...


@runtime_checkable
class FollowUp(Protocol):
    def follow_up(self, prompt: Any, draft: str, request: str) -> Any:
        """`prompt` (as the model was sent it) continued by the model's `draft` answer and
        the user's `request` to revise it, in the same shape; None when this particular
        value cannot carry them."""
        ...


@runtime_checkable
class Roles(Protocol):
    def roles(self, value: Any) -> list[str] | None:
        """Who each text of `texts(value)` comes from, in order ("system", "user",
        "assistant", "tool"; LangChain's "human", "ai", ...), or None when unknown."""
        ...


UNSCORED_ROLES = ("system", "developer", "assistant", "ai", "tool", "function")
"""The default of `Settings.unscored_roles`: texts the prompt's safety signals do not score.
The app's own instructions, the model's earlier answers (checked when they were written)
and tool results (checked at the `tool_result` stage of a guarded tool, where indirect
injection has its own threshold; scored here they met the rule for *direct* injection, and
Charter's own "approval rejected" message read as one). Scoring them as if the user had
sent them held ordinary chats: a bank's 1 kB system prompt plus one turn of history read
as a jailbreak (0.55). The user's messages are scored one by one; PII detection and the
policy still read every text."""


def scored_texts(
    adapter: Adapter, value: Any, texts: Sequence[str], unscored: Collection[str] = UNSCORED_ROLES
) -> list[str] | None:
    """The texts (of `texts`, aligned with `adapter.texts(value)`) the signals score, or
    None when the shape has no roles: then the joined prompt is scored, as one text."""
    # The `Roles` protocol by its method: isinstance() on a runtime-checkable protocol walks
    # the protocol's members on every call (~6 µs, once per guarded call).
    roles_of = getattr(adapter, "roles", None)
    roles = roles_of(value) if callable(roles_of) else None
    if roles is None or len(roles) != len(texts):
        return None
    return [text for text, role in zip(texts, roles, strict=True) if role not in unscored]


class StrAdapter:
    def matches(self, value: Any) -> bool:
        return isinstance(value, str)

    def texts(self, value: Any) -> list[str]:
        return [value]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        return texts[0]

    def follow_up(self, prompt: Any, draft: str, request: str) -> Any:
        return f"{prompt}\n\n---\nA draft answer to the request above:\n{draft}\n---\n{request}"


def _is_message_dict(item: Any) -> bool:
    return isinstance(item, Mapping) and "role" in item and "content" in item


class OpenAIMessagesAdapter:
    """`[{"role": "user", "content": "..." | [{"type": "text", "text": "..."}]}, ...]`."""

    def matches(self, value: Any) -> bool:
        return (
            isinstance(value, list | tuple)
            and bool(value)
            and all(_is_message_dict(m) for m in value)
        )

    def texts(self, value: Any) -> list[str]:
        out: list[str] = []
        for message in value:
            content = message["content"]
            if isinstance(content, str):
                out.append(content)
            elif isinstance(content, list):
                out.extend(p["text"] for p in content if isinstance(p, Mapping) and "text" in p)
        return out

    def roles(self, value: Any) -> list[str]:
        out: list[str] = []
        for message in value:
            content, role = message["content"], str(message["role"])
            if isinstance(content, str):
                out.append(role)
            elif isinstance(content, list):
                out.extend(role for p in content if isinstance(p, Mapping) and "text" in p)
        return out

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        it = iter(texts)
        out = []
        for message in value:
            content = message["content"]
            if isinstance(content, str):
                content = next(it)
            elif isinstance(content, list):
                content = [
                    {**p, "text": next(it)} if isinstance(p, Mapping) and "text" in p else p
                    for p in content
                ]
            out.append({**message, "content": content})
        return type(value)(out) if isinstance(value, tuple) else out

    def follow_up(self, prompt: Any, draft: str, request: str) -> Any:
        turns = [{"role": "assistant", "content": draft}, {"role": "user", "content": request}]
        return [*prompt, *turns]


class OpenAIResponseAdapter:
    """A chat completion (object or dict): `choices[i].message.content`."""

    def matches(self, value: Any) -> bool:
        choices = field_of(value, "choices")
        return (
            isinstance(choices, list | tuple)
            and bool(choices)
            and field_of(choices[0], "message") is not None
        )

    def texts(self, value: Any) -> list[str]:
        return [
            field_of(field_of(c, "message"), "content") or "" for c in field_of(value, "choices")
        ]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        if isinstance(value, Mapping):
            choices = [
                {**c, "message": {**c["message"], "content": t}}
                for c, t in zip(value["choices"], texts, strict=True)
            ]
            return {**value, "choices": choices}
        for choice, text in zip(value.choices, texts, strict=True):
            choice.message.content = text  # SDK response objects are mutable models
        return value

    def usage(self, value: Any) -> Usage:
        usage = field_of(value, "usage")
        return Usage(
            input_tokens=field_of(usage, "prompt_tokens") if usage is not None else None,
            output_tokens=field_of(usage, "completion_tokens") if usage is not None else None,
            finish_reasons=tuple(
                str(field_of(c, "finish_reason"))
                for c in field_of(value, "choices")
                if field_of(c, "finish_reason")
            ),
            response_model=field_of(value, "model"),
        )


class AnthropicMessageAdapter:
    """An Anthropic Messages API response (object or dict): the text of its `text` blocks,
    as one text (`tool_use` blocks are the calls it proposes: `charter.tool_calls`)."""

    def matches(self, value: Any) -> bool:
        return (
            field_of(value, "type") == "message"
            and field_of(value, "role") == "assistant"
            and isinstance(field_of(value, "content"), list | tuple)
        )

    def texts(self, value: Any) -> list[str]:
        blocks = field_of(value, "content")
        return ["".join(field_of(b, "text") or "" for b in blocks if _is_text_block(b))]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        """The new text in the first text block (one is added when there is none); the
        other text blocks go (the API refuses empty ones when the answer is sent back)."""
        if isinstance(value, Mapping):
            content: list[Any] = []
            for block in value["content"]:
                if not _is_text_block(block):
                    content.append(block)
                elif not any(_is_text_block(b) for b in content):
                    content.append({**block, "text": texts[0]})
            if not any(_is_text_block(b) for b in content):
                content.insert(0, {"type": "text", "text": texts[0]})
            return {**value, "content": content}
        out = value.model_copy(deep=True)  # SDK objects are pydantic models
        text_blocks = [b for b in out.content if _is_text_block(b)]
        if text_blocks:
            text_blocks[0].text = texts[0]
            out.content = [b for b in out.content if b is text_blocks[0] or not _is_text_block(b)]
        else:
            out.content = [_sdk_text_block(texts[0]), *out.content]
        return out

    def usage(self, value: Any) -> Usage:
        usage = field_of(value, "usage")
        reason = field_of(value, "stop_reason")
        return Usage(
            input_tokens=field_of(usage, "input_tokens") if usage is not None else None,
            output_tokens=field_of(usage, "output_tokens") if usage is not None else None,
            finish_reasons=(str(reason),) if reason else (),
            response_model=field_of(value, "model"),
        )


def _is_text_block(block: Any) -> bool:
    return bool(field_of(block, "type") == "text")


def _sdk_text_block(text: str) -> Any:
    try:
        from anthropic.types import TextBlock  # the SDK made the answer, so it is installed
    except ImportError:  # pragma: no cover - an SDK-like object without the SDK
        return {"type": "text", "text": text}
    return TextBlock(type="text", text=text)


class LangChainMessagesAdapter:
    """A LangChain `BaseMessage` or a list of them (duck-typed: `.type` and `.content`)."""

    def matches(self, value: Any) -> bool:
        items = value if isinstance(value, list | tuple) else [value]
        return bool(items) and all(is_lc_message(m) for m in items)

    def texts(self, value: Any) -> list[str]:
        items = value if isinstance(value, list | tuple) else [value]
        return [_lc_text(m) for m in items]

    def roles(self, value: Any) -> list[str]:
        items = value if isinstance(value, list | tuple) else [value]
        return [str(m.type) for m in items]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        if not isinstance(value, list | tuple):
            return _lc_with_text(value, texts[0])
        return [_lc_with_text(m, t) for m, t in zip(value, texts, strict=True)]

    def follow_up(self, prompt: Any, draft: str, request: str) -> Any:
        from langchain_core.messages import AIMessage, HumanMessage  # LangChain messages: installed

        items = list(prompt) if isinstance(prompt, list | tuple) else [prompt]
        return [*items, AIMessage(content=draft), HumanMessage(content=request)]

    def usage(self, value: Any) -> Usage:
        meta = getattr(value, "usage_metadata", None) or {}
        response = getattr(value, "response_metadata", None) or {}
        reason = response.get("finish_reason") or response.get("stop_reason")
        return Usage(
            input_tokens=meta.get("input_tokens"),
            output_tokens=meta.get("output_tokens"),
            finish_reasons=(str(reason),) if reason else (),
            response_model=response.get("model_name") or response.get("model"),
        )


def is_lc_message(value: Any) -> bool:
    return hasattr(value, "content") and hasattr(value, "type") and hasattr(value, "model_copy")


def _lc_text(message: Any) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, Mapping) else str(p) for p in content)


def _lc_with_text(message: Any, text: str) -> Any:
    return message.model_copy(update={"content": text})


def field_of(value: Any, key: str) -> Any:
    """`value[key]` of a mapping, else the attribute (SDK objects); None when absent."""
    if isinstance(value, Mapping):
        return value.get(key)
    return getattr(value, key, None)


_ADAPTERS: list[Adapter] = [
    StrAdapter(),
    OpenAIMessagesAdapter(),
    AnthropicMessageAdapter(),  # before LangChain's: an SDK Message is a pydantic model too
    LangChainMessagesAdapter(),
    OpenAIResponseAdapter(),
]


def register_adapter(adapter: Adapter) -> None:
    """Put a custom adapter first in line."""
    _ADAPTERS.insert(0, adapter)


def adapter_for(value: Any) -> Adapter | None:
    for adapter in _ADAPTERS:
        if adapter.matches(value):
            return adapter
    return None


def usage_of(value: Any) -> Usage:
    adapter = adapter_for(value)
    usage = getattr(adapter, "usage", None)
    return usage(value) if usage is not None else Usage()
