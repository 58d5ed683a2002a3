"""Where Charter reads text in LangChain values, and how it puts new text back.

Read: strings; the text parts of message content (never message metadata); with `calls`
(a prompt), the strings inside the args of the tool calls an `AIMessage` carries (an
earlier call sent back as history holds the values the output stage restored; an answer's
own calls are read by `charter.tool_calls`); the fields of pydantic models such as prompt
values, documents and structured outputs (discriminator fields typed `Literal` are
skipped); the items of mappings, lists and tuples, recursively. Anything else passes
through unread. The walk order is fixed, so the texts `texts_of` returns line up with the
ones `with_texts` expects.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal, get_origin

from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from charter.adapters import is_lc_text_part, lc_spoken, lc_with_spoken
from charter.lc_calls import lc_call_leaves, lc_with_call_leaves

TextFn = Callable[[str], str]
_END = object()


def texts_of(value: Any, *, keys: Collection[str] | None = None, calls: bool = False) -> list[str]:
    """The texts in `value`, in walk order. `keys` limits a mapping to those top-level keys;
    `calls` reads the args of the tool calls its messages carry (a prompt's history)."""
    found: list[str] = []

    def collect(text: str) -> str:
        found.append(text)
        return text

    map_texts(value, collect, keys=keys, calls=calls)
    return found


def with_texts(
    value: Any, texts: Sequence[str], *, keys: Collection[str] | None = None, calls: bool = False
) -> Any:
    """A copy of `value` with `texts` in place of the ones `texts_of` returned."""
    supply = iter(texts)

    def take(old: str) -> str:
        new = next(supply, _END)
        if new is _END:
            raise ValueError("fewer replacement texts than texts in the value")
        return new  # type: ignore[return-value]

    result = map_texts(value, take, keys=keys, calls=calls)
    if next(supply, _END) is not _END:
        raise ValueError("more replacement texts than texts in the value")
    return result


def map_texts(
    value: Any, fn: TextFn, *, keys: Collection[str] | None = None, calls: bool = False
) -> Any:
    """`value` with `fn` applied to each text; unchanged parts (and values) are reused."""
    walk = _Walk(fn, calls)
    if keys is not None and isinstance(value, Mapping):
        return walk.mapping(value, only=keys)
    return walk.map(value)


class _Walk:
    """One walk: `fn` on each text; `calls`: the args of messages' tool calls too."""

    def __init__(self, fn: TextFn, calls: bool) -> None:
        self.fn = fn
        self.calls = calls

    def map(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.fn(value)
        if isinstance(value, BaseMessage):
            return self.message(value)
        if isinstance(value, BaseModel):
            return self.model(value)
        if isinstance(value, Mapping):
            return self.mapping(value)
        if isinstance(value, list):
            items = [self.map(item) for item in value]
            return value if _same(items, value) else items
        if isinstance(value, tuple):
            items = [self.map(item) for item in value]
            if _same(items, value):
                return value
            return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
        return value

    def message(self, message: BaseMessage) -> BaseMessage:
        content, fn = message.content, self.fn
        said = lc_spoken(message)
        if said is not None:  # an answer spoken as audio: its words are the transcript
            out: BaseMessage = lc_with_spoken(message, fn(said))
        elif isinstance(content, str):
            text = fn(content)
            out = message if text is content else message.model_copy(update={"content": text})
        else:
            parts = [_map_part(part, fn) for part in content]
            out = (
                message if _same(parts, content) else message.model_copy(update={"content": parts})
            )
        leaves = lc_call_leaves(message) if self.calls else []
        if not leaves:
            return out
        changed: BaseMessage = lc_with_call_leaves(out, iter([fn(leaf) for leaf in leaves]))
        return changed

    def model(self, model: BaseModel) -> BaseModel:
        updates: dict[str, Any] = {}
        for name, field in type(model).model_fields.items():
            if get_origin(field.annotation) is Literal:
                continue
            old = getattr(model, name, None)
            new = self.map(old)
            if new is not old:
                updates[name] = new
        return model.model_copy(update=updates) if updates else model

    def mapping(
        self, value: Mapping[Any, Any], *, only: Collection[str] | None = None
    ) -> Mapping[Any, Any]:
        out: dict[Any, Any] = {}
        changed = False
        for key, item in value.items():
            new = self.map(item) if only is None or key in only else item
            changed = changed or new is not item
            out[key] = new
        return out if changed else value


def message_roles(message: BaseMessage) -> list[str]:
    """The role of each text a prompt's walk (`calls=True`) reads in `message`, in order:
    the message's type for its content, `ai` for the strings of the calls it carries."""
    content = message.content
    parts = 1 if isinstance(content, str) else sum(1 for p in content if _is_text(p))
    return [str(message.type)] * parts + ["ai"] * len(lc_call_leaves(message))


def _is_text(part: Any) -> bool:
    return isinstance(part, str) or is_lc_text_part(part)


def _map_part(part: Any, fn: TextFn) -> Any:
    if isinstance(part, str):
        return fn(part)
    if _is_text(part):
        text = part["text"]
        new_text = fn(text)
        return part if new_text is text else {**part, "text": new_text}
    return part


def _same(new: Sequence[Any], old: Sequence[Any]) -> bool:
    return all(a is b for a, b in zip(new, old, strict=True))
