"""LangChain messages as prompts and answers of a plain guarded function: one text per
message (its text parts joined, or the transcript of an answer spoken as audio), then the
texts its other content blocks hold (`lc_block_texts`), then, in a prompt's history, the
strings of the calls it carries.

A block is read as `charter.prompt_items` reads it in a plain message: an Anthropic
`document`, `search_result` or `tool_result` block, an inline text file; and what a
LangChain `non_standard` block wraps (the provider gets it as it is), and the `extras` of a
text part outside the model's own turns (found unread by probing: an e-mail address in
each went to the model, and a forbidden question in a document was not denied). A block
the guard cannot read is told to the policy as an unread attachment (`charter.attachments`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from charter._fields import Usage, spoken
from charter._leaves import leaves_of, with_leaves
from charter._positions import split_like
from charter.lc_calls import lc_call_leaves, lc_with_call_leaves
from charter.prompt_items import Pairs, block_texts, with_block_texts

MODEL_TYPES = frozenset({"ai", "AIMessageChunk"})
"""LangChain's types of the model's own turns."""
_CALL_BLOCKS = frozenset({"tool_use", "tool_call"})
"""Blocks that copy a call `tool_calls` holds: read there (`charter.lc_calls`)."""


class LangChainMessagesAdapter:
    """A LangChain `BaseMessage` or a list of them (duck-typed: `.type` and `.content`)."""

    def matches(self, value: Any) -> bool:
        items = value if isinstance(value, list | tuple) else [value]
        return bool(items) and all(is_lc_message(m) for m in items)

    def texts(self, value: Any) -> list[str]:
        return [text for _, text in self._texts(value)]

    def roles(self, value: Any) -> list[str]:
        return [role for role, _ in self._texts(value)]

    def _texts(self, value: Any) -> list[tuple[str, str]]:
        """Each message's text; in a list (a prompt's history), then the strings of the
        calls a message carries: an earlier proposed call holds the values the output stage
        restored (read as the model's, `ai`: redacted, not scored). A lone message is an
        answer, whose calls the output stage reads itself (`charter.tool_calls`)."""
        history = isinstance(value, list | tuple)
        out: list[tuple[str, str]] = []
        for message in _listed(value):
            role = str(message.type)
            out.append((role, _lc_text(message)))
            out.extend(pair for part in _parts(message) for pair in lc_block_texts(part, role))
            if history:
                out.extend(("ai", leaf) for leaf in lc_call_leaves(message))
        return out

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        it = iter(texts)
        if not isinstance(value, list | tuple):
            return _with_message_texts(value, it)
        return [lc_with_call_leaves(_with_message_texts(m, it), it) for m in value]

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


def lc_block_texts(part: Any, role: str) -> Pairs:
    """(role, text) of what one content part holds besides a text part's own `text` (read
    as the message's text); see the module docstring."""
    if not isinstance(part, Mapping):
        return []
    if is_lc_text_part(part):
        return [(role, leaf) for leaf in leaves_of(_extras(part, role))]
    kind = part.get("type")
    if kind == "non_standard":
        value = part.get("value")
        return block_texts(value, role) if isinstance(value, Mapping) else []
    return [] if kind in _CALL_BLOCKS else block_texts(part, role)


def lc_with_block_texts(part: Any, texts: Iterator[str], role: str) -> Any:
    """`part` with the texts `lc_block_texts` read taken from `texts`; itself when none
    changed."""
    if not isinstance(part, Mapping):
        return part
    if is_lc_text_part(part):
        extras = _extras(part, role)
        new = with_leaves(extras, texts) if extras is not None else None
        return part if new == extras else {**part, "extras": new}
    kind = part.get("type")
    if kind == "non_standard":
        value = part.get("value")
        if not isinstance(value, Mapping):
            return part
        new_value = with_block_texts(value, texts, role)
        return part if new_value is value else {**part, "value": new_value}
    return part if kind in _CALL_BLOCKS else with_block_texts(part, texts, role)


def _extras(part: Mapping[str, Any], role: str) -> Any:
    """A text part's `extras`, outside the model's own turns (where they carry signatures
    the provider checks); None when there are none to read."""
    extras = part.get("extras")
    return extras if isinstance(extras, Mapping) and role not in MODEL_TYPES else None


def _parts(message: Any) -> list[Any]:
    content = message.content
    return list(content) if isinstance(content, list) else []


def _with_message_texts(message: Any, texts: Iterator[str]) -> Any:
    """The message's text, then its blocks' (the blocks first: a text part the new text
    leaves empty goes, and its extras with it)."""
    text = next(texts)
    return _lc_with_text(_with_blocks(message, texts), text)


def _with_blocks(message: Any, texts: Iterator[str]) -> Any:
    role = str(message.type)
    parts = _parts(message)
    changed = [lc_with_block_texts(part, texts, role) for part in parts]
    if all(new is old for new, old in zip(changed, parts, strict=True)):
        return message
    return message.model_copy(update={"content": changed})


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def is_lc_message(value: Any) -> bool:
    return hasattr(value, "content") and hasattr(value, "type") and hasattr(value, "model_copy")


def lc_spoken(message: Any) -> str | None:
    """The transcript of a LangChain answer spoken as audio (ChatOpenAI keeps the API's
    `audio` in `additional_kwargs`; the content is empty), else None."""
    extra = getattr(message, "additional_kwargs", None)
    if message.content or not isinstance(extra, Mapping):
        return None
    return spoken({"content": None, "audio": extra.get("audio")})


def lc_with_spoken(message: Any, text: str) -> Any:
    """`message` saying `text`: unchanged when it is the transcript, else `text` as its
    content and the audio gone (it cannot be redacted)."""
    if text == lc_spoken(message):
        return message
    extra = {k: v for k, v in message.additional_kwargs.items() if k != "audio"}
    return message.model_copy(update={"content": text, "additional_kwargs": extra})


def _lc_text(message: Any) -> str:
    content = message.content
    said = lc_spoken(message)
    if said is not None:
        return said
    if isinstance(content, str):
        return content
    return "".join(_lc_part_text(p) for p in content if is_lc_text_part(p))


def _lc_with_text(message: Any, text: str) -> Any:
    """Content blocks stay blocks (thinking, tool use): the new text is cut back into the
    text parts where they were cut, each keeping its other fields (citations); a text part
    it leaves empty goes, but the first."""
    content = message.content
    if lc_spoken(message) is not None:
        return lc_with_spoken(message, text)
    if not isinstance(content, list):
        return message.model_copy(update={"content": text})
    at = [i for i, p in enumerate(content) if is_lc_text_part(p)]
    if not at:
        return message.model_copy(update={"content": [*content, {"type": "text", "text": text}]})
    pieces = dict(zip(at, split_like([_lc_part_text(content[i]) for i in at], text), strict=True))
    kept = []
    for i, part in enumerate(content):
        if i not in pieces:
            kept.append(part)
        elif pieces[i] or i == at[0]:
            kept.append(pieces[i] if isinstance(part, str) else {**part, "text": pieces[i]})
    return message.model_copy(update={"content": kept})


def is_lc_text_part(part: Any) -> bool:
    """A part of LangChain message content that holds text: a str, or a block whose `text`
    is a string, whatever its type (`text`, `text-plain` for an attached document, a
    provider's `output_text`). Read by one type and written by another, a document block's
    text was redacted for the policy and sent to the model as it came."""
    return isinstance(part, str) or (
        isinstance(part, Mapping) and isinstance(part.get("text"), str)
    )


def _lc_part_text(part: Any) -> str:
    return part if isinstance(part, str) else str(part["text"])
