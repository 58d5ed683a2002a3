"""Streamed chunks of more provider SDKs: the text one carries, a chunk of the same kind
with new text, and what the guard cannot check in them yet.

- Ollama (`stream=True`): each chunk is a chat answer, `message.content` a piece of text;
- Cohere v2 (`chat_stream`): `content-delta` events, text in `delta.message.content.text`;
- Amazon Bedrock (`converse_stream`): `contentBlockDelta` events, text in `delta.text`;
- Google Gemini (`generate_content_stream`): each chunk is an answer, text in its first
  candidate's parts.

Before this module these chunks had no text the gate could read, so a stream was held and
released at the end exactly as the model wrote it: unchecked. Their tool calls and
reasoning are read as fragments (`provider_fragments`), which `charter.streamed_calls`
joins, checks and writes back as it does OpenAI's: Cohere's `tool-call-*` events and
Bedrock's `toolUse` deltas carry arguments a few characters at a time; Ollama's
`tool_calls` and Gemini's `function_call` parts carry each call whole, its arguments an
object; Ollama's `thinking`, Cohere's `tool-plan-delta`, Bedrock's `reasoningContent` and
Gemini's `thought` parts are reasoning, and Gemini's code execution parts are read as
reasoning is (`GEMINI_CODE`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from charter._fields import field_of, in_form_of, items_of, put_field
from charter._fragments import REASONING, Fragment, Path, call_fragment, text_fragment
from charter.provider_answers import GEMINI_CALL, GEMINI_CODE, candidate_parts, is_gemini_text

_COHERE_TEXT = "content-delta"
_COHERE_UNCHECKED = ("tool-call-start", "tool-call-delta", "tool-plan-delta")


def provider_text(chunk: Any) -> str | None:
    """The text of a chunk of one of these streams; None when it is none of them."""
    kind = provider_kind(chunk)
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
    kind = provider_kind(template)
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


def provider_fragments(index: int, chunk: Any) -> Iterator[Fragment]:
    """The pieces of tool calls and reasoning in a chunk of these streams (`index`: the
    chunk's place among the held ones)."""
    kind = provider_kind(chunk)
    if kind == "bedrock":
        yield from _bedrock_fragments(index, chunk)
    elif kind == "cohere":
        yield from _cohere_fragments(index, chunk)
    elif kind == "ollama":
        message = field_of(chunk, "message")
        for k, call in enumerate(items_of(message, "tool_calls")):
            path: Path = ("message", "tool_calls", k, "function", "arguments")
            yield from call_fragment(index, ("ollama", index, k), field_of(call, "function"), path)
        yield from text_fragment(index, (REASONING, "ollama"), message, ("message", "thinking"))
    elif kind == "gemini":
        for c, candidate in enumerate(items_of(chunk, "candidates")):
            for k, part in enumerate(candidate_parts(candidate)):
                at: Path = ("candidates", c, "content", "parts", k)
                for field in GEMINI_CALL:
                    call = field_of(part, field)
                    if call is not None:
                        key = ("gemini", index, c, k)
                        yield from call_fragment(index, key, call, (*at, field, "args"))
                if field_of(part, "thought"):
                    yield from text_fragment(index, (REASONING, "gemini", c), part, (*at, "text"))
                for field, inner in GEMINI_CODE.items():
                    code = (REASONING, "gemini-code", index, c, k)
                    yield from text_fragment(
                        index, code, field_of(part, field), (*at, field, inner)
                    )


def _bedrock_fragments(index: int, chunk: Any) -> Iterator[Fragment]:
    """`toolUse` starts (the name) and input deltas, `reasoningContent` text deltas, keyed
    by their content block."""
    start = field_of(chunk, "contentBlockStart")
    tool = field_of(field_of(start, "start"), "toolUse")
    if tool is not None:
        name = field_of(tool, "name")
        key = ("bedrock", field_of(start, "contentBlockIndex"))
        yield Fragment(index, key, "args", None, "", name if isinstance(name, str) else "")
    block = field_of(chunk, "contentBlockDelta")
    at, delta = field_of(block, "contentBlockIndex"), field_of(block, "delta")
    path: Path = ("contentBlockDelta", "delta", "toolUse", "input")
    yield from text_fragment(index, ("bedrock", at), field_of(delta, "toolUse"), path)
    path = ("contentBlockDelta", "delta", "reasoningContent", "text")
    yield from text_fragment(
        index, (REASONING, "bedrock", at), field_of(delta, "reasoningContent"), path
    )


def _cohere_fragments(index: int, chunk: Any) -> Iterator[Fragment]:
    """`tool-call-start` (the name, and arguments) and `tool-call-delta` events keyed by
    their index; `tool-plan-delta` text, the model's plan, is reasoning."""
    kind, message = field_of(chunk, "type"), field_of(field_of(chunk, "delta"), "message")
    if kind in ("tool-call-start", "tool-call-delta"):
        function = field_of(field_of(message, "tool_calls"), "function")
        path: Path = ("delta", "message", "tool_calls", "function", "arguments")
        yield from call_fragment(index, ("cohere", field_of(chunk, "index")), function, path)
    elif kind == "tool-plan-delta":
        yield from text_fragment(
            index, (REASONING, "cohere"), message, ("delta", "message", "tool_plan")
        )


def provider_parts(chunk: Any) -> tuple[Any, Any] | None:
    """An Ollama or Gemini chunk split in two copies: without its calls and reasoning (it
    may go out once its text passed), and without its text (held to the end of the
    stream); None for other chunks."""
    kind = provider_kind(chunk)
    if kind == "ollama":
        text, rest = copy.deepcopy(chunk), copy.deepcopy(chunk)
        message = field_of(text, "message")
        for field in ("tool_calls", "thinking"):
            if isinstance(message, dict):
                message.pop(field, None)
            else:
                put_field(message, field, None)
        put_field(field_of(rest, "message"), "content", "")
        return text, rest
    if kind == "gemini":
        text, rest = copy.deepcopy(chunk), copy.deepcopy(chunk)
        for keep, copy_ in ((True, text), (False, rest)):
            for candidate in items_of(copy_, "candidates"):
                content = field_of(candidate, "content")
                if content is not None:
                    parts = candidate_parts(candidate)
                    put_field(content, "parts", [p for p in parts if is_gemini_text(p) is keep])
        return text, rest
    return None


# --- which stream a chunk belongs to -------------------------------------------------------------


def provider_kind(chunk: Any) -> str | None:
    """Which of these streams `chunk` belongs to ("ollama", "cohere", "bedrock", "gemini")."""
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
