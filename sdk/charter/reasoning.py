"""The reasoning a model returns beside its answer, as the output stage checks it.

Reasoning models hand back their thinking: Anthropic's `thinking` blocks, the `reasoning`
items of OpenAI's Responses API (their `summary` and `content` texts), LangChain's
`thinking` and `reasoning` content blocks; read the same way, the code a Gemini answer ran
and what it printed (`executable_code`, `code_execution_result`). Apps show it to users,
so it is output like the answer: its texts are checked with the answer (PII, signals,
policy), written back when redacted or restored, and a refusal drops it, since it may hold
what the answer was refused for.

Anthropic's `redacted_thinking` is encrypted by the provider: no text to read. A rewritten
`thinking` block no longer matches its `signature`; the API refuses it if the app sends
that turn back, which is louder than handing the app what the checks would have masked.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from charter._fields import field_of, items_of, kind_of, put_field, unwrapped, updated
from charter.adapters import is_lc_message
from charter.provider_answers import GeminiAdapter, candidate_parts, gemini_code_texts
from charter.vendor_adapters import AnthropicMessageAdapter, ResponsesAdapter

_ANTHROPIC = AnthropicMessageAdapter()
_RESPONSES = ResponsesAdapter()
_GEMINI = GeminiAdapter()
_THINKING = ("thinking", "redacted_thinking")


def reasoning_texts(answer: Any) -> list[str]:
    """The texts of the answer's reasoning, in order ([] for shapes without any)."""
    answer = unwrapped(answer)[0]
    blocks = _lc_blocks(answer)
    if blocks is not None:
        return [b[key] for b in blocks if (key := lc_reasoning_key(b))]
    return [field_of(part, key) for part, key in _parts(answer)]


def with_reasoning(answer: Any, texts: Sequence[str]) -> Any:
    """A copy of `answer` with `texts` in place of its reasoning's texts."""
    if list(texts) == reasoning_texts(answer):
        return answer
    inner, wrap = unwrapped(answer)
    blocks = _lc_blocks(inner)
    if blocks is not None:
        supply = iter(texts)
        content = [{**b, key: next(supply)} if (key := lc_reasoning_key(b)) else b for b in blocks]
        return wrap(updated(inner, content=content))
    out = copy.deepcopy(inner)  # a dict, or an SDK model (pydantic copies deeply too)
    for (part, key), text in zip(_parts(out), texts, strict=True):
        put_field(part, key, text)
    return wrap(out)


def without_reasoning(answer: Any) -> Any:
    """`answer` without its reasoning (what a refusal is sent back in)."""
    inner, wrap = unwrapped(answer)
    blocks = _lc_blocks(inner)
    if blocks is not None:
        kept = [b for b in blocks if not lc_reasoning_key(b) and kind_of(b) != "redacted_thinking"]
        return wrap(updated(inner, content=kept))
    return wrap(_without(inner))


def _without(answer: Any) -> Any:
    kinds: tuple[str, ...]
    if _ANTHROPIC.matches(answer):
        field, kinds = "content", _THINKING
    elif _RESPONSES.matches(answer):
        field, kinds = "output", ("reasoning",)
    else:
        return answer
    kept = [p for p in field_of(answer, field) if kind_of(p) not in kinds]
    return updated(answer, **{field: kept})


def _parts(answer: Any) -> Iterator[tuple[Any, str]]:
    """Each part holding reasoning text, with the field the text is in."""
    if _ANTHROPIC.matches(answer):
        for block in field_of(answer, "content"):
            if field_of(block, "type") == "thinking" and isinstance(
                field_of(block, "thinking"), str
            ):
                yield block, "thinking"
    elif _RESPONSES.matches(answer):
        for item in field_of(answer, "output"):
            for _, _, part in reasoning_item_parts(item):
                yield part, "text"
    elif _GEMINI.matches(answer):
        for candidate in field_of(answer, "candidates"):
            for part in candidate_parts(candidate):
                yield from gemini_code_texts(part)


def reasoning_item_parts(item: Any) -> Iterator[tuple[str, int, Any]]:
    """The parts of a Responses API `reasoning` item that hold text, as (group, position,
    part): its `summary` parts, then its `content` (reasoning text) parts."""
    if kind_of(item) != "reasoning":
        return
    for group in ("summary", "content"):
        for k, part in enumerate(items_of(item, group)):
            if isinstance(field_of(part, "text"), str):
                yield group, k, part


def lc_reasoning_key(block: Any) -> str | None:
    """The key holding a LangChain reasoning block's text (a `thinking` block keeps it under
    `thinking`, as ChatAnthropic passes Anthropic's; LangChain's standard `reasoning` block
    under `reasoning`), None for any other block."""
    kind = block.get("type") if isinstance(block, Mapping) else None
    if kind in ("thinking", "reasoning") and isinstance(block.get(kind), str):
        return str(kind)
    return None


def _lc_blocks(answer: Any) -> list[Any] | None:
    """A LangChain message's content blocks, or None for anything else."""
    if _ANTHROPIC.matches(answer) or not is_lc_message(answer):  # an SDK Message looks alike
        return None
    return list(answer.content) if isinstance(answer.content, list) else None
