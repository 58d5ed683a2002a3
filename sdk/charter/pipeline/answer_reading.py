"""What the output stage reads of a complete answer, or why it cannot read it.

A value not in the shape its adapter reads is denied unchecked
(`pipeline.verdicts.unreadable`). A coroutine or a stream that a whole call hands back is
a mistake in how the function is guarded, refused before any check
(`refuse_deferred`): read whole, a stream was `str(stream)`, which holds no text, and its
chunks reached the application unchecked. A stream object that only iterates (boto3's
`EventStream`), a dict holding one (Bedrock's `converse_stream` answer) and the SDKs'
stream managers (context managers that open a stream) count too.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from charter.adapters import Adapter, adapter_for
from charter.chunks import BYTES, bytes_refused
from charter.errors import ConfigurationError
from charter.pieces import as_one_text
from charter.pipeline.parts import CallSpec
from charter.reasoning import reasoning_texts
from charter.structured import STRUCTURED
from charter.tool_calls import tool_arguments

_NOT_STREAMS = (str, bytes, bytearray, Mapping, list, tuple, set, frozenset, BaseModel)
_STREAM_METHODS = ("__next__", "__anext__", "__iter__", "__aiter__", "__enter__", "__aenter__")
"""An iterator, an iterable, or a context manager that opens one: the SDKs' stream helpers
(`client.messages.stream(...)`, `client.responses.stream(...)`) are the last."""


class UnreadAnswer(Exception):
    """The answer cannot be read; the message says why (never a value from it)."""


@dataclass(frozen=True)
class ReadAnswer:
    adapter: Adapter | None
    texts: list[str]
    thought: list[str]
    arguments: list[Any]


def read_answer(answer: Any) -> ReadAnswer:
    """The answer's texts, its reasoning's and its calls' arguments (`UnreadAnswer` if none
    can be read)."""
    if isinstance(answer, BYTES):
        raise ConfigurationError(bytes_refused("an answer"))
    known = adapter_for(answer)
    adapter = known or (STRUCTURED if STRUCTURED.matches(answer) else None)
    try:
        adapter = as_one_text(adapter) if adapter is not None else None
        texts = adapter.texts(answer) if adapter is not None else [str(answer)]
        thought = reasoning_texts(answer) if known is not None else []  # `reasoning`
        arguments = tool_arguments(answer) if known is not None else []
        if not all(isinstance(t, str) for t in (*texts, *thought)):
            raise TypeError("a text that is not a string")
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        # Not the shape its adapter reads: the class name only (a message may quote a value)
        raise UnreadAnswer(
            f"the answer ({type(answer).__name__}) is malformed: {type(exc).__name__}"
        ) from None
    return ReadAnswer(adapter, texts, thought, arguments)


def refuse_deferred(spec: CallSpec, result: Any) -> None:
    """Raise `ConfigurationError` when a whole call handed back a coroutine or a stream,
    closing it (a coroutine has not run; a stream holds a connection open)."""
    if inspect.isawaitable(result):
        what, fix, pending = "a coroutine", "declare it `async def` (or await inside it)", [result]
    else:
        pending = streams_in(result)
        if not pending:
            return
        if pending[0] is not result:
            what = f"a {type(result).__name__} holding a stream"
        elif isinstance(result, Iterator | AsyncIterator):
            what = "an iterator"
        else:
            what = "a stream"
        fix = (
            "return a list"
            if spec.kind == "tool"
            else "write it as a generator, or call it with stream=True (an SDK's stream is "
            "then checked as it comes)"
        )
    for item in pending:
        closing = getattr(item, "close", None)
        if callable(closing) and not inspect.iscoroutinefunction(closing):
            closing()
    raise ConfigurationError(
        f"{spec.function} returned {what}, which would reach the caller without the "
        f"output checks: {fix}, so the guard checks what comes back"
    )


def streams_in(result: Any) -> list[Any]:
    """`result` if it is an iterator or a stream object, or the ones a mapping holds at its
    top level."""
    if isinstance(result, Mapping):
        return [value for value in result.values() if is_stream(value)]
    return [result] if is_stream(result) else []


def is_stream(value: Any) -> bool:
    if isinstance(value, _NOT_STREAMS) or value is None:
        return False
    kind = type(value)
    return any(hasattr(kind, name) for name in _STREAM_METHODS)
