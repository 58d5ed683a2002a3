"""The child process stage 2 is fine-tuned in, while stage 1 fits in the parent.

A fine-tune runs for tens of minutes, so the child must not outlive the command that
started it: it exits by itself within a second of its parent going away (killed, even
with SIGKILL, where no cleanup of the parent runs), and a parent that fails or is
interrupted terminates it before re-raising.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def spawn_child() -> ProcessPoolExecutor:
    """One spawned worker (no fork: PyTorch and threads) tied to this process's life."""
    return ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )


def stop_child(pool: ProcessPoolExecutor) -> None:
    """Terminate the worker now (the parent failed or was interrupted): waiting for a
    running fine-tune to finish would hold the command for its whole duration. The
    executor has no public way to stop a running task, so its worker processes are
    terminated directly."""
    workers = dict(getattr(pool, "_processes", None) or {})
    for process in workers.values():
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def exit_with_parent(parent: int, interval_s: float = 0.5) -> None:
    """In the child: a daemon thread that ends the process once `parent` is gone (the
    child is then re-parented, so its parent id changes)."""

    def watch() -> None:
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
