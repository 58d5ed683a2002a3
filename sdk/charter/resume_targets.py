"""Which guarded function completes a held call: what `charter.resume(ticket)` runs.

A held call is stored with its guarded function's name (`module:qualname`, or the
`resume_key` given). Names are not unique: two closures from one factory, bound methods of
two clients and two wrapped chat models of one model share one, and resumed by name an
approved refund ran from the account of whichever was built last (found by probing). So
the process that held a call remembers the object that held it and resumes with that one;
by name (after a restart, in another worker) only when exactly one live guarded function
has the name, and otherwise nothing runs and the approval stays unused.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable
from typing import Any

from charter._tickets import TicketMemory
from charter.errors import ConfigurationError

KEPT = 4096
"""Held calls remembered per process, the newest; an older one is resumed by name. The
objects are kept alive with them, so a closure built for one request still completes it."""

_NAMED: dict[str, weakref.WeakSet[Any]] = {}
_HELD: TicketMemory[Any] = TicketMemory()
_LOCK = threading.Lock()
_SWEPT = [0]
"""Names alive after the last sweep of names whose objects are all gone."""


def register(name: str, target: Any) -> None:
    """`target` answers to `name` until it is garbage (a closure built per request). Names
    left with no object are swept when the registry has doubled since the last sweep: a
    `resume_key` per request (`refund-account-{id}`) kept an empty entry each, 100,000
    of them ~100 MB (found by probing). Not on the objects' deaths: a weakref callback runs
    inside any allocation's collection, and would take the lock this very call holds."""
    with _LOCK:
        _NAMED.setdefault(name, weakref.WeakSet()).add(target)
        if len(_NAMED) > 2 * _SWEPT[0] + 64:
            for gone in [key for key, targets in _NAMED.items() if not targets]:
                del _NAMED[gone]
            _SWEPT[0] = len(_NAMED)


def unregister(name: str, target: Any) -> None:
    """`target` no longer counts by `name` (another entry point of the same object does)."""
    with _LOCK:
        targets = _NAMED.get(name)
        if targets is not None:
            targets.discard(target)
            if not targets:
                del _NAMED[name]


def held(ticket: str, target: Any) -> None:
    """`target` made the held call `ticket` (the first that did: `TicketMemory`)."""
    _HELD.keep(ticket, target, KEPT)


_CLOSED = object()
"""Kept for a ticket whose guarded object was let go when its `Charter` closed."""


def forget_held_through(resolve: Callable[[], Any]) -> None:
    """Let go of the held calls of guarded functions that resolve their `Charter` through
    `resolve`, as it closes: each kept its whole Charter alive (found by probing: 3.7 MB and
    two open files per closed Charter that held a call). Their tickets keep a marker: by
    name, an approved refund ran from another live closure's account (found by review)."""
    _HELD.replace_where(lambda target: getattr(target, "resolve", None) is resolve, _CLOSED)


def target_for(ticket: str, name: str) -> Any:
    """The guarded function that completes `ticket`, which `name` held; raises before the
    approval is used when that cannot be told."""
    target = _HELD.get(ticket)
    if target is _CLOSED:
        raise ConfigurationError(
            f"request {ticket} was held in this process by a guarded function whose Charter "
            "has since been closed; which object made the call is no longer known, so none "
            "ran and the approval is unused. Resume held calls before closing their Charter"
        )
    if target is not None and target.spec.function == name:
        return target
    live = _live(name)
    if len(live) > 1:  # dead closures wait for a collection when they form a cycle
        gc.collect()
        live = _live(name)
    if len(live) == 1:
        return live[0]
    if not live:
        raise ConfigurationError(
            f"request {ticket} was made by {name!r}, which is not imported in this "
            "process; import the module that defines it, then resume"
        )
    raise ConfigurationError(
        f"request {ticket} was made by {name!r}, and {len(live)} guarded functions in this "
        "process have that name (closures of one factory, methods of several objects, "
        "wrappers of one model); the call was held in another process, so which of them was "
        "approved is not known: none ran and the approval is unused. Resume it where it was "
        "held, or once only one of them is alive; to tell them apart in calls held from now "
        "on, give each its own name: @guard(resume_key=...), guard.tool(resume_key=...), "
        "guard_runnable(name=...)"
    )


def _live(name: str) -> list[Any]:
    with _LOCK:
        return list(_NAMED.get(name, ()))
