"""Waiting for a decision: block (sync and async), time out keeping the request queued,
wake on a decision made in this process (signal) or in another one (polling)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from charter.approvals import ApprovalState, notify
from charter.approvals.queue import ApprovalQueue
from charter.errors import ApprovalTimeout, ConfigurationError
from tests.approvals.helpers import directory, submit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_queue(store_url: str) -> Iterator[ApprovalQueue]:
    """A queue on the real clock (these tests are about time passing)."""
    with ApprovalQueue(store_url, directory=directory()) as queue:
        yield queue


@contextlib.contextmanager
def _approved_from_another_thread(queue: ApprovalQueue, ticket: str) -> Iterator[None]:
    """Approve shortly after the block starts waiting (the sleep only orders the two; no
    assertion depends on how long anything takes)."""

    def approve() -> None:
        time.sleep(0.1)
        queue.approve(ticket, "alice")

    worker = threading.Thread(target=approve)
    worker.start()
    try:
        yield
    finally:
        worker.join()


def test_wait_returns_at_once_when_already_decided(live_queue: ApprovalQueue) -> None:
    ticket = submit(live_queue).id
    live_queue.reject(ticket, "alice", "no")
    assert live_queue.wait(ticket, timeout_s=0.01).state is ApprovalState.REJECTED


def test_wait_times_out_and_the_request_stays_queued(live_queue: ApprovalQueue) -> None:
    ticket = submit(live_queue).id
    with pytest.raises(ApprovalTimeout, match=rf"still pending.*charter\.resume\('{ticket}'\)"):
        live_queue.wait(ticket, timeout_s=0.2)
    assert live_queue.get(ticket).state is ApprovalState.PENDING
    live_queue.approve(ticket, "alice")
    assert live_queue.wait(ticket, timeout_s=5).state is ApprovalState.APPROVED


def test_wait_wakes_when_another_thread_decides(live_queue: ApprovalQueue) -> None:
    ticket = submit(live_queue).id
    with _approved_from_another_thread(live_queue, ticket):
        assert live_queue.wait(ticket, timeout_s=30).state is ApprovalState.APPROVED


def test_wait_sees_a_decision_made_by_another_process(
    live_queue: ApprovalQueue, store_url: str
) -> None:
    ticket = submit(live_queue).id
    other = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.approvals.approval_workers",
            "approve",
            store_url,
            ticket,
            "erin",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert live_queue.wait(ticket, timeout_s=60).state is ApprovalState.APPROVED
    finally:
        out, _ = other.communicate(timeout=60)
    assert other.returncode == 0 and out.strip() == "approved"
    assert live_queue.get(ticket).votes[0].reviewer == "erin"


def test_wait_returns_the_expired_request_when_its_deadline_passes(
    live_queue: ApprovalQueue,
) -> None:
    ticket = submit(live_queue, timeout_s=0.3).id
    request = live_queue.wait(ticket, timeout_s=30)
    assert request.state is ApprovalState.EXPIRED
    assert request.transitions[-1].by == "charter"


BAD_TIMEOUTS = {
    "nan": float("nan"),
    "inf": float("inf"),
    "negative": -1,
    "str": "2",
    "bool": True,
    "None": None,
    "huge int": 10**5000,
    "over a year": 400 * 86_400,
}
"""Found by probing: NaN made a deadline that never passed (a wait until the request
expired), "2" raised TypeError, 10**5000 OverflowError, -1 timed out at once."""


@pytest.mark.parametrize("timeout_s", BAD_TIMEOUTS.values(), ids=BAD_TIMEOUTS)
async def test_a_wait_that_is_no_number_of_seconds_is_refused_before_it_starts(
    live_queue: ApprovalQueue, timeout_s: Any
) -> None:
    ticket = submit(live_queue).id
    live_queue.reject(ticket, "alice", "no")  # decided: main returned it, NaN and all
    for wait in (live_queue.wait, live_queue.wait_async):
        with pytest.raises(ConfigurationError, match=r"\.wait(_async)?\(timeout_s=\.\.\.\)") as e:
            result = wait(ticket, timeout_s)
            await result if asyncio.iscoroutine(result) else None
        assert type(timeout_s).__name__ in str(e.value)
    assert live_queue.wait(ticket, 0).state is ApprovalState.REJECTED  # 0: look once


async def test_wait_async_wakes_on_a_decision(live_queue: ApprovalQueue) -> None:
    ticket = submit(live_queue).id
    with _approved_from_another_thread(live_queue, ticket):
        request = await live_queue.wait_async(ticket, timeout_s=30)
    assert request.state is ApprovalState.APPROVED


async def test_wait_async_times_out_without_blocking_the_loop(live_queue: ApprovalQueue) -> None:
    ticket = submit(live_queue).id
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    with pytest.raises(ApprovalTimeout):
        await live_queue.wait_async(ticket, timeout_s=0.3)
    beat.cancel()
    assert ticks > 0  # a blocking wait would not let the heartbeat run at all
    assert live_queue.get(ticket).state is ApprovalState.PENDING


async def test_wait_async_reads_on_charters_threads_not_the_default_executor(
    live_queue: ApprovalQueue,
) -> None:
    """With the loop's default executor busy (`asyncio.to_thread` work of the app's own), a
    decided request was seen only when that work ended: the wait read the store there
    (found by probing: an approval at +0.5 s returned at +8 s). Here the executor is held
    until the wait has returned; on it, the wait could not return at all."""
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=2)
    loop.set_default_executor(executor)
    release = threading.Event()
    busy = [asyncio.to_thread(release.wait) for _ in range(2)]
    held = asyncio.gather(*busy)
    ticket = submit(live_queue).id
    try:
        with _approved_from_another_thread(live_queue, ticket):
            request = await asyncio.wait_for(live_queue.wait_async(ticket, 60), timeout=30)
        assert request.state is ApprovalState.APPROVED
        assert not held.done()  # the executor was busy throughout
    finally:
        release.set()
        await held
        executor.shutdown()


def test_a_change_wakes_only_the_waiters_of_that_request(
    live_queue: ApprovalQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every committed change woke every waiter, and each read its request again (100
    waiters and 50 unrelated rejections: 1,834 reads). Polling is stretched out of the way
    here, so each read the waiter makes is one a signal caused."""
    monkeypatch.setattr(notify, "FIRST_POLL_S", 60.0)
    monkeypatch.setattr(notify, "MAX_POLL_S", 60.0)
    ticket = submit(live_queue).id
    others = [submit(live_queue).id for _ in range(5)]
    reads: list[str] = []
    first_read = threading.Event()
    current = live_queue._waiter._current

    def counted(request_id: str) -> Any:
        reads.append(request_id)
        first_read.set()
        return current(request_id)

    monkeypatch.setattr(live_queue._waiter, "_current", counted)
    got: list[ApprovalState] = []
    waiter = threading.Thread(target=lambda: got.append(live_queue.wait(ticket, 120).state))
    waiter.start()
    assert first_read.wait(30)
    for other in others:
        live_queue.reject(other, "alice", "not this one")
    live_queue.approve(ticket, "alice")
    waiter.join(60)
    assert got == [ApprovalState.APPROVED]
    assert reads == [ticket, ticket]  # the first look, and the one its approval caused
