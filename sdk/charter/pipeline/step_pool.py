"""The threads the async drivers run the flow's steps on: Charter's own, long-lived.

On the loop's default executor (the one `asyncio.to_thread` and LangChain's `ainvoke` of a
sync tool use) the steps waited behind whatever else was there (found by probing: six sync
tool calls held for approval through `to_thread` kept an unrelated awaited call waiting
7.9 s), and each `asyncio.run` has a new default executor, so each job's steps ran on new
threads that first built their own policy evaluator (a 4-call job 0.26 s instead of 0.02 s).
These threads live as long as the process, so their evaluators do too.

They are daemons (`DaemonWorkers`): a step that never returns does not hold the process's
exit, which ends the idle ones. A forked child starts with none of its parent's threads,
so it makes its own pools.
"""

from __future__ import annotations

import atexit
import os
import threading
import time

from charter.policy._workers import DaemonWorkers

PREFIX = "charter-step"
EXIT_WAIT_S = 1.0
"""How long exit waits for the step threads to end: an idle one ends at once (and drops its
regorus objects itself); a stuck step is not waited for longer."""
_pools: dict[int, DaemonWorkers] = {}
_lock = threading.Lock()


def default_size() -> int:
    """`ThreadPoolExecutor`'s own default: a step mostly waits (a store, an OPA server)."""
    return min(32, (os.cpu_count() or 1) + 4)


def step_pool(size: int = 0) -> DaemonWorkers:
    """The pool of `size` threads (0: `default_size()`); charters asking for the same
    size share it, so its threads and their evaluators serve every call of the process."""
    size = size or default_size()
    with _lock:
        pool = _pools.get(size)
        if pool is None:
            pool = _pools[size] = DaemonWorkers(size, PREFIX)
        return pool


def _shutdown() -> None:
    """At exit: the threads end, each dropping its own regorus objects (left to the
    interpreter's teardown, they were dropped on the main thread: "unsendable" errors); a
    pool asked for later (a stream closed by a late finalizer) is made anew."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    deadline = time.monotonic() + EXIT_WAIT_S
    for pool in pools:
        pool.shutdown(wait_s=max(0.0, deadline - time.monotonic()))


def _forget_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread of the parent may have held it at the fork
    _pools.clear()


atexit.register(_shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
