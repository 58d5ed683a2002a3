"""Tool calls in a streamed answer, as the end of the stream checks them.

A stream proposes tool calls in fragments: OpenAI chunks carry
`choices[i].delta.tool_calls[j].function.arguments` a few characters at a time (and the
legacy `delta.function_call.arguments`), LangChain message chunks carry
`tool_call_chunks[k]["args"]`, with the provider's raw copies beside them
(`additional_kwargs["tool_calls"]`, Anthropic's `partial_json` content blocks); an
Anthropic event stream carries `input_json_delta` events after a `tool_use` block's start,
a Responses API stream `function_call_arguments.delta` events (and events that repeat the
arguments whole, rewritten as raw copies); Cohere, Bedrock, Ollama and Gemini streams
theirs (`charter.provider_chunks.provider_fragments`; Ollama and Gemini send each call
whole, its arguments an object, which goes back as one). The stream's gate holds every chunk without
text until the text passed, so nothing of a call leaves early; this module assembles the
held fragments into each call's arguments, so the last check reads them with the answer
(as `charter.tool_calls` does for a whole answer), and writes checked arguments back: a
changed call's whole arguments go in its first fragment (and in the first of each raw
copy), its later fragments become empty, which is what a consumer that joins the
fragments (OpenAI's SDK helpers, LangChain's `+`) then sees.

Streamed reasoning (Anthropic `thinking_delta`, the Responses API's reasoning deltas and
the events that repeat them, an OpenAI-compatible chat delta's `reasoning_content`,
`reasoning` and `reasoning_details` and LangChain's copies of them in `additional_kwargs`,
and the four providers' reasoning) is held, checked and
written back the same way: it is output the app may show (`charter.reasoning`), though it
proposes no call.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from charter._fields import field_of, items_of
from charter._fragments import (
    REASONING,
    Fragment,
    Path,
    call_fragment,
    field_fragment,
    text_fragment,
)
from charter._leaves import leaves_of, parsed_arguments, with_leaves, written_as
from charter.adapters import is_lc_message
from charter.chunks import anthropic_event, chunk_text, responses_event
from charter.provider_chunks import provider_fragments, provider_kind, provider_parts
from charter.reasoning import (
    chat_reasoning,
    drop_chat_reasoning,
    lc_reasoning_key,
    reasoning_item_parts,
)
from charter.tool_calls import is_call_block, lc_without_calls, responses_call_field


class StreamedCalls:
    """The calls proposed by a stream's held chunks (and the reasoning they carry)."""

    def __init__(self, chunks: Sequence[Any]) -> None:
        self.chunks = list(chunks)
        self._fragments = _checked_copies(
            [f for i, c in enumerate(self.chunks) for f in _fragments(i, c)]
        )
        joined: dict[tuple[Any, ...], str] = {}
        names: dict[tuple[Any, ...], str] = {}
        for f in self._fragments:
            if f.copy == "args":
                joined[f.call] = joined.get(f.call, "") + f.text
                names[f.call] = names.get(f.call, "") + f.name
        self._calls = list(joined)
        self._joined = joined
        self.arguments = [
            joined[call] if call[0] == REASONING else parsed_arguments(joined[call])
            for call in self._calls
        ]
        """Each call's arguments: parsed JSON, or the text when it is not JSON; then each
        piece of streamed reasoning, as its text."""
        self.names = [names[call] for call in self._calls if call[0] != REASONING]
        """Each call's name (what `input.tool_calls` shows the policy)."""

    @property
    def thought(self) -> frozenset[int]:
        """Where the reasoning sits among the strings of `arguments` (`leaves_of` order)."""
        found: set[int] = set()
        at = 0
        for call, args in zip(self._calls, self.arguments, strict=True):
            count = len(leaves_of(args))
            if call[0] == REASONING:
                found.update(range(at, at + count))
            at += count
        return frozenset(found)

    def written(self, texts: Sequence[str]) -> list[Any]:
        """The held chunks with `texts` (in `texts`' order) put back into the arguments;
        the chunks as they were when nothing changed."""
        rest = iter(texts)
        changed: dict[tuple[Any, ...], str] = {}
        for call, args in zip(self._calls, self.arguments, strict=True):
            new = with_leaves(args, rest)
            if new != args:
                changed[call] = new if call[0] == REASONING else written_as(self._joined[call], new)
        if not changed:
            return self.chunks
        edits: dict[int, list[tuple[Path, Any]]] = {}
        first: set[tuple[Any, ...]] = set()
        for f in self._fragments:
            if f.call not in changed or f.path is None:
                continue
            whole = (f.call, f.copy) not in first
            first.add((f.call, f.copy))
            value = changed[f.call] if whole else ""
            edits.setdefault(f.chunk, []).append((f.path, _whole(value) if f.whole else value))
        return [_edited(c, edits[i]) if i in edits else c for i, c in enumerate(self.chunks)]

    def __bool__(self) -> bool:
        return bool(self._calls)


def _whole(value: str) -> Any:
    """What a fragment that held a whole object gets: the object the new text reads as, or
    the text itself when it is not JSON (a broken stream that sent one call's arguments
    both as text deltas and as an object: the first fragment holds all of the new text)."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _checked_copies(fragments: list[Fragment]) -> list[Fragment]:
    """A call known only from a raw copy (no `tool_call_chunks` beside it) is checked in
    that copy: its first kind becomes the checked one."""
    checked = {f.call for f in fragments if f.copy == "args"}
    kinds: dict[tuple[Any, ...], str] = {}
    for f in fragments:
        if f.call not in checked:
            kinds.setdefault(f.call, f.copy)
    return [replace(f, copy="args") if kinds.get(f.call) == f.copy else f for f in fragments]


def carries_calls(chunk: Any) -> bool:
    """Whether `chunk` holds a fragment of a proposed tool call."""
    return next(_fragments(0, chunk), None) is not None


def calls_in(chunk: Any) -> tuple[bool, bool]:
    """Whether `chunk` holds a fragment of a proposed call or reasoning, and whether one of
    them begins or continues it (not a `.done` or `response.completed` event that repeats
    it whole): then the chunk stands at a place in the text. One pass over its fragments."""
    copies = {f.copy for f in _fragments(0, chunk)}
    return bool(copies), bool(copies - WHOLE_COPIES)


def streamed_chars(chunk: Any) -> int:
    """Characters `chunk` adds to the answer: its text and its tool-call arguments (they
    count toward the answer's size limit as its text does: the gate holds them)."""
    calls = (f for f in _fragments(0, chunk) if f.copy not in WHOLE_COPIES)
    return len(chunk_text(chunk)) + sum(len(f.text) for f in calls)


def text_part(chunk: Any) -> Any:
    """A copy of `chunk` without its tool-call fragments: what may go out with its text
    once the text passed (the fragments wait for the end of the stream)."""
    if is_lc_message(chunk):
        update = lc_without_calls(chunk)
        drop_chat_reasoning(update["additional_kwargs"])
        return chunk.model_copy(update=update)
    if (parts := provider_parts(chunk)) is not None:
        return parts[0]
    out = copy.deepcopy(chunk)
    for choice in items_of(out, "choices"):
        delta = field_of(choice, "delta")
        if isinstance(delta, dict):
            delta.pop("tool_calls", None)
            delta.pop("function_call", None)
        elif delta is not None:
            delta.tool_calls = None  # SDK chunk objects are mutable models
            delta.function_call = None
        drop_chat_reasoning(delta)
    return out


def call_part(chunk: Any) -> Any:
    """A copy of `chunk` without its text: the tool-call fragments (and whatever else it
    carries), held to the end of the stream."""
    if is_lc_message(chunk):
        content = chunk.content
        kept = [b for b in content if is_call_block(b)] if isinstance(content, list) else []
        return chunk.model_copy(update={"content": kept or ""})
    if (parts := provider_parts(chunk)) is not None:
        return parts[1]
    out = copy.deepcopy(chunk)
    for choice in items_of(out, "choices"):
        delta = field_of(choice, "delta")
        if isinstance(delta, dict):
            delta["content"] = None
        elif delta is not None:
            delta.content = None
    return out


def _fragments(index: int, chunk: Any) -> Iterator[Fragment]:
    if provider_kind(chunk) is not None:
        yield from provider_fragments(index, chunk)
        return
    if is_lc_message(chunk) and hasattr(chunk, "tool_call_chunks"):
        yield from _lc_fragments(index, chunk)
        return
    if anthropic_event(chunk) is not None:
        yield from _anthropic_fragments(index, chunk)
        return
    if responses_event(chunk) is not None:
        yield from _responses_fragments(index, chunk)
        return
    choices = field_of(chunk, "choices") if not isinstance(chunk, str | bytes) else None
    if not isinstance(choices, list | tuple):
        return
    for c, choice in enumerate(choices):
        delta = field_of(choice, "delta")
        at = field_of(choice, "index")
        at = c if at is None else at
        for k, call in enumerate(items_of(delta, "tool_calls")):
            path: Path = ("choices", c, "delta", "tool_calls", k, "function", "arguments")
            key = ("openai", at, field_of(call, "index"))
            yield from call_fragment(index, key, field_of(call, "function"), path)
        legacy: Path = ("choices", c, "delta", "function_call", "arguments")
        yield from call_fragment(
            index, ("openai-function", at), field_of(delta, "function_call"), legacy
        )
        yield from _chat_reasoning(index, ("openai", at), delta, ("choices", c, "delta"))


def _chat_reasoning(index: int, key: Path, delta: Any, at: Path) -> Iterator[Fragment]:
    """A chat delta's reasoning (`charter.reasoning.chat_reasoning`) at `at` in its chunk,
    keyed by its choice (`key`) and field: a `reasoning_details` item by its `index`."""
    for path, part, field in chat_reasoning(delta):
        number = field_of(part, "index") if len(path) > 1 else None  # a details item's
        named = path if number is None else (path[0], number, field)
        yield from text_fragment(index, (REASONING, *key, *named), part, (*at, *path))


def _anthropic_fragments(index: int, chunk: Any) -> Iterator[Fragment]:
    """A `tool_use` block's start (its name) and its `input_json_delta` fragments, keyed by
    the block's index in the message."""
    kind, key = field_of(chunk, "type"), ("anthropic", field_of(chunk, "index"))
    if kind == "content_block_start":
        block = field_of(chunk, "content_block")
        if (
            field_of(block, "type") == "tool_use"
        ):  # as a whole answer's (server tools: not the app's)
            name = field_of(block, "name")
            yield Fragment(index, key, "args", None, "", name if isinstance(name, str) else "")
    elif kind == "content_block_delta":
        delta = field_of(chunk, "delta")
        text = field_of(delta, "partial_json")
        if field_of(delta, "type") == "input_json_delta" and isinstance(text, str):
            yield Fragment(index, key, "args", ("delta", "partial_json"), text)
        thinking = field_of(delta, "thinking")
        if field_of(delta, "type") == "thinking_delta" and isinstance(thinking, str):
            yield Fragment(index, (REASONING, *key), "args", ("delta", "thinking"), thinking)


def _responses_fragments(index: int, chunk: Any) -> Iterator[Fragment]:
    """A Responses API call: its item's start (the name), its argument deltas, and the
    events that repeat its arguments whole (raw copies: `.done`, the item's
    `response.output_item.done`, `response.completed`), keyed by its output index."""
    kind = field_of(chunk, "type")
    key = ("responses", field_of(chunk, "output_index"))
    item = field_of(chunk, "item")
    is_call = bool(responses_call_field(item))
    if kind in ("response.function_call_arguments.delta", "response.custom_tool_call_input.delta"):
        delta = field_of(chunk, "delta")
        if isinstance(delta, str):
            yield Fragment(index, key, "args", ("delta",), delta)
    elif kind == "response.output_item.added" and is_call:
        name = field_of(item, "name")
        yield Fragment(index, key, "args", None, "", name if isinstance(name, str) else "")
    elif kind == "response.function_call_arguments.done":
        yield from field_fragment(index, key, "done", chunk, ("arguments",))
    elif kind == "response.custom_tool_call_input.done":
        yield from field_fragment(index, key, "done", chunk, ("input",))
    elif kind == "response.output_item.done" and is_call:
        yield from field_fragment(index, key, "item", item, ("item", responses_call_field(item)))
    elif kind in ("response.completed", "response.incomplete"):
        for k, out in enumerate(items_of(field_of(chunk, "response"), "output")):
            if responses_call_field(out):
                path = ("response", "output", k, responses_call_field(out))
                yield from field_fragment(index, ("responses", k), "completed", out, path)
            else:
                yield from _reasoning_item(index, k, out, ("response", "output", k), "completed")
    elif kind is not None and kind.startswith("response.reasoning"):
        yield from _reasoning_event(index, kind, chunk)
    elif kind == "response.output_item.done":
        at = field_of(chunk, "output_index")
        yield from _reasoning_item(index, at, item, ("item",), "item")


_REASONING_EVENTS = {
    "response.reasoning_summary_text.delta": ("summary", "summary_index", "args", ("delta",)),
    "response.reasoning_text.delta": ("content", "content_index", "args", ("delta",)),
    "response.reasoning_summary_text.done": ("summary", "summary_index", "done", ("text",)),
    "response.reasoning_text.done": ("content", "content_index", "done", ("text",)),
    "response.reasoning_summary_part.done": ("summary", "summary_index", "part", ("part", "text")),
}
"""The Responses API's reasoning events: the part they belong to, the field numbering it,
the copy they are (`args`: the deltas that are checked) and where their text is."""


def _reasoning_event(index: int, kind: str, chunk: Any) -> Iterator[Fragment]:
    if kind not in _REASONING_EVENTS:
        return
    group, number, copy_, path = _REASONING_EVENTS[kind]
    key = (REASONING, "responses", field_of(chunk, "output_index"), group, field_of(chunk, number))
    holder = field_of(chunk, "part") if path[0] == "part" else chunk
    yield from field_fragment(index, key, copy_, holder, path)


def _reasoning_item(index: int, at: Any, item: Any, path: Path, copy_: str) -> Iterator[Fragment]:
    """The texts of a whole `reasoning` item (`output_item.done`, `response.completed`)."""
    for group, k, part in reasoning_item_parts(item):
        key = (REASONING, "responses", at, group, k)
        yield Fragment(index, key, copy_, (*path, group, k, "text"), field_of(part, "text"))


WHOLE_COPIES = frozenset({"done", "part", "item", "completed"})
"""Copies that repeat a call's arguments (or a reasoning text) whole: they count once
toward the size limit."""


def _lc_fragments(index: int, chunk: Any) -> Iterator[Fragment]:
    for k, part in enumerate(chunk.tool_call_chunks or ()):
        at = part.get("index")
        key = ("lc", at) if at is not None else ("lc", "unindexed", index, k)
        yield from call_fragment(index, key, part, ("tool_call_chunks", k, "args"))
    yield from _chat_reasoning(index, ("lc",), chunk.additional_kwargs, ("additional_kwargs",))
    legacy = chunk.additional_kwargs.get("function_call")  # OpenAI's legacy function call
    if isinstance(legacy, Mapping):
        path: Path = ("additional_kwargs", "function_call", "arguments")
        yield from call_fragment(index, ("lc-function",), legacy, path)
    for k, raw in enumerate(chunk.additional_kwargs.get("tool_calls") or ()):
        text = field_of(field_of(raw, "function"), "arguments")
        if isinstance(raw, Mapping) and isinstance(text, str) and raw.get("index") is not None:
            path = ("additional_kwargs", "tool_calls", k, "function", "arguments")
            yield Fragment(index, ("lc", raw["index"]), "raw", path, text)
    if isinstance(chunk.content, list):
        for k, block in enumerate(chunk.content):
            if isinstance(block, Mapping) and isinstance(block.get("partial_json"), str):
                key = ("lc", block.get("index"))
                path = ("content", k, "partial_json")
                yield Fragment(index, key, "block", path, block["partial_json"])
            yield from _lc_reasoning(index, k, block)


def _lc_reasoning(index: int, k: int, block: Any) -> Iterator[Fragment]:
    """A LangChain reasoning content block (`charter.reasoning.lc_reasoning_key`)."""
    field = lc_reasoning_key(block)
    if field is not None:
        key = (REASONING, "lc", block.get("index", k))
        yield Fragment(index, key, "args", ("content", k, field), block[field])


def _edited(chunk: Any, edits: Sequence[tuple[Path, Any]]) -> Any:
    """A copy of `chunk` with each path set to its text (or, for a call carried whole, its
    arguments' object)."""
    lc = is_lc_message(chunk)
    out = chunk.model_copy(deep=True) if lc else copy.deepcopy(chunk)
    for path, text in edits:
        parent: Any = out
        for key in path[:-1]:
            parent = _child(parent, key)
        _put(parent, path[-1], text)
    if not lc:
        return out
    # A message chunk parses its `tool_calls` from `tool_call_chunks` when it is built:
    # build it again, or the parse of the old fragments (the raw text) stays in it.
    fields = {
        name: getattr(out, name)
        for name in type(out).model_fields
        if name not in ("tool_calls", "invalid_tool_calls")
    }
    return type(out)(**fields)


def _child(parent: Any, key: str | int) -> Any:
    if isinstance(parent, Mapping) or isinstance(key, int):
        return parent[key]
    return getattr(parent, key)


def _put(parent: Any, key: str | int, text: Any) -> None:
    if isinstance(parent, Mapping) or isinstance(key, int):
        parent[key] = text
    else:
        setattr(parent, key, text)  # SDK chunk objects are mutable models
