"""The tool calls a model proposes in its answer, as the output stage checks them.

An agent runs what the model proposes: `send_email(to=..., body=...)` in an OpenAI chat
completion (`choices[i].message.tool_calls[j].function.arguments`, a JSON string, or the
legacy `message.function_call.arguments`) or a
LangChain `AIMessage` (`tool_calls[j]["args"]`, a dict) or an Anthropic message (its
`tool_use` blocks' `input`) or an OpenAI Responses API answer (its `function_call` items'
`arguments`, its `custom_tool_call` items' `input`). The output stage reads only the
answer's text, so arguments holding a card number, or the harmful instructions the text
itself was refused for, went out unchecked; a placeholder the model copied from the redacted
prompt into an argument stayed a placeholder; and a refused OpenAI-shaped answer kept its
tool calls, which an agent loop then ran. So:

- every string inside the arguments is checked with the answer's texts (PII, signals,
  policy), after them and in order (`argument_texts`);
- redacted or restored strings are written back into the arguments (`replace_answer`);
- a refusal drops the calls (`without_tool_calls`).

An integration that hands the guard its own wrapper around the answer (LangChain's
`GuardOutput`) marks it with `carries_answer = True`: the calls are read from its `value`,
and a changed answer is wrapped back in the same type.

Streamed calls arrive in fragments: `charter.streamed_calls` assembles them for the stream's
last check, with the functions below.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from charter._fields import field_of, items_of, kind_of, put_field, unwrapped, updated
from charter._leaves import leaves_of, parsed_arguments, with_leaves, written_as
from charter.adapters import Adapter, OpenAIResponseAdapter, is_lc_message
from charter.lc_calls import lc_arguments, lc_calls, lc_legacy_call, lc_with_arguments
from charter.provider_answers import (
    provider_calls,
    with_provider_arguments,
    without_provider_calls,
)
from charter.reasoning import with_reasoning
from charter.vendor_adapters import AnthropicMessageAdapter, ResponsesAdapter


def argument_texts(arguments: Sequence[Any]) -> list[str]:
    """The strings inside the tool calls' arguments, in order: checked after the answer's
    own texts (`replace_answer` puts both back)."""
    return [leaf for args in arguments for leaf in leaves_of(args)]


def replace_answer(
    adapter: Adapter, answer: Any, texts: Sequence[str], arguments: Sequence[Any], thought: range
) -> Any:
    """`answer` with `texts` put back: its own texts, then at `thought` the texts of its
    reasoning (`charter.reasoning`), then the strings of its calls' arguments."""
    own = thought.start
    out = (
        answer
        if adapter.texts(answer) == list(texts[:own])
        else adapter.replace(answer, texts[:own])
    )
    out = with_reasoning(out, texts[own : thought.stop]) if thought else out
    rest = iter(texts[thought.stop :])
    changed = [with_leaves(args, rest) for args in arguments]
    if changed == list(arguments):
        return out
    inner, wrap = unwrapped(out)
    raw = _raw_arguments(inner)
    return wrap(
        _with_arguments(inner, [written_as(r, c) for r, c in zip(raw, changed, strict=True)])
    )


def tool_arguments(answer: Any) -> list[Any]:
    """Each proposed call's arguments in order: a parsed JSON value, or the text itself
    when it is not JSON."""
    return [parsed_arguments(raw) for raw in _raw_arguments(unwrapped(answer)[0])]


def tool_names(answer: Any) -> list[str]:
    """Each proposed call's name, in the order of `tool_arguments` ("" when it has none)."""
    names = [field_of(call, "name") for call in _calls(unwrapped(answer)[0])]
    return [name if isinstance(name, str) else "" for name in names]


def without_tool_calls(answer: Any) -> Any:
    """`answer` proposing no tool calls, finished as filtered (a copy where the answer is a
    dict): what a refusal is sent back in."""
    inner, wrap = unwrapped(answer)
    return wrap(_without_calls(inner))


def _without_calls(answer: Any) -> Any:
    if _is_lc_message(answer):
        return answer.model_copy(update=lc_without_calls(answer))
    if _ANTHROPIC.matches(answer):
        return _anthropic_without_calls(answer)
    if _RESPONSES.matches(answer):
        return _responses_without_calls(answer)
    if provider_calls(answer) is not None:
        return without_provider_calls(answer)
    choices = _choices(answer)
    if choices is None:
        return answer
    if isinstance(answer, Mapping):
        kept = [{**c, "message": without_call_keys(c["message"]), **_filtered(c)} for c in choices]
        return {**answer, "choices": kept}
    for choice in choices:
        choice.message.tool_calls = None  # SDK response objects are mutable models
        if getattr(choice.message, "function_call", None) is not None:
            choice.message.function_call = None
        if _filtered(choice):
            choice.finish_reason = _FILTERED
    return answer


_FILTERED = "content_filter"


def _filtered(choice: Any) -> dict[str, str]:
    """A choice that finished to call tools now finishes as filtered: a loop that sees
    "tool_calls" (or the legacy "function_call") looks for calls that are gone."""
    calling = field_of(choice, "finish_reason") in ("tool_calls", "function_call")
    return {"finish_reason": _FILTERED} if calling else {}


# --- shapes -----------------------------------------------------------------------------------


def _choices(answer: Any) -> list[Any] | None:
    if OpenAIResponseAdapter().matches(answer):
        return list(field_of(answer, "choices"))
    return None


def _calls(answer: Any) -> list[Any]:
    if _is_lc_message(answer):
        legacy = lc_legacy_call(answer)
        return lc_calls(answer) + ([legacy] if legacy is not None else [])
    if _ANTHROPIC.matches(answer):  # its `tool_use` blocks: name, input (a dict)
        return [b for b in field_of(answer, "content") if field_of(b, "type") == "tool_use"]
    if _RESPONSES.matches(answer):
        return [i for i in field_of(answer, "output") if responses_call_field(i)]
    provided = provider_calls(answer)
    if provided is not None:  # Ollama, Cohere, Bedrock, Gemini: each call names itself
        return [holder for holder, _ in provided]
    out: list[Any] = []
    for choice in _choices(answer) or ():
        out.extend(_functions(field_of(choice, "message")))
    return out


def _functions(message: Any) -> list[Any]:
    """The `function` parts of an OpenAI message's calls: each of `tool_calls`, then the
    legacy `function_call` (still sent by older models and SDKs)."""
    out = [field_of(call, "function") for call in items_of(message, "tool_calls")]
    legacy = field_of(message, "function_call")
    return out + ([legacy] if legacy is not None else [])


def _raw_arguments(answer: Any) -> list[Any]:
    if _is_lc_message(answer):
        return lc_arguments(answer)
    if _ANTHROPIC.matches(answer):
        return [field_of(block, "input") for block in _calls(answer)]
    if _RESPONSES.matches(answer):
        return [field_of(item, responses_call_field(item)) for item in _calls(answer)]
    provided = provider_calls(answer)
    if provided is not None:
        return [field_of(holder, key) for holder, key in provided]
    return [field_of(function, "arguments") for function in _calls(answer)]


def _with_arguments(answer: Any, arguments: Sequence[Any]) -> Any:
    """`answer` with each call's arguments replaced by `arguments`, given in the form the
    answer holds them (`written_as`)."""
    if _is_lc_message(answer):
        return lc_with_arguments(answer, arguments)
    if _ANTHROPIC.matches(answer):
        return _anthropic_with_arguments(answer, arguments)
    if _RESPONSES.matches(answer):
        return _responses_with_arguments(answer, arguments)
    if provider_calls(answer) is not None:
        return with_provider_arguments(answer, arguments)
    texts = iter(arguments)
    if not isinstance(answer, Mapping):
        for function in _calls(answer):
            function.arguments = next(texts)
        return answer
    choices = []
    for choice in answer["choices"]:
        message = choice["message"]
        if not _functions(message):
            choices.append(choice)
            continue
        changed = dict(message)
        if message.get("tool_calls"):
            changed["tool_calls"] = [
                {**call, "function": {**call["function"], "arguments": next(texts)}}
                for call in message["tool_calls"]
            ]
        if message.get("function_call") is not None:
            changed["function_call"] = {**message["function_call"], "arguments": next(texts)}
        choices.append({**choice, "message": changed})
    return {**answer, "choices": choices}


def without_call_keys(message: Mapping[str, Any]) -> dict[str, Any]:
    """An OpenAI message (or LangChain's `additional_kwargs`) without its calls."""
    return {k: v for k, v in message.items() if k not in ("tool_calls", "function_call")}


def lc_without_calls(message: Any) -> dict[str, Any]:
    """The update that takes a LangChain message's calls out of every place it keeps them
    (a streamed chunk's `tool_call_chunks` as well: `charter.streamed_calls`)."""
    update: dict[str, Any] = {
        "tool_calls": [],
        "invalid_tool_calls": [],
        "additional_kwargs": without_call_keys(message.additional_kwargs),
    }
    if hasattr(message, "tool_call_chunks"):
        update["tool_call_chunks"] = []
    if isinstance(message.content, list):
        update["content"] = [b for b in message.content if not is_call_block(b)]
    return update


def is_call_block(block: Any) -> bool:
    """A content block that holds a call or a fragment of one (Anthropic's `tool_use`, a
    streamed `input_json_delta` / `partial_json`)."""
    return isinstance(block, Mapping) and (
        block.get("type") in ("tool_use", "tool_call_chunk", "input_json_delta")
        or "partial_json" in block
    )


_ANTHROPIC = AnthropicMessageAdapter()


def _anthropic_with_arguments(message: Any, arguments: Sequence[Any]) -> Any:
    out = copy.deepcopy(message)  # a dict, or an SDK model (pydantic copies deeply too)
    for block, args in zip(_calls(out), arguments, strict=True):
        put_field(block, "input", args)
    return out


def _anthropic_without_calls(message: Any) -> Any:
    """No `tool_use` blocks; a message that stopped to use tools stops as a refusal."""
    reason = {"stop_reason": "refusal"} if field_of(message, "stop_reason") == "tool_use" else {}
    content = [b for b in field_of(message, "content") if kind_of(b) != "tool_use"]
    return updated(message, content=content, **reason)


_RESPONSES = ResponsesAdapter()
_RESPONSES_CALLS = {"function_call": "arguments", "custom_tool_call": "input"}
"""The Responses API's items that an app runs, and the field holding their arguments."""
_RESPONSES_RUN = {*_RESPONSES_CALLS, "computer_call", "local_shell_call", "shell_call"}
"""Items a refusal drops: every call the app would run (a computer or shell action too)."""


def responses_call_field(item: Any) -> str:
    """The field of a Responses API item that holds a call's arguments ("" for an item
    that is no call the app runs with arguments)."""
    return _RESPONSES_CALLS.get(kind_of(item), "")


def _responses_with_arguments(answer: Any, arguments: Sequence[Any]) -> Any:
    out = copy.deepcopy(answer)
    for item, args in zip(_calls(out), arguments, strict=True):
        put_field(item, responses_call_field(item), args)
    return out


def _responses_without_calls(answer: Any) -> Any:
    output = [i for i in field_of(answer, "output") if kind_of(i) not in _RESPONSES_RUN]
    return updated(answer, output=output)


def _is_lc_message(value: Any) -> bool:
    """A LangChain message that can carry tool calls (an `AIMessage`)."""
    return is_lc_message(value) and hasattr(value, "tool_calls")
