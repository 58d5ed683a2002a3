"""Answers of provider SDKs built from blocks and items, which keep their shape through
the guard: Anthropic's Messages API (`content` blocks: text, `tool_use`) and OpenAI's
Responses API (`output` items: messages of `output_text` parts, `function_call`).
Anthropic's text blocks and a Responses answer's text parts are read one by one, so that
each keeps what points into it (citations, `parsed`). The calls they propose are
`charter.tool_calls`' business."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from charter._fields import Usage, field_of, in_form_of, items_of, padded, put_field, updated
from charter._positions import moved_annotations
from charter.structured import reparsed


class AnthropicMessageAdapter:
    """An Anthropic Messages API response (object or dict): the text of each `text` block,
    one by one (`tool_use` blocks are the calls it proposes: `charter.tool_calls`). Read
    block by block, so that each keeps its `citations`: an answer that cites documents
    comes in blocks split at each cited claim, and written back as one text it lost them
    all whenever a placeholder was restored. The guard detects and scores the blocks as
    one text (`charter.pieces.OneText`)."""

    texts_are_pieces = True

    def matches(self, value: Any) -> bool:
        return (
            field_of(value, "type") == "message"
            and field_of(value, "role") == "assistant"
            and isinstance(field_of(value, "content"), list | tuple)
        )

    def texts(self, value: Any) -> list[str]:
        blocks = field_of(value, "content")
        return [field_of(b, "text") for b in blocks if _is_text_block(b)] or [""]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        """Each text block gets its new text, in order, and keeps its citations (they point
        into the documents, which did not change); a block left empty goes (the API
        refuses empty ones when the answer is sent back). An answer with no text block
        gets one, first."""
        out = copy.deepcopy(value)  # a dict, or an SDK model (pydantic copies deeply too)
        blocks = field_of(out, "content")
        if not any(_is_text_block(b) for b in blocks):
            put_field(out, "content", [_text_block(value, texts[0]), *blocks])
            return out
        supply = iter(padded(texts, sum(map(_is_text_block, blocks))))
        kept = []
        for block in blocks:
            if _is_text_block(block):
                text = next(supply)
                if not text:
                    continue
                put_field(block, "text", text)
            kept.append(block)
        put_field(out, "content", kept)
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
    """A text block (one whose `text` is not a string is malformed: not read as text)."""
    return field_of(block, "type") == "text" and isinstance(field_of(block, "text"), str)


def _text_block(message: Any, text: str) -> Any:
    return in_form_of(message, {"type": "text", "text": text}, "anthropic.types", "TextBlock")


def without_citations(answer: Any) -> Any:
    """An Anthropic answer whose text blocks cite nothing (what a refusal is written into:
    the citations supported what the answer said before); any other answer as it is."""
    if not AnthropicMessageAdapter().matches(answer):
        return answer
    blocks = [
        updated(b, citations=None) if _is_text_block(b) and field_of(b, "citations") else b
        for b in field_of(answer, "content")
    ]
    return updated(answer, content=blocks)


class ResponsesAdapter:
    """An OpenAI Responses API answer (`client.responses.create`, object or dict): the text
    of each of its messages' `output_text` parts, one by one, so that each keeps its own
    `annotations` and `parsed` (its `function_call` items are the calls it proposes:
    `charter.tool_calls`). The guard detects and scores the parts as one text
    (`charter.pieces.OneText`)."""

    texts_are_pieces = True

    def matches(self, value: Any) -> bool:
        return field_of(value, "object") == "response" and isinstance(
            field_of(value, "output"), list | tuple
        )

    def texts(self, value: Any) -> list[str]:
        return [field_of(p, "text") for p in _output_texts(value)] or [""]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        """Each `output_text` part gets its new text, in order, with the fields that follow
        it; a part left empty goes, and a message it leaves empty. Fewer texts than parts
        (a streamed answer's one released text) fill the first parts. An answer with no
        text part gets a message, first."""
        out = copy.deepcopy(value)  # a dict, or an SDK model (pydantic copies deeply too)
        parts = _output_texts(out)
        if not parts:
            put_field(out, "output", [_responses_message(out, texts[0]), *field_of(out, "output")])
            return out
        new = dict(zip(map(id, parts), padded(texts, len(parts)), strict=True))
        items = []
        for item in field_of(out, "output"):
            if field_of(item, "type") == "message":
                content = items_of(item, "content")
                kept = [p for p in content if new.get(id(p), True)]
                if content and not kept:
                    continue
                for part in kept:
                    if id(part) in new:
                        _put_text(part, new[id(part)])
                put_field(item, "content", kept)
            items.append(item)
        put_field(out, "output", items)
        return out

    def usage(self, value: Any) -> Usage:
        usage, status = field_of(value, "usage"), field_of(value, "status")
        return Usage(
            input_tokens=field_of(usage, "input_tokens") if usage is not None else None,
            output_tokens=field_of(usage, "output_tokens") if usage is not None else None,
            finish_reasons=(str(status),) if status else (),
            response_model=field_of(value, "model"),
        )


def following(holder: Any, was: str, new: str) -> dict[str, Any]:
    """The fields of `holder` that follow its text, as they read once the text went from
    `was` to `new`: the object `parse()` built from it (`parsed`: OpenAI's chat message, a
    Responses part) and the search citations that point into it by position
    (`annotations`). Only the ones it has."""
    out: dict[str, Any] = {}
    parsed = field_of(holder, "parsed")
    if parsed is not None:
        out["parsed"] = reparsed(parsed, was, new)
    annotations = field_of(holder, "annotations")
    if annotations:
        out["annotations"] = moved_annotations(annotations, was, new)
    return out


def _put_text(holder: Any, text: str) -> None:
    """`holder`'s text set to `text`, with the fields that follow it moved along."""
    for field, follows in following(holder, field_of(holder, "text"), text).items():
        put_field(holder, field, follows)
    put_field(holder, "text", text)


def _output_texts(response: Any) -> list[Any]:
    return [
        part
        for item in field_of(response, "output")
        if field_of(item, "type") == "message"
        for part in items_of(item, "content")
        if field_of(part, "type") == "output_text" and isinstance(field_of(part, "text"), str)
    ]


def _responses_message(response: Any, text: str) -> Any:
    part = {"type": "output_text", "text": text, "annotations": []}
    message = {"type": "message", "id": "msg_charter", "role": "assistant", "status": "completed"}
    fields = {**message, "content": [part]}
    return in_form_of(response, fields, "openai.types.responses", "ResponseOutputMessage")
