"""Streamed chunks: the text one carries, and a chunk of the same kind with new text.

A guarded stream reads every chunk's text through `chunk_text` and sends released text
out through `like_chunk`, so a consumer gets the type its model streams: a str, a
LangChain message chunk, an OpenAI chat chunk, an Anthropic event or an OpenAI Responses
API event (dicts or SDK objects).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from charter._fields import field_of, in_form_of, items_of, put_field
from charter.provider_chunks import like_provider_chunk, provider_text
from charter.structured import STRUCTURED
from charter.vendor_adapters import ResponsesAdapter

BYTES = (bytes, bytearray, memoryview)


def bytes_refused(what: str) -> str:
    """Why bytes are refused: read as their repr (`b'...'`), they came back as a str of
    that repr, and a card number split over two chunks went out whole (found by probing)."""
    return (
        f"{what} of bytes: the guard reads text, and bytes would be checked as their repr "
        "and handed back changed. Decode them first (e.g. .decode('utf-8'))"
    )


def chunk_text(chunk: Any) -> str:
    """The text of one streamed chunk: a str, a LangChain message chunk, an OpenAI chunk
    (dict or SDK object: `choices[0].delta.content`), an Anthropic event (a
    `content_block_delta`'s `text_delta`; its other events have none), an OpenAI Responses
    API event (`response.output_text.delta`; the `.done` and `response.completed` events
    repeat the text: `TextCopies`), a chunk of Ollama, Cohere, Bedrock or Gemini
    (`charter.provider_chunks`). None, as some streams send around the text, has none."""
    if isinstance(chunk, str):
        return chunk
    if chunk is None:
        return ""
    text = _known_text(chunk)
    if text is not None:
        return text
    if isinstance(chunk, Mapping):
        return ""
    return str(chunk)


def structured_chunk(chunk: Any) -> bool:
    """A chunk that is the app's own structured value (a pydantic model, a dataclass, a
    list or tuple) of no stream the guard knows: a partial structured output (Instructor's
    `create_partial`, a parser's snapshots) carries the whole answer so far, which cannot
    be rewritten window by window, and read as its repr it came out as a string."""
    # a dict of no known stream is `unreadable_chunk`'s to refuse
    structured = STRUCTURED.matches(chunk) and not isinstance(chunk, Mapping)
    return structured and _known_text(chunk) is None


def _known_text(chunk: Any) -> str | None:
    """The text of a chunk of a stream the guard knows; None for any other value."""
    kind = responses_event(chunk)
    if kind is not None:  # OpenAI Responses API: only text deltas carry new text
        return str(field_of(chunk, "delta") or "") if kind == RESPONSES_TEXT_DELTA else ""
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
    return provider_text(chunk)  # Ollama, Cohere, Bedrock, Gemini; else None


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


def text_boundary(chunk: Any) -> bool:
    """An event that sits at a place in the text. Anthropic's: a block's start or stop, or
    a citation streamed into a text block (`citations_delta`); an answer that cites comes
    in text blocks split at each cited claim. The Responses API's: a message's or an
    `output_text` part's start and end, and an annotation. These must go out between the
    texts of their blocks or parts, not after all of them."""
    responses = responses_event(chunk)
    if responses is not None:
        return _responses_boundary(responses, chunk)
    kind = anthropic_event(chunk)
    if kind in ("content_block_start", "content_block_stop"):
        return (
            kind == "content_block_stop"
            or field_of(field_of(chunk, "content_block"), "type") == "text"
        )
    delta = field_of(chunk, "delta") if kind == "content_block_delta" else None
    return bool(field_of(delta, "type") == "citations_delta")


def _responses_boundary(kind: str, event: Any) -> bool:
    if kind in ("response.output_item.added", "response.output_item.done"):
        return bool(field_of(field_of(event, "item"), "type") == "message")
    if kind in ("response.content_part.added", "response.content_part.done"):
        return _is_text_part(field_of(event, "part"))
    return kind in ("response.output_text.done", "response.output_text.annotation.added")


def _openai_delta(chunk: Any) -> Any:
    """`choices[0].delta` of an OpenAI stream chunk (dict or object), else None."""
    choices = field_of(chunk, "choices")
    if not isinstance(choices, list | tuple) or not choices:
        return None
    return field_of(choices[0], "delta")


def like_chunk(template: Any, text: str) -> Any:
    """`text` in the type of `template` (a message chunk stays a message chunk, an OpenAI
    chunk an OpenAI chunk, an event a text event of its API; a copy: the template may
    already have been passed on)."""
    if template is None or isinstance(template, str):
        return text
    kind = responses_event(template)
    if kind == RESPONSES_TEXT_DELTA:
        event = copy.deepcopy(template)
        put_field(event, "delta", text)
        return event
    if kind is not None:  # e.g. a refusal where only a call came
        return _responses_text_event(template, text)
    if _anthropic_text_delta(template) is not None:
        event = copy.deepcopy(template)
        put_field(_anthropic_text_delta(event), "text", text)
        return event
    if anthropic_event(template) is not None:  # e.g. a refusal where only a call came
        return _anthropic_text_event(template, text)
    provided = like_provider_chunk(template, text)
    if provided is not None:
        return provided
    if hasattr(template, "model_copy") and hasattr(template, "content"):
        return template.model_copy(update={"content": text})
    if _openai_delta(template) is not None:
        chunk = copy.deepcopy(template)
        put_field(_openai_delta(chunk), "content", text)
        return chunk
    return text


def _anthropic_text_event(template: Any, text: str) -> Any:
    """A `content_block_delta` event with `text`, in the form of `template` (dict or SDK)."""
    event = {
        "type": "content_block_delta",
        "index": field_of(template, "index") or 0,
        "delta": {"type": "text_delta", "text": text},
    }
    return in_form_of(template, event, "anthropic.types", "RawContentBlockDeltaEvent")


RESPONSES_TEXT_DELTA = "response.output_text.delta"


def responses_event(chunk: Any) -> str | None:
    """The type of an OpenAI Responses API stream event (`response.…`), else None."""
    if isinstance(chunk, str | bytes):
        return None
    kind = field_of(chunk, "type")
    return kind if isinstance(kind, str) and kind.startswith("response.") else None


def _responses_text_event(template: Any, text: str) -> Any:
    """A `response.output_text.delta` event with `text`, in the form of `template`."""
    event: dict[str, Any] = {
        "type": RESPONSES_TEXT_DELTA,
        "item_id": "msg_charter",
        "output_index": field_of(template, "output_index") or 0,
        "content_index": 0,
        "delta": text,
        "logprobs": [],
        "sequence_number": field_of(template, "sequence_number") or 0,
    }
    return in_form_of(template, event, "openai.types.responses", "ResponseTextDeltaEvent")


class TextCopies:
    """Rewrites the events of a Responses API stream that repeat the answer's text whole
    (`response.output_text.done`, `response.content_part.done`, a message's
    `response.output_item.done`, `response.completed`): they carry what the model wrote,
    so they get the text that was released instead, each part its own (`parts`, by
    `responses_part`: the text of the deltas released for it)."""

    def __init__(self, parts: Mapping[tuple[int, int], str]) -> None:
        self.parts = parts

    def __call__(self, chunk: Any) -> Any:
        kind = responses_event(chunk)
        if kind in ("response.completed", "response.incomplete", "response.failed"):
            response = field_of(chunk, "response")
            if response is None or not _ANSWER.matches(response):
                return chunk
            texts = [self.parts.get(key, "") for key in _part_places(response)]
            if _ANSWER.texts(response) == (texts or [""]):
                return chunk
            event = copy.deepcopy(chunk)
            put_field(event, "response", _ANSWER.replace(response, texts or [""]))
            return event
        if kind == "response.output_text.done":
            return self._put(chunk, (), "text")
        if kind == "response.content_part.done" and _is_text_part(field_of(chunk, "part")):
            return self._put(chunk, ("part",), "text")
        item = field_of(chunk, "item")
        if kind == "response.output_item.done" and field_of(item, "type") == "message":
            at = _place(field_of(chunk, "output_index"))
            event = copy.deepcopy(chunk)
            for k, part in enumerate(items_of(field_of(event, "item"), "content")):
                if _is_text_part(part):
                    put_field(part, "text", self.parts.get((at, k), ""))
            return event
        return chunk

    def _put(self, chunk: Any, path: tuple[str, ...], key: str) -> Any:
        event = copy.deepcopy(chunk)
        parent = event
        for step in path:
            parent = field_of(parent, step)
        put_field(parent, key, self.parts.get(responses_part(chunk), ""))
        return event


def responses_part(event: Any) -> tuple[int, int]:
    """The part a Responses API event belongs to: its `output_index` and `content_index`."""
    return _place(field_of(event, "output_index")), _place(field_of(event, "content_index"))


def _place(index: Any) -> int:
    return index if isinstance(index, int) and not isinstance(index, bool) else 0


def _part_places(response: Any) -> list[tuple[int, int]]:
    """Where each `output_text` part of a whole Responses answer stands, in order."""
    return [
        (o, k)
        for o, item in enumerate(items_of(response, "output"))
        if field_of(item, "type") == "message"
        for k, part in enumerate(items_of(item, "content"))
        if _is_text_part(part)
    ]


_ANSWER = ResponsesAdapter()


def _is_text_part(part: Any) -> bool:
    return bool(field_of(part, "type") == "output_text")


def carries_snapshot(chunk: Any) -> bool:
    """Whether `chunk` repeats the answer accumulated so far: the events of the SDKs'
    stream helpers (`client.messages.stream()`: a `snapshot`, a stop event's `message` or
    `content_block`; `client.responses.stream()`: a `snapshot`). Their copies of the text
    cannot be rewritten window by window, so the guard refuses them."""
    if isinstance(chunk, str | bytes | Mapping) or chunk is None:
        return False
    if getattr(chunk, "snapshot", None) is not None:
        return True
    kind = getattr(chunk, "type", None)
    if kind == "message_stop":
        return getattr(chunk, "message", None) is not None
    return kind == "content_block_stop" and getattr(chunk, "content_block", None) is not None


def carries_audio(chunk: Any) -> bool:
    """Whether `chunk` streams an answer spoken as audio (OpenAI chat `modalities=["audio"]`:
    `delta.audio` with the transcript and the sound; ChatOpenAI's chunks keep it in
    `additional_kwargs`; the Responses API's `response.audio.*` events). The sound cannot be
    checked or redacted before it plays, so the guard refuses such a stream."""
    if isinstance(chunk, str | bytes) or chunk is None:
        return False
    if (responses_event(chunk) or "").startswith("response.audio"):  # Responses API audio
        return True
    extra = getattr(chunk, "additional_kwargs", None)  # a LangChain chunk (ChatOpenAI)
    if isinstance(extra, Mapping) and extra.get("audio") is not None:
        return True
    delta = _openai_delta(chunk)
    return delta is not None and field_of(delta, "audio") is not None


def unreadable_chunk(chunk: Any) -> bool:
    """A dict chunk of no stream the guard knows: its text cannot be read, so it would go
    out unchecked (an SDK object of an unknown kind is read as its text instead)."""
    if not isinstance(chunk, Mapping):
        return False
    if responses_event(chunk) or anthropic_event(chunk) or _openai_delta(chunk) is not None:
        return False
    if chunk.get("choices") == []:  # OpenAI's last chunk: usage only
        return False
    return provider_text(chunk) is None
