"""The fine-tune's child process never outlives `charter signals train`: it exits by itself
when its parent is killed outright, and a failing parent terminates it (no PyTorch needed:
the child runs a sleep in place of a fine-tune)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from charter.signals.training.child import spawn_child, stop_child

PARENT = """
import os, time
from charter.signals.training.child import spawn_child
pool = spawn_child()
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(time.sleep, 120)
time.sleep(120)
"""


def _gone(pid: int, within_s: float) -> bool:
    """The process has exited (a zombie nobody reaped counts as exited)."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def test_the_child_exits_when_its_parent_is_killed_outright() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert not _gone(child, within_s=1.0)  # busy with its two-minute task
        os.kill(parent.pid, signal.SIGKILL)  # no cleanup in the parent at all
        parent.wait(10)
        assert _gone(child, within_s=10.0)
    finally:
        parent.kill()
        if child and not _gone(child, within_s=0):
            os.kill(child, signal.SIGKILL)  # the test failed: leave no orphan behind


def test_a_failing_parent_stops_the_running_child() -> None:
    pool = spawn_child()
    child = pool.submit(os.getpid).result()
    pool.submit(time.sleep, 120)
    started = time.monotonic()
    stop_child(pool)
    assert _gone(child, within_s=10.0)
    assert time.monotonic() - started < 10.0
