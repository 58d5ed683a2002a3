"""Shapes of prompts and answers: plain strings, OpenAI-style messages and responses,
LangChain messages, and the answers of Anthropic's and OpenAI's Responses SDKs
(`charter.vendor_adapters`). An `Adapter` reads the texts out of a value and puts new
texts back in the same shape, so the guard can redact and restore without knowing the
client library.
Register your own with `register_adapter` for other shapes.

A prompt adapter may also implement `FollowUp` (`follow_up`): the prompt extended with the
model's draft and a request to revise it, which is how the guard asks for a revision
(`revise` decisions). A prompt shape without it cannot be revised: the guard refuses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from charter._fields import Usage, field_of, spoken
from charter.attachments import Attachment
from charter.lc_messages import LangChainMessagesAdapter, is_lc_message, is_lc_text_part
from charter.prompt_items import is_message_dict, is_responses_item, item_texts, with_item_texts
from charter.provider_answers import GeminiAdapter, MessageAnswerAdapter
from charter.vendor_adapters import AnthropicMessageAdapter, ResponsesAdapter, following

__all__ = [
    "Adapter",
    "AnthropicMessageAdapter",
    "Attached",
    "FollowUp",
    "GeminiAdapter",
    "LangChainMessagesAdapter",
    "MessageAnswerAdapter",
    "Messages",
    "OpenAIMessagesAdapter",
    "OpenAIResponseAdapter",
    "ResponsesAdapter",
    "Roles",
    "StrAdapter",
    "TextListAdapter",
    "Usage",
    "adapter_for",
    "field_of",
    "is_lc_message",
    "is_lc_text_part",
    "register_adapter",
    "scored_texts",
    "usage_of",
]


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
class Attached(Protocol):
    """A prompt adapter whose values hold their attachments somewhere `attachments_in`
    does not look (LangChain's `GuardInput`): it says where."""

    def attachments(self, value: Any) -> tuple[Attachment, ...]: ...


@runtime_checkable
class Roles(Protocol):
    def roles(self, value: Any) -> list[str] | None:
        """Who each text of `texts(value)` comes from, in order ("system", "user",
        "assistant", "tool"; LangChain's "human", "ai", ...), or None when unknown."""
        ...


@runtime_checkable
class Messages(Protocol):
    def message_sizes(self, value: Any) -> list[int] | None:
        """How many of `texts(value)` each message holds, in order, or None when unknown.
        Only for a prompt that is not a list: a list's items are read one by one."""
        ...


UNSCORED_ROLES = ("system", "developer", "assistant", "ai", "model", "tool", "function")
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


class TextListAdapter:
    """A list of texts: Gemini's `contents=["...", "..."]`, or a function that takes or
    returns several. Each is read, and the list keeps its length and order."""

    def matches(self, value: Any) -> bool:
        return (
            isinstance(value, list | tuple)
            and bool(value)
            and all(isinstance(v, str) for v in value)
        )

    def texts(self, value: Any) -> list[str]:
        return list(value)

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        return tuple(texts) if isinstance(value, tuple) else list(texts)


class OpenAIMessagesAdapter:
    """`[{"role": "user", "content": "..." | [{"type": "text", "text": "..."}]}, ...]`:
    OpenAI chat messages, Anthropic messages (their tool results, documents and earlier
    `tool_use` inputs too) and a Responses API `input` list, which may hold the calls the
    model proposed and their results. What is read where: `charter.prompt_items`."""

    def matches(self, value: Any) -> bool:
        return (
            isinstance(value, list | tuple)
            and bool(value)
            and any(is_message_dict(m) for m in value)
            and all(is_message_dict(m) or is_responses_item(m) for m in value)
        )

    def texts(self, value: Any) -> list[str]:
        return [text for _, text in self._texts(value)]

    def roles(self, value: Any) -> list[str]:
        return [role for role, _ in self._texts(value)]

    def _texts(self, value: Any) -> list[tuple[str, str]]:
        return [pair for item in value for pair in item_texts(item)]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        it = iter(texts)
        out = [with_item_texts(item, it) for item in value]
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
        return [_message_text(field_of(c, "message")) for c in field_of(value, "choices")]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        if isinstance(value, Mapping):
            choices = [
                {**c, "message": _with_message_text(c["message"], t)}
                for c, t in zip(value["choices"], texts, strict=True)
            ]
            return {**value, "choices": choices}
        for choice, text in zip(value.choices, texts, strict=True):
            message = choice.message  # SDK response objects are mutable models
            said = spoken(message)
            if said is not None and text == said:
                continue
            for field, follows in following(message, _message_text(message), text).items():
                setattr(message, field, follows)  # `parse()`'s object, search citations
            if said is not None:
                message.audio = None
            message.content = text
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


def _message_text(message: Any) -> str:
    """A chat completion message's text: its `content`, or the transcript of its audio."""
    return field_of(message, "content") or spoken(message) or ""


def _with_message_text(message: Mapping[str, Any], text: str) -> dict[str, Any]:
    """`text` as the message's `content`. Audio cannot be redacted: when its words must
    change (masked, restored or refused), the audio goes and the text stays."""
    said = spoken(message)
    if said is not None and text == said:
        return dict(message)
    out = {**message, **following(message, _message_text(message), text), "content": text}
    if said is not None:
        out["audio"] = None
    return out


_ADAPTERS: list[Adapter] = [
    StrAdapter(),
    TextListAdapter(),
    OpenAIMessagesAdapter(),
    AnthropicMessageAdapter(),  # before LangChain's: an SDK Message is a pydantic model too
    ResponsesAdapter(),
    LangChainMessagesAdapter(),
    OpenAIResponseAdapter(),
    MessageAnswerAdapter(),  # last: their shapes are the loosest (`message`, `candidates`)
    GeminiAdapter(),
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
