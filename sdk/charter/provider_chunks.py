"""Streamed chunks of more provider SDKs: the text one carries, a chunk of the same kind
with new text, and what the guard cannot check in them yet.

- Ollama (`stream=True`): each chunk is a chat answer, `message.content` a piece of text;
- Cohere v2 (`chat_stream`): `content-delta` events, text in `delta.message.content.text`;
- Amazon Bedrock (`converse_stream`): `contentBlockDelta` events, text in `delta.text`;
- Google Gemini (`generate_content_stream`): each chunk is an answer, text in its first
  candidate's parts.

Before this module these chunks had no text the gate could read, so a stream was held and
released at the end exactly as the model wrote it: unchecked. Their tool calls and
reasoning (Ollama's `tool_calls` and `thinking`, Cohere's `tool-call-*` and
`tool-plan-delta` events, Bedrock's `toolUse` and `reasoningContent` deltas, Gemini's
`function_call` and `thought` parts) are not assembled here: a chunk carrying one is
refused (`unchecked_part`) rather than passed on unread.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from charter._fields import field_of, in_form_of, items_of, put_field
from charter.provider_answers import candidate_parts, is_gemini_text

_COHERE_TEXT = "content-delta"
_COHERE_UNCHECKED = ("tool-call-start", "tool-call-delta", "tool-plan-delta")


def provider_text(chunk: Any) -> str | None:
    """The text of a chunk of one of these streams; None when it is none of them."""
    kind = _kind(chunk)
    if kind == "ollama":
        return str(field_of(field_of(chunk, "message"), "content") or "")
    if kind == "cohere":
        if field_of(chunk, "type") != _COHERE_TEXT:
            return ""
        return str(field_of(_cohere_content(chunk), "text") or "")
    if kind == "bedrock":
        return str(field_of(_bedrock_delta(chunk), "text") or "")
    if kind == "gemini":
        return "".join(field_of(p, "text") for p in _gemini_parts(chunk) if is_gemini_text(p))
    return None


def like_provider_chunk(template: Any, text: str) -> Any:
    """`text` in a chunk of `template`'s stream (a copy); None when it is none of them. A
    template too broken to hold the text (a field that is not an object) gives a plain
    text chunk of its stream."""
    kind = _kind(template)
    try:
        return _like(kind, template, text)
    except (AttributeError, TypeError, IndexError):
        return _fresh(kind, text) if kind is not None else None


def _fresh(kind: str, text: str) -> dict[str, Any]:
    """A plain text chunk of `kind`'s stream."""
    if kind == "ollama":
        return {"message": {"role": "assistant", "content": text}, "done": False}
    if kind == "cohere":
        delta = {"message": {"content": {"text": text}}}
        return {"type": _COHERE_TEXT, "index": 0, "delta": delta}
    if kind == "bedrock":
        return {"contentBlockDelta": {"delta": {"text": text}, "contentBlockIndex": 0}}
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}}]}


def _like(kind: str | None, template: Any, text: str) -> Any:
    if kind == "ollama":
        chunk = copy.deepcopy(template)
        put_field(field_of(chunk, "message"), "content", text)
        return chunk
    if kind == "cohere":
        if field_of(template, "type") == _COHERE_TEXT:
            chunk = copy.deepcopy(template)
            put_field(_cohere_content(chunk), "text", text)
            return chunk
        event = _fresh("cohere", text)
        return in_form_of(template, event, "cohere", "ContentDeltaV2ChatStreamResponse")
    if kind == "bedrock":
        index = field_of(field_of(template, "contentBlockDelta"), "contentBlockIndex") or 0
        return {"contentBlockDelta": {"delta": {"text": text}, "contentBlockIndex": index}}
    if kind == "gemini":
        chunk = copy.deepcopy(template)
        candidate = items_of(chunk, "candidates")[0]
        content = field_of(candidate, "content")
        if content is None:
            put_field(candidate, "content", {"role": "model", "parts": [{"text": text}]})
        else:
            put_field(content, "parts", [{"text": text}])
        return chunk
    return None


def unchecked_part(chunk: Any) -> str | None:
    """What a chunk of these streams carries that the guard does not check yet (a tool
    call, reasoning), named for the error; None when it carries nothing of the kind."""
    kind = _kind(chunk)
    if kind == "ollama":
        message = field_of(chunk, "message")
        if field_of(message, "tool_calls") or field_of(message, "thinking"):
            return "Ollama tool calls or thinking"
    elif kind == "cohere" and field_of(chunk, "type") in _COHERE_UNCHECKED:
        return "Cohere tool calls or tool plans"
    elif kind == "bedrock":
        delta = _bedrock_delta(chunk)
        start = field_of(field_of(chunk, "contentBlockStart"), "start")
        if (
            field_of(delta, "toolUse")
            or field_of(delta, "reasoningContent")
            or field_of(start, "toolUse")
        ):
            return "Bedrock tool use or reasoning"
    elif kind == "gemini":
        for part in _gemini_parts(chunk):
            if (
                field_of(part, "function_call")
                or field_of(part, "functionCall")
                or field_of(part, "thought")
            ):
                return "Gemini function calls or thoughts"
    return None


# --- which stream a chunk belongs to -------------------------------------------------------------


def _kind(chunk: Any) -> str | None:
    if isinstance(chunk, str | bytes) or chunk is None:
        return None
    message = field_of(chunk, "message")
    if (
        message is not None
        and field_of(message, "role") == "assistant"
        and field_of(chunk, "done") is not None
    ):
        return "ollama"
    kind = field_of(chunk, "type")
    if isinstance(kind, str) and kind in _COHERE_EVENTS:
        return "cohere"
    if isinstance(chunk, Mapping) and any(k in chunk for k in _BEDROCK_EVENTS):
        return "bedrock"
    candidates = field_of(chunk, "candidates")
    if isinstance(candidates, list | tuple) and candidates:
        return "gemini"
    return None


_COHERE_EVENTS = frozenset(
    {
        "message-start",
        "content-start",
        "content-delta",
        "content-end",
        "tool-plan-delta",
        "tool-call-start",
        "tool-call-delta",
        "tool-call-end",
        "citation-start",
        "citation-end",
        "message-end",
        "debug",
    }
)
_BEDROCK_EVENTS = (
    "messageStart",
    "contentBlockStart",
    "contentBlockDelta",
    "contentBlockStop",
    "messageStop",
    "metadata",
)


def _cohere_content(chunk: Any) -> Any:
    return field_of(field_of(field_of(chunk, "delta"), "message"), "content")


def _bedrock_delta(chunk: Any) -> Any:
    return field_of(field_of(chunk, "contentBlockDelta"), "delta")


def _gemini_parts(chunk: Any) -> list[Any]:
    candidates = items_of(chunk, "candidates")
    return list(candidate_parts(candidates[0])) if candidates else []
