"""Answers of more provider SDKs, which keep their shape through the guard:

- one assistant message: Ollama's chat (`message.content`, a string), Cohere's v2 chat
  (`message.content`, text items) and Amazon Bedrock's Converse (`output.message.content`,
  `{"text"}` blocks);
- Google Gemini's `generate_content` (`candidates[i].content.parts`).

A message's text parts (and Bedrock's `citationsContent` blocks, the text of a cited
answer) are read one by one and written back in place; a Gemini candidate is read as one
text and cut back into its text parts where they were cut (`split_like`: the answer's text
around its code execution parts stays where it was; a text part left empty goes). The calls they
propose are read and written back with `charter.tool_calls` (Ollama's and Cohere's
`message.tool_calls`, Bedrock's `toolUse` blocks, Gemini's `function_call` parts), and a
refusal drops them, with the reasoning the answer carries (Gemini's `thought` parts,
Bedrock's `reasoningContent` blocks: unread, and they may hold what the answer was refused
for) and Gemini's code execution parts (the code the model ran and its output, read as
reasoning is: `charter.reasoning`). Before these adapters such an answer was read as its
repr and came back as a string when anything in it changed.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from charter._fields import Usage, field_of, items_of, padded, put_field, with_first_text
from charter._positions import moved_spans, split_like

# --- one assistant message ---------------------------------------------------------------------


def _message(answer: Any) -> Any:
    """The assistant message an answer carries (`message`, Bedrock's `output.message`)."""
    if isinstance(answer, str | bytes | list | tuple) or answer is None:
        return None
    holder = answer if field_of(answer, "message") is not None else field_of(answer, "output")
    message = field_of(holder, "message") if holder is not None else None
    if message is None or field_of(message, "role") != "assistant":
        return None
    content = field_of(message, "content")
    return message if content is None or isinstance(content, str | list | tuple) else None


def _is_text_part(part: Any) -> bool:
    """A text part: a string `text`, and no `type` or type `text` (not a reasoning part)."""
    return isinstance(field_of(part, "text"), str) and field_of(part, "type") in (None, "text")


def _text_holders(content: Any) -> list[Any]:
    """What holds the message's text, in order: its text parts, and the generated text of
    Bedrock's `citationsContent` blocks (a cited answer's text is nowhere else)."""
    out = []
    for part in content if isinstance(content, list | tuple) else ():
        if _is_text_part(part):
            out.append(part)
            continue
        out += [i for i in _cited_items(part) if isinstance(field_of(i, "text"), str)]
    return out


def _cited_items(part: Any) -> list[Any] | tuple[Any, ...]:
    """The generated content of a Bedrock `citationsContent` block; () for any other part."""
    return items_of(field_of(part, CITED), "content")


CITED = "citationsContent"


class MessageAnswerAdapter:
    """An answer that carries one assistant message (Ollama, Cohere v2, Bedrock Converse).
    Its text parts (and Bedrock's cited texts) are read one by one, each keeping its place;
    the guard reads them as one text (`charter.pieces.OneText`)."""

    texts_are_pieces = True

    def matches(self, value: Any) -> bool:
        return _message(value) is not None

    def texts(self, value: Any) -> list[str]:
        content = field_of(_message(value), "content")
        if isinstance(content, str):
            return [content]
        return [field_of(h, "text") for h in _text_holders(content)] or [""]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        """The new text as the content (a string), or each piece in its own part (a part or
        a cited block left empty goes); an answer with no text part gets one first
        (Bedrock's `{"text"}`, else a typed one)."""
        out = copy.deepcopy(value)  # a dict, or an SDK model (pydantic copies deeply too)
        message = _message(out)
        content = field_of(message, "content")
        if content is None or isinstance(content, str):
            put_field(message, "content", texts[0])
            return out
        spans = field_of(message, "citations")
        if spans:  # Cohere: citations by position in the message's text
            was = "".join(self.texts(value))
            put_field(message, "citations", moved_spans(spans, was, "".join(texts)))
        holders = _text_holders(content)
        if not holders:
            bedrock = field_of(out, "message") is None  # its message sits in `output`
            new = _untyped_part if bedrock else _typed_part
            put_field(message, "content", with_first_text(content, texts[0], _is_text_part, new))
            return out
        for holder, text in zip(holders, padded(texts, len(holders)), strict=True):
            put_field(holder, "text", text)
        put_field(message, "content", [p for p in content if _kept(p)])
        return out

    def usage(self, value: Any) -> Usage:
        """Tokens as Bedrock (`usage.inputTokens`), Cohere (`usage.tokens.input_tokens`) and
        Ollama (`prompt_eval_count`, `eval_count`) report them."""
        usage = field_of(value, "usage")
        tokens = field_of(usage, "tokens") or usage or value
        reason = (
            field_of(value, "done_reason")
            or field_of(value, "finish_reason")
            or field_of(value, "stopReason")
        )
        return Usage(
            input_tokens=_first(tokens, "inputTokens", "input_tokens", "prompt_eval_count"),
            output_tokens=_first(tokens, "outputTokens", "output_tokens", "eval_count"),
            finish_reasons=(str(reason),) if reason else (),
            response_model=field_of(value, "model"),
        )


def _kept(part: Any) -> bool:
    """A part that still says something: not a text part or cited block left empty."""
    if _is_text_part(part):
        return bool(field_of(part, "text"))
    items = _cited_items(part)
    if not items:
        return True  # no cited block, or one the guard does not read: as it came
    kept = [i for i in items if field_of(i, "text") != ""]
    put_field(field_of(part, CITED), "content", kept)
    return bool(kept)


def without_cited_blocks(answer: Any) -> Any:
    """A Bedrock answer whose cited blocks are plain text blocks (what a refusal is written
    into: the citations supported what the answer said before); any other answer as it is."""
    message = _message(answer)
    content = field_of(message, "content") if message is not None else None
    if not isinstance(content, list | tuple) or not any(_cited_items(p) for p in content):
        return answer
    out = copy.deepcopy(answer)
    plain = [
        {"text": "".join(field_of(h, "text") for h in _text_holders([p]))} if _cited_items(p) else p
        for p in field_of(_message(out), "content")
    ]
    put_field(_message(out), "content", plain)
    return out


def _first(value: Any, *keys: str) -> Any:
    return next((field_of(value, k) for k in keys if field_of(value, k) is not None), None)


def _untyped_part(text: str) -> dict[str, Any]:
    return {"text": text}


def _typed_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


# --- Gemini ------------------------------------------------------------------------------------


def _candidates(answer: Any) -> list[Any] | None:
    if isinstance(answer, str | bytes | list | tuple) or answer is None:
        return None
    candidates = field_of(answer, "candidates")
    if not isinstance(candidates, list | tuple) or not candidates:
        return None
    for candidate in candidates:  # a candidate blocked for safety may have no content
        content = field_of(candidate, "content")
        if content is not None and not isinstance(field_of(content, "parts"), list | tuple):
            return None
    return list(candidates)


def is_gemini_text(part: Any) -> bool:
    """A Gemini text part (not a `thought`)."""
    return isinstance(field_of(part, "text"), str) and field_of(part, "thought") is not True


class GeminiAdapter:
    """A Gemini `generate_content` answer (object or dict): one text per candidate."""

    def matches(self, value: Any) -> bool:
        return _candidates(value) is not None

    def texts(self, value: Any) -> list[str]:
        return [
            "".join(field_of(p, "text") for p in candidate_parts(c) if is_gemini_text(p))
            for c in field_of(value, "candidates")
        ]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        out = copy.deepcopy(value)
        for candidate, text in zip(field_of(out, "candidates"), texts, strict=True):
            kept = _with_text_cut_back(list(candidate_parts(candidate)), text)
            content = field_of(candidate, "content")
            if content is None:
                put_field(candidate, "content", {"role": "model", "parts": kept})
            else:
                put_field(content, "parts", kept)
        return out

    def usage(self, value: Any) -> Usage:
        usage = field_of(value, "usage_metadata") or field_of(value, "usageMetadata")
        reasons = [
            field_of(c, "finish_reason") or field_of(c, "finishReason")
            for c in field_of(value, "candidates")
        ]
        return Usage(
            input_tokens=_first(usage, "prompt_token_count", "promptTokenCount") if usage else None,
            output_tokens=_first(usage, "candidates_token_count", "candidatesTokenCount")
            if usage
            else None,
            finish_reasons=tuple(str(getattr(r, "value", r)) for r in reasons if r),
            response_model=field_of(value, "model_version") or field_of(value, "modelVersion"),
        )


def _with_text_cut_back(parts: list[Any], text: str) -> list[Any]:
    """A candidate's parts with `text` cut back into its text parts (written in place:
    pass a copy), or in a new first part when it has none. A text part left empty goes,
    unless it is the only one."""
    holders = [p for p in parts if is_gemini_text(p)]
    if not holders:
        return [_untyped_part(text), *parts]
    pieces = split_like([field_of(p, "text") for p in holders], text)
    for holder, piece in zip(holders, pieces, strict=True):
        put_field(holder, "text", piece)
    gone = {id(h) for h, piece in zip(holders, pieces, strict=True) if not piece}
    if len(gone) == len(holders):
        gone.discard(id(holders[0]))
    return [p for p in parts if id(p) not in gone]


def candidate_parts(candidate: Any) -> Sequence[Any]:
    return items_of(field_of(candidate, "content"), "parts")


# --- the calls they propose ---------------------------------------------------------------------

GEMINI_CALL = ("function_call", "functionCall")


def provider_calls(answer: Any) -> list[tuple[Any, str]] | None:
    """Each proposed call as (holder, field of its arguments), or None when `answer` is not
    one of these shapes. The holder also has the call's `name`."""
    message = _message(answer)
    if message is not None:
        calls = [
            (field_of(call, "function"), "arguments")
            for call in items_of(message, "tool_calls")
            if field_of(call, "function") is not None
        ]
        calls += [
            (field_of(block, "toolUse"), "input")
            for block in items_of(message, "content")
            if isinstance(field_of(block, "toolUse"), dict)
        ]
        return calls
    candidates = _candidates(answer)
    if candidates is None:
        return None
    return [
        (call, "args")
        for candidate in candidates
        for part in candidate_parts(candidate)
        for call in [_gemini_call(part)]
        if call is not None
    ]


def _gemini_call(part: Any) -> Any:
    return next((field_of(part, k) for k in GEMINI_CALL if field_of(part, k) is not None), None)


def with_provider_arguments(answer: Any, arguments: Sequence[Any]) -> Any:
    """A copy of `answer` with each call's arguments replaced by `arguments`, given in the
    form the answer holds them (`charter._leaves.written_as`)."""
    out = copy.deepcopy(answer)
    for (holder, key), args in zip(provider_calls(out) or [], arguments, strict=True):
        put_field(holder, key, args)
    return out


def without_provider_calls(answer: Any) -> Any:
    """A copy of `answer` proposing no calls and carrying no reasoning (what a refusal is
    sent back in)."""
    out = copy.deepcopy(answer)
    message = _message(out)
    if message is not None:
        if field_of(message, "tool_calls") is not None:
            put_field(message, "tool_calls", [] if isinstance(message, dict) else None)
        content = field_of(message, "content")
        if isinstance(content, list | tuple):
            put_field(message, "content", [p for p in content if not _is_call_or_thought(p)])
        return out
    for candidate in _candidates(out) or []:
        content = field_of(candidate, "content")
        if content is not None:
            kept = [p for p in candidate_parts(candidate) if not _is_call_or_thought(p)]
            put_field(content, "parts", kept)
    return out


def _is_call_or_thought(part: Any) -> bool:
    """A part a refusal does not carry: a proposed call, reasoning, or Gemini's code
    execution (the code the model wrote and what it printed are the answer as much as its
    text, and may be what it was refused for)."""
    return (
        field_of(part, "toolUse") is not None
        or field_of(part, "reasoningContent") is not None
        or _gemini_call(part) is not None
        or field_of(part, "thought") is True
        or any(field_of(part, k) is not None for k in GEMINI_CODE)
    )


GEMINI_CODE = {
    "executable_code": "code",
    "executableCode": "code",
    "code_execution_result": "output",
    "codeExecutionResult": "output",
}
"""A Gemini code execution part's field, and the field of its text: the code the model ran,
and what it printed. Read as reasoning is (checked apart from the answer's text, masked in
place, dropped by a refusal): they are the answer as much as its text, and may be what it
is refused for."""


def gemini_code_texts(part: Any) -> list[tuple[Any, str]]:
    """The code and output a Gemini part holds, as (holder, field of its text)."""
    return [
        (holder, key)
        for field, key in GEMINI_CODE.items()
        if isinstance(field_of(holder := field_of(part, field), key), str)
    ]
