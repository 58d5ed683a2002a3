"""The tool calls a LangChain `AIMessage` carries, read and written back everywhere
LangChain keeps them: `tool_calls[j]["args"]`, and the raw copies beside them (the
provider's `additional_kwargs["tool_calls"]`, Anthropic's `tool_use` content blocks), which
the provider integrations may send instead.

Used for a proposed call in an answer (`charter.tool_calls`) and for an earlier call sent
back in a prompt's history (`charter.adapters`, `charter.langchain`), so the three agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from charter._leaves import leaves_of, with_leaves


def lc_calls(message: Any) -> list[Any]:
    """The message's `tool_calls` (dicts with `args`); [] for a message without any."""
    calls = getattr(message, "tool_calls", None)
    return list(calls) if isinstance(calls, list | tuple) else []


def lc_call_leaves(message: Any) -> list[str]:
    """The strings inside the message's calls' `args`, in order."""
    return [leaf for call in lc_calls(message) for leaf in leaves_of(_args(call))]


def lc_with_call_leaves(message: Any, texts: Iterator[str]) -> Any:
    """`message` with the strings of its calls' args (`lc_call_leaves`) taken from
    `texts`; the message itself when none changed."""
    calls = lc_calls(message)
    if not calls:
        return message
    old = [_args(call) for call in calls]
    new = [with_leaves(args, texts) for args in old]
    return message if new == old else lc_with_arguments(message, new)


def lc_with_arguments(message: Any, arguments: Sequence[Any]) -> Any:
    """New args in `tool_calls`, and in the raw copies LangChain keeps beside them."""
    calls = [
        {**call, "args": args} for call, args in zip(message.tool_calls, arguments, strict=True)
    ]
    by_id = {call.get("id"): call["args"] for call in calls if call.get("id")}
    update: dict[str, Any] = {"tool_calls": calls}
    raw = message.additional_kwargs.get("tool_calls")
    if raw:
        update["additional_kwargs"] = {
            **message.additional_kwargs,
            "tool_calls": [_raw_call(r, by_id) for r in raw],
        }
    if isinstance(message.content, list):
        update["content"] = [_tool_use_block(b, by_id) for b in message.content]
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
