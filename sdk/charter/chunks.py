"""Streamed chunks: the text one carries, and a chunk of the same kind with new text.

A guarded stream reads every chunk's text through `chunk_text` and sends released text
out through `like_chunk`, so a consumer gets the type its model streams: a str, a
LangChain message chunk, an OpenAI chunk (dict or SDK object) or an Anthropic event.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping
from typing import Any

from charter.adapters import field_of


def chunk_text(chunk: Any) -> str:
    """The text of one streamed chunk: a str, a LangChain message chunk, an OpenAI chunk
    (dict or SDK object: `choices[0].delta.content`), an Anthropic event (a
    `content_block_delta`'s `text_delta`; its other events have none). None, as some
    streams send around the text, has none."""
    if isinstance(chunk, str):
        return chunk
    if chunk is None:
        return ""
    content = getattr(chunk, "content", None)
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # LangChain content blocks
        return "".join(
            str(p.get("text", "")) if isinstance(p, Mapping) else str(p) for p in content
        )
    delta = _openai_delta(chunk)
    if delta is not None:
        return str(field_of(delta, "content") or "")
    if anthropic_event(chunk) is not None:
        text_delta = _anthropic_text_delta(chunk)
        return str(field_of(text_delta, "text") or "") if text_delta is not None else ""
    if isinstance(chunk, Mapping):
        return ""
    return str(chunk)


ANTHROPIC_EVENTS = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    }
)
"""The event types of an Anthropic Messages stream (`stream=True`, dict or SDK object)."""


def anthropic_event(chunk: Any) -> str | None:
    """The type of an Anthropic stream event, else None."""
    if isinstance(chunk, str | bytes):
        return None
    kind = field_of(chunk, "type")
    return kind if isinstance(kind, str) and kind in ANTHROPIC_EVENTS else None


def _anthropic_text_delta(chunk: Any) -> Any:
    """The `text_delta` of a `content_block_delta` event, else None (a tool's
    `input_json_delta` is a call fragment: `charter.streamed_calls`)."""
    if field_of(chunk, "type") != "content_block_delta":
        return None
    delta = field_of(chunk, "delta")
    return delta if field_of(delta, "type") == "text_delta" else None


def _openai_delta(chunk: Any) -> Any:
    """`choices[0].delta` of an OpenAI stream chunk (dict or object), else None."""
    choices = field_of(chunk, "choices")
    if not isinstance(choices, list | tuple) or not choices:
        return None
    return field_of(choices[0], "delta")


def like_chunk(template: Any, text: str) -> Any:
    """`text` in the type of `template` (a message chunk stays a message chunk, an OpenAI
    chunk an OpenAI chunk; a copy: the template may already have been passed on)."""
    if template is None or isinstance(template, str):
        return text
    if _anthropic_text_delta(template) is not None:
        event = copy.deepcopy(template)
        delta = _anthropic_text_delta(event)
        if isinstance(delta, MutableMapping):
            delta["text"] = text
        else:
            delta.text = text  # SDK event objects are mutable models
        return event
    if anthropic_event(template) is not None:  # e.g. a refusal where only a call came
        return _anthropic_text_event(template, text)
    if hasattr(template, "model_copy") and hasattr(template, "content"):
        return template.model_copy(update={"content": text})
    if _openai_delta(template) is not None:
        chunk = copy.deepcopy(template)
        delta = _openai_delta(chunk)
        if isinstance(delta, MutableMapping):
            delta["content"] = text
        else:
            delta.content = text  # SDK chunk objects are mutable models
        return chunk
    return text


def _anthropic_text_event(template: Any, text: str) -> Any:
    """A `content_block_delta` event with `text`, in the form of `template` (dict or SDK)."""
    index = field_of(template, "index") or 0
    if not isinstance(template, Mapping):
        try:
            from anthropic.types import RawContentBlockDeltaEvent, TextDelta
        except ImportError:  # pragma: no cover - an SDK-like event without the SDK
            pass
        else:
            delta = TextDelta(type="text_delta", text=text)
            return RawContentBlockDeltaEvent(type="content_block_delta", index=index, delta=delta)
    return {
        "type": "content_block_delta",
        "index": index,
        "delta": {"type": "text_delta", "text": text},
    }
