"""One field of a dict or of an SDK object (a pydantic model), read or written the same
way, and what an answer used: the neutral ground of the adapters."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reasons: tuple[str, ...] = ()
    response_model: str | None = None

    def tokens_plus(self, more: Usage) -> Usage:
        """The tokens of this and `more` together (a count neither reports stays None)."""
        return Usage(
            _sum(self.input_tokens, more.input_tokens), _sum(self.output_tokens, more.output_tokens)
        )


def _sum(total: int | None, more: int | None) -> int | None:
    return total if more is None else more if total is None else total + more


def field_of(value: Any, key: str) -> Any:
    """`value[key]` of a mapping, else the attribute (SDK objects); None when absent."""
    if isinstance(value, Mapping):
        return value.get(key)
    return getattr(value, key, None)


def kind_of(value: Any) -> str:
    """`value`'s `type` field, or "" when it is not a string: a malformed part never
    reaches a set or dict lookup (an unhashable `type` would raise there)."""
    kind = field_of(value, "type")
    return kind if isinstance(kind, str) else ""


def items_of(value: Any, key: str) -> list[Any] | tuple[Any, ...]:
    """`value`'s `key` when it is a list or tuple, else () (absent, None, malformed)."""
    items = field_of(value, key)
    return items if isinstance(items, list | tuple) else ()


def put_field(value: Any, key: str, item: Any) -> None:
    """`value[key] = item` on a mapping, else the attribute (SDK objects are mutable)."""
    if isinstance(value, MutableMapping):
        value[key] = item
    else:
        setattr(value, key, item)


def with_first_text(
    parts: Sequence[Any], text: str, is_text: Callable[[Any], bool], new: Callable[[str], Any]
) -> list[Any]:
    """`parts` with `text` in the first text part and the other text parts gone: an answer
    read as one text is written back as one (`new(text)` goes first when no part is text).
    The first text part is written in place: pass a copy."""
    first = next((p for p in parts if is_text(p)), None)
    kept = [p for p in parts if p is first or not is_text(p)]
    if first is None:
        return [new(text), *kept]
    put_field(first, "text", text)
    return kept


def padded(texts: Sequence[str], n: int) -> list[str]:
    """`n` texts for `n` pieces of an answer: `texts` in order, "" for the pieces past them
    (a refusal, a streamed answer's one released text: the first pieces get the words, and
    a piece left empty goes)."""
    return [*texts[:n], *[""] * (n - len(texts))]


def updated(value: Any, **fields: Any) -> Any:
    """A copy of `value` with `fields` replaced: a new dict, or the SDK model's own copy."""
    if isinstance(value, Mapping):
        return {**value, **fields}
    return value.model_copy(update=fields)


def in_form_of(like: Any, fields: dict[str, Any], module: str, name: str) -> Any:
    """`fields` in the form of `like`: a dict beside dicts, else an object of the SDK's
    class `module.name` (pydantic builds its nested parts from their dicts); a dict when the
    SDK is not installed (an SDK-like object without the SDK)."""
    if not isinstance(like, Mapping):
        try:
            return getattr(importlib.import_module(module), name)(**fields)
        except (ImportError, AttributeError):
            pass
    return fields


def unwrapped(answer: Any) -> tuple[Any, Callable[[Any], Any]]:
    """The answer proper, and how to wrap a changed one back: an integration that hands the
    guard its own wrapper (LangChain's `GuardOutput`) marks it `carries_answer = True` and
    holds the answer in `value`."""
    if getattr(answer, "carries_answer", False) is True:
        return answer.value, type(answer)
    return answer, _same


def _same(answer: Any) -> Any:
    return answer


def spoken(message: Any) -> str | None:
    """The transcript of an answer spoken as audio (`modalities=["audio"]`: `content` is
    None, the words are `audio.transcript`), else None."""
    if field_of(message, "content"):
        return None
    transcript = field_of(field_of(message, "audio"), "transcript")
    return transcript if isinstance(transcript, str) else None
