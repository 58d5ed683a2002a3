"""LangChain streams that run as the caller that called `stream()` / `astream()`.

LangChain's `stream` and `astream` are generator functions: nothing of them runs until the
stream is first read, so the guard inside ran as whoever read it (found by probing: alice's
stream read in bob's block put her address in bob's vault scope, recorded her prompt as
bob's and let bob's next turn restore it). `@guard`'s own streams take the caller's context
when called (`charter.pipeline.drivers`); the guarded model and runnable do the same one
level up, so LangChain's callbacks and the guard's flow both run in the caller's context.
What LangChain builds around them (`prompt | model`, `model.bind_tools(...)`) still starts
its stream where it is first read, and so runs the guard there.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from charter.pipeline.drivers import in_context

T = TypeVar("T")
_END: Any = object()


def caller_stream(make: Callable[[], Iterator[T]]) -> Iterator[T]:
    """The stream `make()` opens, each step of it run in the context of this call."""
    caller = contextvars.copy_context()
    return _steps(caller.run(make), caller)


def caller_astream(make: Callable[[], AsyncIterator[T]]) -> AsyncIterator[T]:
    """`caller_stream` for `async for`; each step awaited in the caller's context."""
    caller = contextvars.copy_context()
    return _asteps(caller.run(make), caller)


def _steps(chunks: Iterator[T], caller: contextvars.Context) -> Iterator[T]:
    try:
        while True:
            chunk = caller.run(next, chunks, _END)
            if chunk is _END:
                return
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # a reader that stopped early ends the call in its context
            caller.run(close)


async def _asteps(chunks: AsyncIterator[T], caller: contextvars.Context) -> AsyncIterator[T]:
    try:
        while True:
            chunk = await in_context(caller, _next(chunks))
            if chunk is _END:
                return
            yield chunk
    finally:
        await in_context(caller, _aclose(chunks))


async def _next(chunks: AsyncIterator[T]) -> T:
    return await anext(chunks, _END)


async def _aclose(chunks: AsyncIterator[T]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()
