"""`RefusedTurns`: the user turns a `Charter` refused at the input stage, by a keyed
digest in each caller's scope, so that a chat sending one again as an earlier turn has it
withheld, not scored (`charter.pipeline.withheld_turns`, which says why).

Neutral ground, as `charter._score_scope` is: `Charter` builds it and the flow's parts
name it without importing the flow.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence

from charter._canonical import valid_text
from charter._unicode import visible

DEFAULT_SIZE = 4096


class RefusedTurns:
    """A bounded, thread-safe least-recently-used set of refused turns' digests."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._key = os.urandom(32)  # this process's: a digest means nothing outside it
        self._items: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def digest(self, scope: bytes, conversation: str, text: str) -> bytes:
        """16 bytes of `text` (normalized: `_normalized`) in a caller's scope."""
        where = f"{len(conversation)}:{conversation}".encode("utf-8", "surrogatepass")
        data = scope + where + _normalized(text).encode("utf-8", "surrogatepass")
        return hashlib.blake2b(data, digest_size=16, key=self._key).digest()

    def remember(self, digests: Sequence[bytes]) -> None:
        with self._lock:
            for found in digests:
                self._items[found] = None
                self._items.move_to_end(found)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __contains__(self, found: bytes) -> bool:
        """Whether `found` was refused; a hit is kept longest (a chat re-sends it each turn)."""
        with self._lock:
            if found not in self._items:
                return False
            self._items.move_to_end(found)
            return True

    def __len__(self) -> int:
        return len(self._items)


def _normalized(text: str) -> str:
    """The same turn re-sent with other whitespace, invisible characters or composition."""
    return " ".join(visible(unicodedata.normalize("NFC", valid_text(text))).split())
