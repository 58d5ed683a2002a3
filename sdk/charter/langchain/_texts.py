"""Where Charter reads text in LangChain values, and how it puts new text back.

Read: strings; the text parts of message content (never tool-call arguments or message
metadata); the fields of pydantic models such as prompt values, documents and structured
outputs (discriminator fields typed `Literal` are skipped); the items of mappings, lists and
tuples, recursively. Anything else passes through unread. The walk order is fixed, so the
texts `texts_of` returns line up with the ones `with_texts` expects.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal, get_origin

from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from charter.adapters import is_lc_text_part

TextFn = Callable[[str], str]
_END = object()


def texts_of(value: Any, *, keys: Collection[str] | None = None) -> list[str]:
    """The texts in `value`, in walk order. `keys` limits a mapping to those top-level keys."""
    found: list[str] = []

    def collect(text: str) -> str:
        found.append(text)
        return text

    map_texts(value, collect, keys=keys)
    return found


def with_texts(value: Any, texts: Sequence[str], *, keys: Collection[str] | None = None) -> Any:
    """A copy of `value` with `texts` in place of the ones `texts_of` returned."""
    supply = iter(texts)

    def take(old: str) -> str:
        new = next(supply, _END)
        if new is _END:
            raise ValueError("fewer replacement texts than texts in the value")
        return new  # type: ignore[return-value]

    result = map_texts(value, take, keys=keys)
    if next(supply, _END) is not _END:
        raise ValueError("more replacement texts than texts in the value")
    return result


def map_texts(value: Any, fn: TextFn, *, keys: Collection[str] | None = None) -> Any:
    """`value` with `fn` applied to each text; unchanged parts (and values) are reused."""
    if keys is not None and isinstance(value, Mapping):
        return _map_mapping(value, fn, only=keys)
    return _map(value, fn)


def _map(value: Any, fn: TextFn) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, BaseMessage):
        return _map_message(value, fn)
    if isinstance(value, BaseModel):
        return _map_model(value, fn)
    if isinstance(value, Mapping):
        return _map_mapping(value, fn)
    if isinstance(value, list):
        items = [_map(item, fn) for item in value]
        return value if _same(items, value) else items
    if isinstance(value, tuple):
        items = [_map(item, fn) for item in value]
        if _same(items, value):
            return value
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


def _map_message(message: BaseMessage, fn: TextFn) -> BaseMessage:
    content = message.content
    if isinstance(content, str):
        new_text = fn(content)
        return message if new_text is content else message.model_copy(update={"content": new_text})
    parts = [_map_part(part, fn) for part in content]
    if _same(parts, content):
        return message
    return message.model_copy(update={"content": parts})


def _map_part(part: Any, fn: TextFn) -> Any:
    if isinstance(part, str):
        return fn(part)
    if is_lc_text_part(part):
        text = part["text"]
        new_text = fn(text)
        return part if new_text is text else {**part, "text": new_text}
    return part


def _map_model(model: BaseModel, fn: TextFn) -> BaseModel:
    updates: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        if get_origin(field.annotation) is Literal:
            continue
        old = getattr(model, name, None)
        new = _map(old, fn)
        if new is not old:
            updates[name] = new
    return model.model_copy(update=updates) if updates else model


def _map_mapping(
    value: Mapping[Any, Any], fn: TextFn, *, only: Collection[str] | None = None
) -> Mapping[Any, Any]:
    out: dict[Any, Any] = {}
    changed = False
    for key, item in value.items():
        new = _map(item, fn) if only is None or key in only else item
        changed = changed or new is not item
        out[key] = new
    return out if changed else value


def _same(new: Sequence[Any], old: Sequence[Any]) -> bool:
    return all(a is b for a, b in zip(new, old, strict=True))
