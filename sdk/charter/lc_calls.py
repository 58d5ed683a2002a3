"""The tool calls a LangChain `AIMessage` carries, read and written back everywhere
LangChain keeps them: `tool_calls[j]["args"]`, and the raw copies beside them (the
provider's `additional_kwargs["tool_calls"]`, Anthropic's `tool_use` content blocks), which
the provider integrations may send instead; the calls whose arguments LangChain could not
parse, in `invalid_tool_calls` (their `args` a string: read as text, or as JSON when it is
JSON); and OpenAI's legacy function call, which LangChain keeps only in
`additional_kwargs["function_call"]` (both found unread by probing: their arguments went to
the model and to the caller unredacted).

Used for a proposed call in an answer (`charter.tool_calls`) and for an earlier call sent
back in a prompt's history (`charter.adapters`, `charter.langchain`), so the three agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from charter._leaves import leaves_of, parsed_arguments, with_leaves, written_as


def lc_calls(message: Any) -> list[Any]:
    """The message's `tool_calls`, then its `invalid_tool_calls` (dicts with `args`); []
    for a message without any."""
    return _listed(message, "tool_calls") + _listed(message, "invalid_tool_calls")


def _listed(message: Any, field: str) -> list[Any]:
    calls = getattr(message, field, None)
    return list(calls) if isinstance(calls, list | tuple) else []


def lc_legacy_call(message: Any) -> Mapping[str, Any] | None:
    """The legacy `additional_kwargs["function_call"]` (`name`, `arguments`), if any."""
    kwargs = getattr(message, "additional_kwargs", None)
    call = kwargs.get("function_call") if isinstance(kwargs, Mapping) else None
    return call if isinstance(call, Mapping) and "arguments" in call else None


def lc_arguments(message: Any) -> list[Any]:
    """Each call's arguments: every `tool_calls` entry's `args`, every
    `invalid_tool_calls` entry's, then the legacy call's."""
    legacy = lc_legacy_call(message)
    return [_args(call) for call in lc_calls(message)] + (
        [legacy["arguments"]] if legacy is not None else []
    )


def lc_call_leaves(message: Any) -> list[str]:
    """The strings inside the message's calls' arguments, in order."""
    return [leaf for args in lc_arguments(message) for leaf in leaves_of(parsed_arguments(args))]


def lc_with_call_leaves(message: Any, texts: Iterator[str]) -> Any:
    """`message` with the strings of its calls' arguments (`lc_call_leaves`) taken from
    `texts`; the message itself when none changed."""
    old = lc_arguments(message)
    if not old:
        return message
    new = [written_as(args, with_leaves(parsed_arguments(args), texts)) for args in old]
    return message if new == old else lc_with_arguments(message, new)


def lc_with_arguments(message: Any, arguments: Sequence[Any]) -> Any:
    """New arguments in `tool_calls` and in the raw copies LangChain keeps beside them,
    then (the last of `arguments`, when the message has one) in the legacy call."""
    called = list(arguments)
    kwargs = dict(message.additional_kwargs)
    legacy = lc_legacy_call(message)
    if legacy is not None:
        kwargs["function_call"] = {**legacy, "arguments": called.pop()}
    update: dict[str, Any] = {}
    valid = _listed(message, "tool_calls")
    invalid = _listed(message, "invalid_tool_calls")
    if valid or invalid:
        calls = [{**c, "args": a} for c, a in zip(valid + invalid, called, strict=True)]
        by_id = {call.get("id"): call["args"] for call in calls if call.get("id")}
        if valid:
            update["tool_calls"] = calls[: len(valid)]
        if invalid:
            update["invalid_tool_calls"] = calls[len(valid) :]
        if kwargs.get("tool_calls"):
            kwargs["tool_calls"] = [_raw_call(r, by_id) for r in kwargs["tool_calls"]]
        if isinstance(message.content, list):
            parsed = {k: v for k, v in by_id.items() if not isinstance(v, str)}
            update["content"] = [_tool_use_block(b, parsed) for b in message.content]
    if kwargs != message.additional_kwargs:
        update["additional_kwargs"] = kwargs
    return message.model_copy(update=update)


def _args(call: Any) -> Any:
    return call.get("args") if isinstance(call, Mapping) else None


def _raw_call(raw: Any, by_id: Mapping[Any, Any]) -> Any:
    if not isinstance(raw, Mapping) or raw.get("id") not in by_id:
        return raw
    args = by_id[raw["id"]]
    text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
    return {**raw, "function": {**(raw.get("function") or {}), "arguments": text}}


def _tool_use_block(block: Any, by_id: Mapping[Any, Any]) -> Any:
    if isinstance(block, Mapping) and block.get("type") == "tool_use" and block.get("id") in by_id:
        return {**block, "input": by_id[block["id"]]}
    return block
