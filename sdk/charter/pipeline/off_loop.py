"""The async drivers' steps of the flow, run on a worker thread instead of the event loop.

A step of the flow is everything between two effects: PII detection, the signals, the
policy (a blocking round trip to an OPA server), an approval's submit or consume and an
`audit_mode="sync"` write. On the loop's thread each of them froze every other task of the
loop (found by probing: 10 calls with OPA answering in 0.3 s stalled the loop 7 s; a store
whose write lock another process held 4 s stalled it 4 s; 1,000 calls' checks, 20 s). The
steps run on Charter's own threads (`step_pool`, sized by the `step_threads` setting),
not the loop's default executor, and are sync code that already runs on many threads at once
(sync calls from a thread pool): the embedded engine keeps regorus's thread-bound objects
per thread, the detectors and the classifier lock what they share.

Every step runs in one `contextvars.Context`, the caller's: what one step sets (the call's
span, attached as it opens) is there in the next and where it is undone.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import sys
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from charter.pipeline.step_pool import step_pool
from charter.policy._workers import DaemonWorkers

T = TypeVar("T")
_FOR_A_LOOP: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "charter_for_a_loop", default=False
)


@dataclass(frozen=True, slots=True)
class Stepped:
    """What one step came to: the next effect, the flow's return value (`ended`), or the
    exception it raised (`raised`; never through a future, where StopIteration cannot go)."""

    value: Any = None
    ended: bool = False
    raised: BaseException | None = None

    def unwrapped(self) -> Any:
        if self.raised is not None:
            raise self.raised
        return self.value


async def step(
    caller: contextvars.Context,
    flow: Generator[Any, Any, Any],
    reply: Any,
    failure: BaseException | None,
    threads: int = 0,
) -> Stepped:
    """`flow.send(reply)` (or `flow.throw(failure)`) in `caller`, on a thread of the
    `threads`-sized step pool.

    A step cannot be stopped midway, and the flow cannot be thrown into while it runs: a
    cancellation that comes meanwhile waits for the step to end and is then thrown into the
    flow where it stopped, which records it as one during the effect it had asked for. It
    is raised to the caller afterwards in any case."""
    pool = step_pool(threads)
    running: asyncio.Future[Stepped] = _submit(pool, caller.run, _advance, flow, reply, failure)
    try:
        await asyncio.wait((running,))
        return running.result()
    except asyncio.CancelledError as exc:
        cancelled = exc
    with _shielded():
        await _outlast(running)
        outcome = running.result()
        if not outcome.ended and outcome.raised is None:  # the flow hears of it once
            await _outlast(_submit(pool, caller.run, _advance, flow, None, cancelled))
    raise cancelled


async def close(
    caller: contextvars.Context, flow: Generator[Any, Any, Any], threads: int = 0
) -> None:
    """`flow.close()` in `caller` on a step thread: a stream closed early runs the output
    checks of what was shown and records it (an `audit_mode="sync"` write too); on the loop
    they froze it (found by probing: a 1 s check 1.1 s, a held write lock 3 s). A
    cancellation meanwhile waits for it, as `step`'s, and is raised after. With no loop
    running (a stream garbage-collected after its loop ended) it is closed here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        caller.run(flow.close)
        return
    await _waited(_submit(step_pool(threads), caller.run, flow.close))


async def call(fn: Callable[..., T], *args: Any, threads: int = 0) -> T:
    """`fn(*args)` on a step thread, in a copy of the caller's context, for a task of the
    loop (`charter.aresume` of a sync function: the approval's read and consume, the checks;
    on the loop another connection's write lock froze it 3 s). There `for_a_loop()` is
    true: a coroutine a sync function hands back is refused as on the loop, not run to the
    end on a loop of the thread's own. A cancellation waits for it, as `step`'s."""
    context = contextvars.copy_context()
    context.run(_FOR_A_LOOP.set, True)
    return await _waited(_submit(step_pool(threads), context.run, fn, *args))


def for_a_loop() -> bool:
    """True on a step thread running `call` for a task of an event loop."""
    return _FOR_A_LOOP.get()


async def _waited(running: asyncio.Future[T]) -> T:
    """`running`'s result; a cancellation meanwhile waits for its end, then is raised."""
    try:
        await asyncio.wait((running,))
    except asyncio.CancelledError:
        with _shielded():
            await _outlast(running)
        raise
    return running.result()


def _submit(pool: DaemonWorkers, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    return asyncio.wrap_future(pool.submit(functools.partial(fn, *args)))


async def _outlast(running: asyncio.Future[Any]) -> None:
    """Wait for `running` to end, whatever cancels the task meanwhile (each cancellation
    wakes it once, inside `_shielded` none does)."""
    while not running.done():
        try:
            await asyncio.wait((running,))
        except asyncio.CancelledError:
            continue


def _shielded() -> AbstractContextManager[Any]:
    """Where the rest of a cancelled step is waited for: an anyio cancel scope (Starlette,
    FastAPI: `move_on_after`, a client gone) cancels its task again on every pass of the
    loop until the task leaves it, so each wait woke at once (found by probing: 146,492
    waits, 1.7 s of CPU during a 2 s step). A shielded scope of anyio's keeps them out;
    anyio is used only when the application has imported it (no anyio, no anyio scopes)."""
    anyio = sys.modules.get("anyio")
    if anyio is None:
        return contextlib.nullcontext()
    shield: AbstractContextManager[Any] = anyio.CancelScope(shield=True)
    return shield


def _advance(flow: Generator[Any, Any, Any], reply: Any, failure: BaseException | None) -> Stepped:
    try:
        effect = flow.send(reply) if failure is None else flow.throw(failure)
    except StopIteration as stop:
        return Stepped(stop.value, ended=True)
    except BaseException as exc:  # handed back to the driver's task, raised there
        return Stepped(raised=exc)
    return Stepped(effect)
