"""A synchronous call with a deadline, for a probe target that may hang.

Python cannot stop a thread: the call runs in a daemon worker thread and the caller stops
waiting at the deadline. A call past it is abandoned, not stopped: it may still finish in
the background (and reach the model); being a daemon thread, it never keeps the process
alive. The worker runs in a copy of the caller's context, so the probe's span stays the
parent of the guarded call's.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Overdue(Exception):
    """The call did not return within its deadline (it was abandoned)."""


def call_within(fn: Callable[[], T], timeout_s: float | None) -> T:
    """`fn()`, or `Overdue` after `timeout_s` (None: wait as long as it takes). What `fn`
    raises is raised here, as if it ran in this thread."""
    if timeout_s is None:
        return fn()
    context = contextvars.copy_context()
    returned: list[T] = []
    raised: list[BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            returned.append(context.run(fn))
        except BaseException as exc:  # re-raised in the caller: SystemExit as well
            raised.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="charter-probe-call", daemon=True).start()
    # Past TIMEOUT_MAX (about 292 years) `wait` raises OverflowError: every call "failed".
    if not done.wait(min(timeout_s, threading.TIMEOUT_MAX)):
        raise Overdue(f"no answer within {timeout_s:g}s")
    if raised:
        raise raised[0]
    return returned[0]
