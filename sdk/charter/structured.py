"""The texts inside an application's own structured values, and the same value with new
texts put back, in its own type.

A guarded function may return what no SDK adapter reads: a structured output (a pydantic
model from OpenAI's `parse`, Instructor or pydantic-ai, a dataclass, the dict or list an
app parsed from the model's JSON). Its strings are the model's words, so the output stage
checks them as the answer's texts and writes the checked ones back into a copy of the same
value: a placeholder the model copied into a field is restored, a value the policy masks
is masked, and the app still gets its `Contact`, never that object's repr as a string.

Read: strings; the fields of pydantic models (discriminator fields typed `Literal` are
skipped: they name a type, and changing one would change what the value is) and of
dataclasses; the items of mappings, lists and tuples, recursively. Anything else passes
through unread. Unchanged parts are reused (`is`), so a value whose texts all stay as they
were comes back as the same object. The walk order is fixed, so the texts `texts_of`
returns line up with the ones `with_texts` expects. LangChain values
(`charter.langchain._texts`) are read by the same walk, extended with messages.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal, TypeVar, get_origin

from pydantic import BaseModel

from charter._leaves import leaves_of

TextFn = Callable[[str], str]
T = TypeVar("T")
_END = object()


class TextWalk:
    """One walk over a value: `fn` on each text, the value rebuilt only where one changed."""

    def __init__(self, fn: TextFn) -> None:
        self.fn = fn

    def map(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.fn(value)
        if isinstance(value, Mapping):
            return self.mapping(value)
        if isinstance(value, list):
            items = [self.map(item) for item in value]
            return value if same_items(items, value) else items
        if isinstance(value, BaseModel):
            return self.model(value)
        if isinstance(value, tuple):
            items = [self.map(item) for item in value]
            if same_items(items, value):
                return value
            return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
        if is_dataclass_value(value):
            return self.dataclass(value)
        return value

    def model(self, model: BaseModel) -> BaseModel:
        updates: dict[str, Any] = {}
        for name, field in type(model).model_fields.items():
            if get_origin(field.annotation) is Literal:
                continue
            old = getattr(model, name, None)
            new = self.map(old)
            if new is not old:
                updates[name] = new
        # model_copy does not validate: a masked e-mail address is no longer an `EmailStr`
        return model.model_copy(update=updates) if updates else model

    def dataclass(self, value: Any) -> Any:
        updates: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            old = getattr(value, field.name, None)
            new = self.map(old)
            if new is not old:
                updates[field.name] = new
        if not updates:
            return value
        out = copy.copy(value)
        for name, new in updates.items():  # frozen ones too, and fields with init=False
            object.__setattr__(out, name, new)
        return out

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


def is_dataclass_value(value: Any) -> bool:
    """A dataclass instance (not the class): the test `dataclasses.is_dataclass` makes,
    without its function call on the walk's path."""
    return hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type)


def read_texts(walk: Callable[[TextFn], object]) -> list[str]:
    """The texts a walk (`walk(fn)` applies `fn` to each) passes over, in its order."""
    found: list[str] = []

    def collect(text: str) -> str:
        found.append(text)
        return text

    walk(collect)
    return found


def write_texts(walk: Callable[[TextFn], T], texts: Sequence[str]) -> T:
    """What a walk returns with `texts` in place of the ones `read_texts` returned."""
    supply = iter(texts)

    def take(old: str) -> str:
        new = next(supply, _END)
        if new is _END:
            raise ValueError("fewer replacement texts than texts in the value")
        return new  # type: ignore[return-value]

    result = walk(take)
    if next(supply, _END) is not _END:
        raise ValueError("more replacement texts than texts in the value")
    return result


def texts_of(value: Any) -> list[str]:
    return read_texts(lambda fn: TextWalk(fn).map(value))


def with_texts(value: Any, texts: Sequence[str]) -> Any:
    return write_texts(lambda fn: TextWalk(fn).map(value), texts)


def same_items(new: Sequence[Any], old: Sequence[Any]) -> bool:
    return all(a is b for a, b in zip(new, old, strict=True))


def reparsed(parsed: Any, old: str, new: str) -> Any:
    """`parsed`, what an SDK's `parse()` built from the JSON text `old` (OpenAI's
    `message.parsed`, a Responses `output_text` part's `parsed`), as it reads once the text
    became `new`: each string the check changed in the text is changed in it, the same
    way. None when `new` is no longer JSON of the same form (a refusal, a text masked
    across its quotes): a stale object would still hold what the check took out."""
    if parsed is None or old == new:
        return parsed
    try:
        before, after = json.loads(old), json.loads(new)
    except (ValueError, RecursionError):
        return None
    return with_changes(parsed, before, after)


def with_changes(value: Any, before: Any, after: Any) -> Any:
    """`value` with each string that differs between two JSON forms of it (`before`, as
    it was read, and `after`, as the checks left it) changed the same way, in `value`'s
    own types. None when the two forms do not line up string for string."""
    was, now = leaves_of(before), leaves_of(after)
    if len(was) != len(now):
        return None
    changes: dict[str, str] = {}
    for old, new in zip(was, now, strict=True):
        if old != new:
            changes.setdefault(old, new)
    return with_texts(value, [changes.get(text, text) for text in texts_of(value)])


class StructuredAnswer:
    """The `charter.adapters.Adapter` for an answer no SDK adapter reads: a pydantic model,
    a dataclass, a mapping, a list or a tuple. Only the output stage uses it: a prompt must
    be a shape Charter knows (which texts are the user's decides what is scored)."""

    def matches(self, value: Any) -> bool:
        return isinstance(value, BaseModel | Mapping | list | tuple) or is_dataclass_value(value)

    def texts(self, value: Any) -> list[str]:
        return texts_of(value)

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        return with_texts(value, texts)


STRUCTURED = StructuredAnswer()
