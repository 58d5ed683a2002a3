"""Guarded sync streams not yet closed, so a normal exit records what they showed.

A stream read in part and never closed is closed by the interpreter's teardown, after the
`atexit` hooks closed the decision log: what it showed was never recorded (found by
probing: "could not record a stream closed early (ImportError)" and a traceback at exit).
Each decision log's exit hook (`charter.audit.AuditLog`) closes these first, as the reader's
own `close()` would, so the text shown is recorded as `closed_early`; so does a hook of this
module's own, registered with the first stream (hooks run newest first, so it runs before
those of the logs made earlier, and with no log at all the stream still ends cleanly). Only
references are weak: a stream nobody holds is closed, and recorded, when it is collected.
"""

from __future__ import annotations

import atexit
import logging
import weakref
from collections.abc import Generator
from typing import Any, TypeVar

Stream = TypeVar("Stream", bound=Generator[Any, Any, Any])

_log = logging.getLogger(__name__)
_open: weakref.WeakSet[Generator[Any, Any, Any]] = weakref.WeakSet()
_hooked = False


def track(stream: Stream) -> Stream:
    """`stream`, noted until it is closed or collected."""
    global _hooked
    if not _hooked:
        _hooked = True
        atexit.register(close_all)
    _open.add(stream)
    return stream


def close_all() -> None:
    """Close every stream still open (one being read on another thread is left to it)."""
    for stream in list(_open):
        try:
            stream.close()
        except ValueError:  # "generator already executing": its reader is at work
            continue
        except Exception as exc:  # one stream never keeps the others from closing
            _log.warning("could not close a guarded stream at exit (%s)", type(exc).__name__)
