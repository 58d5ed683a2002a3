"""The reasoning a model returns beside its answer, as the output stage checks it.

Reasoning models hand back their thinking: Anthropic's `thinking` blocks, the `reasoning`
items of OpenAI's Responses API (their `summary` and `content` texts), the reasoning
OpenAI-compatible chat APIs put beside a message's `content` (`CHAT_REASONING`: DeepSeek's,
vLLM's and Qwen's `reasoning_content`, OpenRouter's `reasoning` and `reasoning_details`;
LangChain keeps them in `additional_kwargs`), LangChain's `thinking` and `reasoning`
content blocks; read the same way, the code a Gemini answer ran
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
from charter.adapters import OpenAIResponseAdapter, is_lc_message
from charter.provider_answers import GeminiAdapter, candidate_parts, gemini_code_texts
from charter.vendor_adapters import AnthropicMessageAdapter, ResponsesAdapter

_ANTHROPIC = AnthropicMessageAdapter()
_RESPONSES = ResponsesAdapter()
_GEMINI = GeminiAdapter()
_CHAT = OpenAIResponseAdapter()
_THINKING = ("thinking", "redacted_thinking")
CHAT_REASONING = ("reasoning_content", "reasoning")
"""A chat message's reasoning texts beside its `content` (a streamed delta's too). Probing
found them unread: a harmful plan or the system prompt's canary there passed beside a
harmless answer, 0 of 10 withheld that were withheld as the answer."""
_DETAILS = "reasoning_details"
_DETAIL_TEXTS = ("text", "summary")
"""OpenRouter's `reasoning_details` items: `reasoning.text` and `reasoning.summary` hold
the reasoning again; `reasoning.encrypted` holds none to read."""


def reasoning_texts(answer: Any) -> list[str]:
    """The texts of the answer's reasoning, in order ([] for shapes without any)."""
    answer = unwrapped(answer)[0]
    blocks = _lc_blocks(answer)
    if blocks is not None:
        kwargs = [field_of(part, key) for _, part, key in chat_reasoning(_lc_kwargs(answer))]
        return [*(b[key] for b in blocks if (key := lc_reasoning_key(b))), *kwargs]
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
        kwargs = copy.deepcopy(_lc_kwargs(inner))
        for _, part, key in chat_reasoning(kwargs):
            put_field(part, key, next(supply))
        return wrap(_lc_updated(inner, content, kwargs))
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
        kwargs = dict(_lc_kwargs(inner))
        drop_chat_reasoning(kwargs)
        return wrap(_lc_updated(inner, kept, kwargs))
    return wrap(_without(inner))


def _without(answer: Any) -> Any:
    kinds: tuple[str, ...]
    if _ANTHROPIC.matches(answer):
        field, kinds = "content", _THINKING
    elif _RESPONSES.matches(answer):
        field, kinds = "output", ("reasoning",)
    elif _CHAT.matches(answer):
        out = copy.deepcopy(answer)
        for choice in field_of(out, "choices"):
            drop_chat_reasoning(field_of(choice, "message"))
        return out
    else:
        return answer
    kept = [p for p in field_of(answer, field) if kind_of(p) not in kinds]
    return updated(answer, **{field: kept})


def chat_reasoning(message: Any) -> Iterator[tuple[tuple[str | int, ...], Any, str]]:
    """Each reasoning text of a chat message or streamed delta (`CHAT_REASONING`, then
    `reasoning_details`), as (its path in `message`, the part holding it, its field)."""
    for field in CHAT_REASONING:
        if isinstance(field_of(message, field), str):
            yield (field,), message, field
    for k, detail in enumerate(items_of(message, _DETAILS)):
        for field in _DETAIL_TEXTS:
            if isinstance(field_of(detail, field), str):
                yield (_DETAILS, k, field), detail, field


def drop_chat_reasoning(message: Any) -> None:
    """Take a chat message's (or delta's, or LangChain `additional_kwargs`') reasoning out,
    in place: a dict loses the keys, an SDK object has them set to None."""
    for field in (*CHAT_REASONING, _DETAILS):
        if isinstance(message, dict):
            message.pop(field, None)
        elif field_of(message, field) is not None:
            put_field(message, field, None)


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
    elif _CHAT.matches(answer):
        for choice in field_of(answer, "choices"):
            yield from ((part, key) for _, part, key in chat_reasoning(field_of(choice, "message")))


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
    """A LangChain message's content blocks ([] for text content), or None for anything
    else."""
    if _ANTHROPIC.matches(answer) or not is_lc_message(answer):  # an SDK Message looks alike
        return None
    return list(answer.content) if isinstance(answer.content, list) else []


def _lc_kwargs(message: Any) -> Mapping[str, Any]:
    """A LangChain message's `additional_kwargs`, where ChatDeepSeek and the like keep the
    API's `reasoning_content` ({} for a look-alike without them)."""
    kwargs = getattr(message, "additional_kwargs", None)
    return kwargs if isinstance(kwargs, Mapping) else {}


def _lc_updated(message: Any, blocks: list[Any], kwargs: Mapping[str, Any]) -> Any:
    """`message` with its content `blocks` (text content stays as it was) and `kwargs`."""
    update: dict[str, Any] = {"content": blocks} if isinstance(message.content, list) else {}
    if isinstance(getattr(message, "additional_kwargs", None), Mapping):
        update["additional_kwargs"] = dict(kwargs)
    return message.model_copy(update=update) if update else message
