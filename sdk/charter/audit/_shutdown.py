"""Write queued decision records when the process is asked to stop with SIGTERM.

Python's default action for SIGTERM ends the process at once, without `atexit`, so an async
`AuditLog` would lose its queue (`kill` and most process managers send SIGTERM). The first
log created on the main thread (Python lets no other thread set handlers) looks at the
SIGTERM handler:

- the default action: a handler is installed that closes every open log on a helper thread
  (each within its `close_timeout`) and then lets the default action end the process, so
  the exit status is the one the default would have given;
- the application's own handler: kept; on SIGTERM the logs start flushing in the background
  and the application's handler is called as before (it usually ends with `sys.exit`, and
  `atexit` then waits for the writer);
- SIGTERM ignored: left alone.

A handler the application installs later replaces this one, as it should.

While the process is ending (this handler, or the interpreter's exit) a thread that records
into a closed log is held until the end comes, rather than told "recorded" for a decision
that will never be written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import weakref
from types import FrameType
from typing import Any, Protocol


class OpenLog(Protocol):
    """What shutdown needs of a decision log (`charter.audit.AuditLog`); a protocol, so this
    module and the writer do not import each other."""

    _close_timeout: float

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self) -> None: ...


_log = logging.getLogger("charter.audit")
_logs: weakref.WeakSet[OpenLog] = weakref.WeakSet()
_lock = threading.Lock()
_decided = False
_previous: Any = None
_terminating = False
terminating = threading.Event()
"""Set once the process is ending: logs are closing for good."""
_HOLD_S = 60.0


def hold_if_terminating() -> None:
    """Called by a log that is closed: while the process ends, keep the caller here."""
    if terminating.is_set():
        threading.Event().wait(_HOLD_S)


def register(log: OpenLog) -> None:
    with _lock:
        _logs.add(log)
    _install()


def unregister(log: OpenLog) -> None:
    with _lock:
        _logs.discard(log)


def _install() -> None:
    global _decided, _previous
    if _decided or threading.current_thread() is not threading.main_thread():
        return
    with _lock:
        if _decided:
            return
        _decided = True
        current = signal.getsignal(signal.SIGTERM)
        if current is signal.SIG_IGN or current is None:  # ignored, or set outside Python
            return
        _previous = current
        try:
            signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):  # embedded interpreters may refuse
            _decided = False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _terminating
    previous = _previous
    if callable(previous):
        threading.Thread(target=_flush_all, name="charter-audit-sigterm", daemon=True).start()
        previous(signum, frame)
        return
    if _terminating:  # second delivery, from `_close_all_then_terminate`: the default action
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    _terminating = True
    threading.Thread(
        target=_close_all_then_terminate, name="charter-audit-sigterm", daemon=True
    ).start()


def _open_logs() -> list[OpenLog]:
    with _lock:
        return list(_logs)


def _flush_all() -> None:
    for log in _open_logs():
        with contextlib.suppress(Exception):
            log.flush(timeout=log._close_timeout)


def _close_all_then_terminate() -> None:
    terminating.set()
    for log in _open_logs():
        try:
            log.close()
        except Exception as exc:  # never keep the process alive because of a log
            _log.error("decision log: closing on SIGTERM failed: %s", type(exc).__name__)
    os.kill(os.getpid(), signal.SIGTERM)
