"""Thin drivers around the flow: each performs the effects the flow yields, in its mode.

They differ only where the mode does: `run_sync` calls, `run_async` awaits, the stream
drivers hand `Emit`ted values to their caller, `run_resumed` runs a coroutine function to
completion; the async drivers run the flow's steps (the checks, the policy, the store's
writes) on a worker thread, never on the event loop (`charter.pipeline.off_loop`). An
exception from the wrapped function is thrown back into the flow, so the flow records it
exactly as in every other mode. A stream driver closes the stream it is
reading when the flow calls the function again (a revision replaces the draft).

A stream is often read after the call that made it returned, elsewhere (a web framework's
streaming response after the `charter.context` block; another task or thread), so the
stream drivers run the flow's steps in the context captured when the guarded function was
called (`contextvars.copy_context()`): the user, the conversation, the `reports()` block and
the parent span are the caller's, never the reader's, and the call's span is attached only
inside that context.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator, Iterator
from typing import Any, TypeVar

from charter._open_streams import track
from charter.pipeline import off_loop
from charter.pipeline.effects import END, AwaitApproval, Effect, Emit, Invoke, Pull
from charter.pipeline.flow import Flow
from charter.pipeline.parts import Parts

T = TypeVar("T")


def run_sync(flow: Flow, fn: Callable[..., Any], parts: Parts) -> Any:
    reply: Any = None
    failure: BaseException | None = None
    while True:
        try:
            effect = flow.send(reply) if failure is None else flow.throw(failure)
        except StopIteration as stop:
            return stop.value
        reply, failure = None, None
        try:
            reply = _perform(effect, fn, parts)
        except BaseException as exc:  # back into the flow, which records and re-raises
            failure = exc


async def run_async(flow: Flow, fn: Callable[..., Any], parts: Parts) -> Any:
    """The flow's steps on a worker thread, never on the event loop (`off_loop`), in one
    copy of the caller's context; the function is awaited on the loop, in that context."""
    caller = contextvars.copy_context()
    reply: Any = None
    failure: BaseException | None = None
    while True:
        outcome = await off_loop.step(caller, flow, reply, failure, parts.settings.step_threads)
        if outcome.ended:
            return outcome.value
        effect = outcome.unwrapped()
        reply, failure = None, None
        try:
            reply = await in_context(caller, _aperform(effect, fn, parts))
        except BaseException as exc:
            failure = exc


def run_stream(
    flow: Flow, fn: Callable[..., Any], parts: Parts, caller: contextvars.Context
) -> Iterator[Any]:
    """`caller`: the context the guarded function was called in (see the module's doc).
    Tracked (`charter._open_streams`): one still open at exit is closed, and recorded,
    before the decision log closes."""
    return track(_stream(flow, fn, parts, caller))


def _stream(
    flow: Flow, fn: Callable[..., Any], parts: Parts, caller: contextvars.Context
) -> Generator[Any, None, None]:
    reply: Any = None
    failure: BaseException | None = None
    source: Any = None
    step = caller.run
    try:
        while True:
            try:
                effect = step(flow.send, reply) if failure is None else step(flow.throw, failure)
            except StopIteration:
                return
            reply, failure = None, None
            if isinstance(effect, Emit):
                yield effect.value
                continue
            try:
                if isinstance(effect, Invoke):
                    step(_close, source)
                    source = None
                reply = step(_perform, effect, fn, parts)  # the model's client: in the call
                if isinstance(effect, Invoke):  # a generator, or a stream object an SDK made
                    source = reply
                    reply = reply if hasattr(type(reply), "__next__") else iter(reply)
            except BaseException as exc:
                failure = exc
    finally:
        step(flow.close)  # a consumer that stopped early ends the call's span here
        step(_close, source)


async def run_async_stream(
    flow: Flow, fn: Callable[..., Any], parts: Parts, caller: contextvars.Context
) -> AsyncGenerator[Any, None]:
    """`run_stream` with `await`; the flow's steps run in `caller` as there, on a worker
    thread as `run_async`'s."""
    reply: Any = None
    failure: BaseException | None = None
    source: Any = None
    try:
        while True:
            outcome = await off_loop.step(caller, flow, reply, failure, parts.settings.step_threads)
            if outcome.ended:
                return
            effect = outcome.unwrapped()
            reply, failure = None, None
            if isinstance(effect, Emit):
                yield effect.value
                continue
            try:
                if isinstance(effect, Invoke):
                    await in_context(caller, _aclose(source))
                    source = None
                reply = await in_context(caller, _aperform(effect, fn, parts))
                if isinstance(effect, Invoke):  # the stream a call hands back, awaited first
                    source = reply
                    reply = reply if hasattr(type(reply), "__anext__") else aiter(reply)
            except BaseException as exc:
                failure = exc
    finally:
        try:
            await off_loop.close(caller, flow, parts.settings.step_threads)
        finally:
            await in_context(caller, _aclose(source))


def run_resumed(flow: Flow, fn: Callable[..., Any], parts: Parts) -> Any:
    """`charter.resume`: synchronous, even for a coroutine function, run to completion
    here (inside a running event loop `charter.aresume` awaits it instead; a coroutine
    that reaches the flow unawaited is refused there, never handed back unchecked)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if asyncio.iscoroutine(result) and not in_event_loop():
            return asyncio.run(result)
        return result

    return run_sync(flow, call, parts)


def _perform(effect: Effect, fn: Callable[..., Any], parts: Parts) -> Any:
    if isinstance(effect, Invoke):
        return fn(*effect.args, **effect.kwargs)
    if isinstance(effect, Pull):
        return next(effect.source, END)
    if isinstance(effect, AwaitApproval):
        return parts.queue.wait(effect.request_id, effect.timeout_s)
    raise TypeError(f"this driver cannot perform {effect!r}")


async def _aperform(effect: Effect, fn: Callable[..., Any], parts: Parts) -> Any:
    if isinstance(effect, Invoke):  # awaited; a sync wrapper of a coroutine function too
        result = fn(*effect.args, **effect.kwargs)
        return await result if inspect.isawaitable(result) else result
    if isinstance(effect, Pull):
        return await anext(effect.source, END)
    if isinstance(effect, AwaitApproval):
        return await parts.queue.wait_async(effect.request_id, effect.timeout_s)
    raise TypeError(f"this driver cannot perform {effect!r}")


async def in_context(caller: contextvars.Context, step: Coroutine[Any, Any, T]) -> T:
    """Await `step` in `caller` (an `await` cannot run inside `Context.run`): as a task of
    its own in that context, so the model's client sees the caller's context variables
    and none of the reader's. Cancelling the reader cancels it."""
    return await asyncio.get_running_loop().create_task(step, context=caller)


def _close(source: Any) -> None:
    close = getattr(source, "close", None)
    if close is not None:
        close()


async def _aclose(source: Any) -> None:
    aclose = getattr(source, "aclose", None)
    if aclose is not None:
        await aclose()


def in_event_loop() -> bool:
    """An event loop runs here, or this step thread works for one (`off_loop.call`)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return off_loop.for_a_loop()
    return True


class CheckedStream:
    """The checked chunks of a stream that a whole call hands back (an SDK's
    `create(stream=True)`): iterated, or used as a context manager, as the SDKs' own."""

    def __init__(self, chunks: Iterator[Any]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[Any]:
        return self._chunks

    def __next__(self) -> Any:
        return next(self._chunks)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> CheckedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CheckedAsyncStream:
    """`CheckedStream` for `await client.create(stream=True)`."""

    def __init__(self, chunks: AsyncGenerator[Any, None]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> AsyncGenerator[Any, None]:
        return self._chunks

    async def __anext__(self) -> Any:
        return await anext(self._chunks)

    async def aclose(self) -> None:
        await self._chunks.aclose()

    async def __aenter__(self) -> CheckedAsyncStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
