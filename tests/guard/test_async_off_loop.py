"""An awaited guarded call never holds up the event loop while its checks run: the checks,
a policy round trip to OPA and the store's writes run on a worker thread (found by
probing: 10 calls with OPA answering in 0.3 s froze the loop 7 s, another process holding
the SQLite write lock froze it as long, 1,000 calls' checks 20 s).

No durations are asserted: each test holds a check, OPA's answer or the store's write lock
until the loop has shown it runs, or until the call could only have finished by running on
the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from charter.audit.reader import iter_records
from charter.config import DEFAULT_POLICIES
from charter.errors import ApprovalPending
from charter.guard import Charter
from charter.policy.embedded import EmbeddedEngine
from charter.policy.opa import OpaServerEngine
from charter.reports import reports
from charter.signals import CallableSignal, SignalSet
from charter.testing import make_charter
from tests.policy.opa_server import serve_opa

ANSWER = "Our opening hours are nine to five."
PATIENCE_S = 30.0
"""How long a held part waits for the loop before giving up (reached only when it failed)."""


class Reached:
    """A signal that says when a call's checks have begun (on whatever thread runs them),
    and, when `hold` is set, holds them until the loop has run a task meanwhile."""

    def __init__(self, *, hold: bool = False) -> None:
        self.begun = threading.Event()
        self.loop_ran = threading.Event()
        self.hold = hold
        self.saw_the_loop: list[bool] = []

    def score(self, _text: str) -> float:
        self.begun.set()
        if self.hold:
            self.saw_the_loop.append(self.loop_ran.wait(PATIENCE_S))
        return 0.0

    def signals(self) -> SignalSet:
        return SignalSet([CallableSignal("reached", self.score)])


async def _ticks_while(call: asyncio.Task[Any]) -> int:
    """Yields to the loop a few times; the ticks counted while `call` is still running."""
    ticks = 0
    for _ in range(3):
        await asyncio.sleep(0)
        ticks += 0 if call.done() else 1
    return ticks


def _guarded(charter: Charter) -> Callable[[str], Awaitable[str]]:
    @charter.guard(model="gpt-4o-mini", provider="openai")
    async def answer(prompt: str) -> str:
        return ANSWER

    return answer


def test_the_loop_runs_while_a_calls_checks_do(tmp_path: Path) -> None:
    """A check that takes its time (the classifier, PII detection) no longer freezes the
    loop: on the loop's thread the signal waited in vain for the loop to run a task."""
    reached = Reached(hold=True)
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=reached.signals())
    answer = _guarded(charter)

    async def main() -> str:
        call = asyncio.ensure_future(answer("What are your opening hours?"))
        await asyncio.to_thread(reached.begun.wait, PATIENCE_S)
        reached.loop_ran.set()  # a task of the loop ran while the check was under way
        return await call

    try:
        assert asyncio.run(main()) == ANSWER
    finally:
        charter.close()
    assert reached.saw_the_loop and all(reached.saw_the_loop)


def test_the_loop_runs_while_opa_holds_its_answer(tmp_path: Path) -> None:
    """With an OPA server as the engine each evaluation was a blocking HTTP round trip on
    the loop: the call finished (OPA answered, or the deadline denied) before any other
    task ran. Now the loop runs while OPA keeps the answer, and the call is allowed once
    OPA gives it."""
    gate, asked = threading.Event(), threading.Event()

    def slow_opa(opa: Any) -> None:
        asked.set()
        gate.wait(PATIENCE_S)

    with serve_opa(EmbeddedEngine(DEFAULT_POLICIES)) as (url, opa):
        opa.before_answer = slow_opa
        engine = OpaServerEngine(url, timeout_s=PATIENCE_S)
        store = f"sqlite:///{tmp_path / 'charter.db'}"
        charter = Charter(
            policies=str(DEFAULT_POLICIES),
            store_url=store,
            telemetry=False,
            engine=engine,
            signals=SignalSet([]),
        )
        answer = _guarded(charter)

        async def main() -> tuple[int, str]:
            call = asyncio.ensure_future(answer("What are your opening hours?"))
            await asyncio.to_thread(asked.wait, PATIENCE_S)
            ticks = await _ticks_while(call)
            gate.set()
            return ticks, await call

        try:
            ticks, result = asyncio.run(main())
        finally:
            gate.set()
            charter.close()
    assert (ticks, result) == (3, ANSWER)


@pytest.mark.parametrize("held_by", ["approval submit", "sync audit write"])
def test_the_loop_runs_while_another_connection_holds_the_store_write_lock(
    tmp_path: Path, held_by: str
) -> None:
    """An approval's submit and an `audit_mode="sync"` write wait for SQLite's write lock
    (another process, a reviewer's CLI, holds it): on the loop they froze every task until
    the lock was let go or the wait gave up. Now the loop runs meanwhile and the call goes
    on once the lock is free."""
    reached = Reached()
    audit = {"audit": True, "audit_mode": "sync"} if held_by == "sync audit write" else {}
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=reached.signals(), **audit)
    assert charter.queue and charter.audit  # the tables exist before the lock is taken

    @charter.guard.tool
    async def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    holder = sqlite3.connect(tmp_path / "charter.db", isolation_level=None)

    async def main() -> tuple[int, Any]:
        holder.execute("BEGIN IMMEDIATE")
        amount = 900.0 if held_by == "approval submit" else 10.0
        call = asyncio.ensure_future(issue_refund("A-7", amount))
        await asyncio.to_thread(reached.begun.wait, PATIENCE_S)
        ticks = await _ticks_while(call)  # the call's write waits for the lock meanwhile
        holder.execute("ROLLBACK")
        try:
            return ticks, await call
        except ApprovalPending as pending:
            return ticks, pending

    try:
        ticks, outcome = asyncio.run(main())
    finally:
        holder.close()
        charter.close()
    assert ticks == 3
    if held_by == "approval submit":
        assert isinstance(outcome, ApprovalPending)
        assert charter.queue.get(outcome.ticket).action["tool"]["name"] == "issue_refund"
    else:
        assert outcome == "refunded"


def test_a_call_cancelled_during_its_checks_ends_and_is_reported(tmp_path: Path) -> None:
    """A step on its worker thread cannot be stopped midway: the cancellation waits for it,
    is then thrown into the flow where it stopped (at the call it asked for, which never
    runs), the call ends (its report goes out) and the caller is cancelled."""
    reached = Reached(hold=True)
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=reached.signals())
    ran: list[str] = []

    @charter.guard(model="gpt-4o-mini", provider="openai")
    async def answer(prompt: str) -> str:
        ran.append(prompt)
        return ANSWER

    async def main() -> int:
        with reports() as sink:
            call = asyncio.ensure_future(answer("What are your opening hours?"))
            await asyncio.to_thread(reached.begun.wait, PATIENCE_S)
            call.cancel()
            await asyncio.sleep(0)
            reached.loop_ran.set()
            with pytest.raises(asyncio.CancelledError):
                await call
            return len(sink)

    try:
        published = asyncio.run(main())
    finally:
        charter.close()
    assert (published, ran) == (1, [])


LOOP_PASSES = 200
"""How many passes of the loop a held step lasts in the anyio test."""


def test_an_anyio_cancellation_is_waited_out_without_spinning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """anyio's cancel scopes (Starlette, FastAPI: `move_on_after`, a client gone) cancel
    their task again on every pass of the loop: each cancellation woke the wait for the step
    at once and it waited again, one wait per pass (found by probing: 146,492 waits and
    1.7 s of CPU in a 2 s step). The step is held for 200 passes of the loop; the call now
    waits three times (the cancelled wait, the rest of the step, the cancellation thrown
    into the flow), is reported once and ends cancelled."""
    anyio = pytest.importorskip("anyio")
    reached = Reached(hold=True)
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=reached.signals())
    ran: list[str] = []

    @charter.guard(model="gpt-4o-mini", provider="openai")
    async def answer(prompt: str) -> str:
        ran.append(prompt)
        return ANSWER

    waits = 0
    real_wait = asyncio.wait

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal waits
        waits += 1
        return await real_wait(*args, **kwargs)

    async def passes() -> None:
        await asyncio.to_thread(reached.begun.wait, PATIENCE_S)
        for _ in range(LOOP_PASSES):
            await asyncio.sleep(0)
        reached.loop_ran.set()

    async def main() -> tuple[bool, int]:
        with reports() as sink:
            passing = asyncio.ensure_future(passes())
            with anyio.move_on_after(0) as scope:  # cancelled at its first wait: the step's
                await answer("What are your opening hours?")
            await passing
            return scope.cancelled_caught, len(sink)

    monkeypatch.setattr(asyncio, "wait", counted)
    try:
        outcome = asyncio.run(main())
    finally:
        reached.loop_ran.set()
        charter.close()
    assert (outcome, waits, ran) == ((True, 1), 3, [])


def _streamed(charter: Charter) -> Callable[[str], AsyncIterator[str]]:
    @charter.guard(model="gpt-4o-mini", provider="openai")
    async def stream(prompt: str) -> AsyncIterator[str]:
        for _ in range(50):
            yield "Our branch opening hours are listed on the website. "

    return stream


def _stages(tmp_path: Path) -> list[tuple[str, str]]:
    records = iter_records(f"sqlite:///{tmp_path / 'charter.db'}")
    return [(r.input["stage"], r.labels.get("stream", "")) for r in records]


def test_the_loop_runs_while_an_early_closed_stream_waits_for_the_store(tmp_path: Path) -> None:
    """A stream closed early (`aclose()`, a client gone) checks what was shown and records
    it; with `audit_mode="sync"` and the write lock held by another connection, that close
    froze the loop until the lock went (found by probing: 3 s). Now the loop runs meanwhile
    and the close is recorded once the lock is free."""
    charter = make_charter(
        DEFAULT_POLICIES, tmp_path, signals=SignalSet([]), audit=True, audit_mode="sync"
    )
    assert charter.queue and charter.audit  # the tables exist before the lock is taken
    stream = _streamed(charter)
    holder = sqlite3.connect(tmp_path / "charter.db", isolation_level=None)

    async def main() -> int:
        chunks = stream("What are your opening hours?")
        async for _ in chunks:
            break  # one chunk shown, then the reader stops
        holder.execute("BEGIN IMMEDIATE")
        closing = asyncio.ensure_future(chunks.aclose())  # type: ignore[attr-defined]
        ticks = await _ticks_while(closing)
        holder.execute("ROLLBACK")
        await closing
        return ticks

    try:
        ticks = asyncio.run(main())
    finally:
        holder.close()
        charter.close()
    assert (ticks, _stages(tmp_path)) == (3, [("input", ""), ("output", "closed_early")])


def test_a_stream_left_open_is_closed_and_recorded_as_its_loop_ends(tmp_path: Path) -> None:
    """A stream its reader left open is closed by `asyncio.run` as the loop shuts down
    (`shutdown_asyncgens`): its close, now on a step thread, is recorded and reports no
    error ("Event loop is closed")."""
    charter = make_charter(
        DEFAULT_POLICIES, tmp_path, signals=SignalSet([]), audit=True, audit_mode="sync"
    )
    stream = _streamed(charter)
    errors: list[dict[str, Any]] = []
    left_open: list[Any] = []  # kept alive: closed by the loop's shutdown, not collected

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
        chunks = stream("What are your opening hours?")
        left_open.append(chunks)
        async for _ in chunks:
            break

    try:
        asyncio.run(main())
    finally:
        charter.close()
    assert (errors, _stages(tmp_path)) == ([], [("input", ""), ("output", "closed_early")])


def test_the_loop_runs_while_aresume_of_a_sync_tool_waits_for_the_store(tmp_path: Path) -> None:
    """`await charter.aresume(ticket)` of a sync tool read and consumed the approval (and
    ran the tool's checks) on the loop: with the write lock held by another connection the
    loop froze until it went (found by probing: 3 s). Now the loop runs meanwhile and the
    approved call runs once the lock is free."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=SignalSet([]))

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    with pytest.raises(ApprovalPending) as held:
        issue_refund("A-7", 900.0)
    charter.queue.approve(held.value.ticket, "alice", reason="checked the order")
    holder = sqlite3.connect(tmp_path / "charter.db", isolation_level=None)

    async def main() -> tuple[int, Any]:
        holder.execute("BEGIN IMMEDIATE")
        resuming = asyncio.ensure_future(charter.aresume(held.value.ticket))
        ticks = await _ticks_while(resuming)
        holder.execute("ROLLBACK")
        return ticks, await resuming

    try:
        outcome = asyncio.run(main())
    finally:
        holder.close()
        charter.close()
    assert outcome == (3, "refunded")
