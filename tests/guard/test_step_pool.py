"""The async drivers' steps run on Charter's own long-lived threads, not the loop's default
executor (found by probing: six sync tool calls held for approval through `to_thread` kept
an unrelated awaited call waiting 7.9 s; each `asyncio.run` had new threads that each built
their own policy evaluator). No durations are asserted: the default executor is held until
the call has finished, or until it could only have finished by getting a thread there."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from charter.config import DEFAULT_POLICIES
from charter.signals import CallableSignal, SignalSet
from charter.testing import make_charter
from tests.guard.test_async_off_loop import ANSWER, PATIENCE_S, _guarded

PROMPT = "What are your opening hours?"
PREFIX = "charter-step"
"""The step threads' names begin so (`charter.pipeline.step_pool.PREFIX`)."""


class Where:
    """A signal that notes the thread each check runs on."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def score(self, _text: str) -> float:
        self.threads.append(threading.current_thread())
        return 0.0

    def signals(self) -> SignalSet:
        return SignalSet([CallableSignal("where", self.score)])


def test_a_busy_default_executor_does_not_hold_up_an_awaited_call(tmp_path: Path) -> None:
    """Every thread of the loop's default executor is busy (sync work sent there with
    `to_thread`, here until the call is done): the call's steps still run."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=SignalSet([]))
    answer = _guarded(charter)
    release = threading.Event()
    giving_up = threading.Timer(PATIENCE_S, release.set)

    async def main() -> tuple[str, bool]:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(1))
        occupied = threading.Event()

        def busy() -> None:
            occupied.set()
            release.wait()

        held = asyncio.ensure_future(asyncio.to_thread(busy))
        while not occupied.is_set():
            await asyncio.sleep(0)
        result = await answer(PROMPT)
        before_release = not release.is_set()
        release.set()
        await held
        return result, before_release

    giving_up.start()
    try:
        assert asyncio.run(main()) == (ANSWER, True)
    finally:
        giving_up.cancel()
        release.set()
        charter.close()


def test_successive_event_loops_run_the_steps_on_the_same_thread(tmp_path: Path) -> None:
    """One job per `asyncio.run` (a Celery task, a script): the steps of every job run on
    the same long-lived thread, whose policy evaluator is built once."""
    where = Where()
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=where.signals(), step_threads=1)
    answer = _guarded(charter)
    try:
        for _ in range(3):
            assert asyncio.run(answer(PROMPT)) == ANSWER
    finally:
        charter.close()
    assert len({id(thread) for thread in where.threads}) == 1
    assert where.threads[0].name.startswith(PREFIX) and where.threads[0].daemon


def test_a_forked_child_gets_threads_of_its_own(tmp_path: Path) -> None:
    """The parent's step threads are not in a forked child (a gunicorn/Celery worker): the
    child's calls run on threads it starts, instead of waiting for ones that are gone."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=SignalSet([]), step_threads=1)
    answer = _guarded(charter)
    try:
        assert asyncio.run(answer(PROMPT)) == ANSWER  # the parent's pool has its one thread
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            ok = asyncio.run(answer(PROMPT)) == ANSWER
            os._exit(0 if ok else 1)
        status = _wait_for(pid)
    finally:
        charter.close()
    assert status == 0


def _wait_for(pid: int) -> int | None:
    """The child's exit code; None (and the child killed) if it is still stuck after
    `PATIENCE_S` (polled: a stuck child must not hang the suite)."""
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None
