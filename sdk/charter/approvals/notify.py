"""Who hears of approval requests: callbacks when one is queued (Slack, e-mail, ...), and
callers waiting for a decision. Waiters wake on the in-process change signal of their own
request at once and poll with backoff for changes other processes make."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from charter._bounds import ONE_YEAR_S, real_number
from charter._shown import a_kind
from charter.approvals._signal import CHANGES, AsyncWatch, Watch
from charter.approvals.models import ApprovalRequest, ApprovalState
from charter.errors import ApprovalTimeout, ConfigurationError

logger = logging.getLogger("charter.approvals")

SubmitCallback = Callable[[ApprovalRequest], None]
FIRST_POLL_S = 0.02
MAX_POLL_S = 0.5


def wait_seconds(value: object, caller: str) -> float:
    """`timeout_s` of a wait, checked where it is given: a number of seconds from 0 to a
    year. Found by probing: NaN made a deadline that never passed (`resume` waited until
    the request expired, an hour), a str failed inside with `TypeError` and 10**5000 with
    `OverflowError`. The value itself is never quoted, only its type."""
    seconds = real_number(value)
    if seconds is None or not 0 <= seconds <= ONE_YEAR_S:  # NaN fails both
        raise ConfigurationError(
            f"{caller}(timeout_s=...) takes the seconds to wait, a finite number from 0 to "
            f"{ONE_YEAR_S:.0f} (a year); got {a_kind(value)} that is not one"
        )
    return seconds


class Announcer:
    """Calls each registered callback after a submit. A failing callback is logged without
    content and never affects the queued request."""

    def __init__(self) -> None:
        self._callbacks: list[SubmitCallback] = []

    def subscribe(self, callback: SubmitCallback) -> None:
        self._callbacks.append(callback)

    def announce(self, request: ApprovalRequest) -> None:
        for callback in self._callbacks:
            try:
                callback(request)
            except Exception as exc:
                logger.warning(
                    "approval notification %s failed for request %s (%s); the request is "
                    "queued and unaffected",
                    getattr(callback, "__qualname__", type(callback).__name__),
                    request.id,
                    type(exc).__name__,
                )


class Waiter:
    """Blocks (or awaits) until a request is decided; `current` reads it as it stands."""

    def __init__(
        self,
        current: Callable[[str], ApprovalRequest],
        clock: Callable[[], datetime],
        threads: int = 0,
    ) -> None:
        self._current = current
        self._clock = clock
        self._threads = threads
        """The step pool's size (`step_threads`) that `wait_async` reads the store on."""

    def wait(self, request_id: str, timeout_s: float) -> ApprovalRequest:
        deadline = time.monotonic() + wait_seconds(timeout_s, "ApprovalQueue.wait")
        delay = FIRST_POLL_S
        with CHANGES.watching(request_id, Watch()) as watch:
            while True:
                watch.clear()
                request = self._current(request_id)
                pause = self._pause(request, deadline, delay)
                if pause is None:
                    return request
                watch.wait(pause)
                delay = min(delay * 1.5, MAX_POLL_S)

    async def wait_async(self, request_id: str, timeout_s: float) -> ApprovalRequest:
        """`wait` for asyncio: each read on Charter's step threads, not the loop's default
        executor, where unrelated `asyncio.to_thread` work held a decided call back (an
        approval at +0.5 s returned at +8 s behind six 8 s jobs)."""
        from charter.pipeline import off_loop

        deadline = time.monotonic() + wait_seconds(timeout_s, "ApprovalQueue.wait_async")
        delay = FIRST_POLL_S
        with CHANGES.watching(request_id, AsyncWatch()) as watch:
            while True:
                watch.clear()
                request = await off_loop.call(self._current, request_id, threads=self._threads)
                pause = self._pause(request, deadline, delay)
                if pause is None:
                    return request
                await watch.wait_async(pause)
                delay = min(delay * 1.5, MAX_POLL_S)

    def _pause(self, request: ApprovalRequest, deadline: float, delay: float) -> float | None:
        """How long to sleep before looking again; None when waiting is over."""
        if request.state is not ApprovalState.PENDING:
            return None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ApprovalTimeout(
                f"request {request.id} is still pending; it stays queued. Resume later with "
                f"charter.resume({request.id!r})"
            )
        until_expiry = (request.expires_at - self._clock()).total_seconds() + 0.001
        return max(0.0, min(delay, remaining, until_expiry))
