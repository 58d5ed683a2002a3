"""Stop a long-running command gracefully on Ctrl-C or SIGTERM, whoever started it.

Python turns SIGINT into `KeyboardInterrupt` only when SIGINT was not ignored at start-up, and
a process started in the background by a non-interactive shell (`cmd &` in a script, many
supervisors) inherits SIGINT ignored: `kill -INT` then does nothing and the command runs on.
SIGTERM's default ends the process at once, with nothing stored. So a command that must stop
cleanly (`charter monitor serve`, `charter probe --every`, `charter approvals watch`) handles
both signals itself, as uvicorn and gunicorn do: the first sets an event the command's loop
waits on; a second SIGINT raises `KeyboardInterrupt`, the way out if the graceful stop
itself hangs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by the first SIGINT or SIGTERM while the block runs; the previous
    handlers come back afterwards. Off the main thread (where Python cannot install
    handlers) the event is only set by the caller."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt  # asked twice: stop waiting for the graceful stop
        stop.set()

    previous: dict[int, Any] = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
