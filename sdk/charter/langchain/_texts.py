"""Where Charter reads text in LangChain values, and how it puts new text back.

Read: strings; the text parts of message content (never message metadata) and the texts
its other blocks hold, as a plain guarded function reads them (`charter.lc_messages`: an
Anthropic `document`, `search_result` or `tool_result`, an inline text file, what a
`non_standard` block wraps, a text part's `extras`); with `calls`
(a prompt), the strings inside the args of the tool calls an `AIMessage` carries (an
earlier call sent back as history holds the values the output stage restored; an answer's
own calls are read by `charter.tool_calls`); and, as `charter.structured` reads any
structured value, the fields of pydantic models such as prompt values, documents and
structured outputs, of dataclasses, and the items of mappings, lists and tuples,
recursively. Anything else passes through unread. The walk order is fixed, so the texts
`texts_of` returns line up with the ones `with_texts` expects.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from charter.lc_calls import lc_call_leaves, lc_with_call_leaves
from charter.lc_messages import (
    is_lc_text_part,
    lc_block_texts,
    lc_spoken,
    lc_with_block_texts,
    lc_with_spoken,
)
from charter.structured import TextFn, TextWalk, read_texts, same_items, write_texts


def texts_of(value: Any, *, keys: Collection[str] | None = None, calls: bool = False) -> list[str]:
    """The texts in `value`, in walk order. `keys` limits a mapping to those top-level keys;
    `calls` reads the args of the tool calls its messages carry (a prompt's history)."""
    return read_texts(lambda fn: map_texts(value, fn, keys=keys, calls=calls))


def with_texts(
    value: Any, texts: Sequence[str], *, keys: Collection[str] | None = None, calls: bool = False
) -> Any:
    """A copy of `value` with `texts` in place of the ones `texts_of` returned."""
    return write_texts(lambda fn: map_texts(value, fn, keys=keys, calls=calls), texts)


def map_texts(
    value: Any, fn: TextFn, *, keys: Collection[str] | None = None, calls: bool = False
) -> Any:
    """`value` with `fn` applied to each text; unchanged parts (and values) are reused."""
    walk = _Walk(fn, calls)
    if keys is not None and isinstance(value, Mapping):
        return walk.mapping(value, only=keys)
    return walk.map(value)


class _Walk(TextWalk):
    """`charter.structured`'s walk, reading messages as LangChain keeps them; `calls`: the
    args of messages' tool calls too."""

    def __init__(self, fn: TextFn, calls: bool) -> None:
        super().__init__(fn)
        self.calls = calls

    def map(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.fn(value)
        if isinstance(value, BaseMessage):  # a pydantic model, read by its content
            return self.message(value)
        return super().map(value)

    def message(self, message: BaseMessage) -> BaseMessage:
        content, fn = message.content, self.fn
        said = lc_spoken(message)
        if said is not None:  # an answer spoken as audio: its words are the transcript
            out: BaseMessage = lc_with_spoken(message, fn(said))
        elif isinstance(content, str):
            text = fn(content)
            out = message if text is content else message.model_copy(update={"content": text})
        else:
            role = str(message.type)
            parts = [_map_part(part, fn, role) for part in content]
            out = (
                message
                if same_items(parts, content)
                else message.model_copy(update={"content": parts})
            )
        leaves = lc_call_leaves(message) if self.calls else []
        if not leaves:
            return out
        changed: BaseMessage = lc_with_call_leaves(out, iter([fn(leaf) for leaf in leaves]))
        return changed


def message_roles(message: BaseMessage) -> list[str]:
    """The role of each text a prompt's walk (`calls=True`) reads in `message`, in order:
    the message's type for its content (a tool's output in a block: `tool`), `ai` for the
    strings of the calls it carries."""
    content, role = message.content, str(message.type)
    if isinstance(content, str):
        roles = [role]
    else:
        roles = [r for p in content for r in _part_roles(p, role)]
    return roles + ["ai"] * len(lc_call_leaves(message))


def _part_roles(part: Any, role: str) -> list[str]:
    own = [role] if is_lc_text_part(part) else []
    return own + [r for r, _ in lc_block_texts(part, role)]


def _map_part(part: Any, fn: TextFn, role: str) -> Any:
    """A text part's text, then the texts its block holds (`lc_block_texts`)."""
    if isinstance(part, str):
        return fn(part)
    out = part
    if is_lc_text_part(part):
        text = part["text"]
        new_text = fn(text)
        out = part if new_text is text else {**part, "text": new_text}
    held = [text for _, text in lc_block_texts(part, role)]
    if not held:
        return out
    new = [fn(text) for text in held]
    if all(n is t for n, t in zip(new, held, strict=True)):
        return out
    return lc_with_block_texts(out, iter(new), role)
