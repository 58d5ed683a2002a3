"""What this process holds per ticket of a held call, bounded: the first entry a ticket was
kept with, for the newest tickets only. Shared by `resume_targets` (which guarded object
held the call) and `pipeline.held_calls` (its live arguments)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class TicketMemory(Generic[T]):
    """Thread-safe. A re-run under an approval key that finds its request again does not
    replace the first entry: another object with the same call (another client, a closure
    over another account) would run on the first one's approval (found by review)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, ticket: str, item: T, limit: int) -> None:
        """Remember `item` for `ticket` unless it has one; at most `limit` tickets, the
        newest (tickets nobody resumes must not grow the process without bound)."""
        with self._lock:
            self._items.setdefault(ticket, item)
            self._items.move_to_end(ticket)
            while len(self._items) > limit:
                self._items.popitem(last=False)

    def get(self, ticket: str) -> T | None:
        with self._lock:
            return self._items.get(ticket)

    def drop(self, ticket: str) -> None:
        with self._lock:
            self._items.pop(ticket, None)

    def replace_where(self, matches: Callable[[T], bool], marker: T) -> None:
        """Put `marker` in place of every entry that `matches` (those of a closed `Charter`):
        the entry is let go, and its ticket still tells that it was held here."""
        with self._lock:
            for ticket in [t for t, item in self._items.items() if matches(item)]:
                self._items[ticket] = marker
