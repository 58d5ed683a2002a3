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

from charter._canonical import valid_text
from charter._unicode import visible

DEFAULT_SIZE = 4096
PER_SCOPE = 64
"""At most this many turns are remembered for one caller scope: with one memory for all,
one user's refused calls (a few, of 1,000 text blocks each, when every text was
remembered) evicted every other user's turns, whose chats were refused again (found by
probing). A caller's oldest turn goes first; a chat's own is kept fresh by each hit."""


class RefusedTurns:
    """A bounded, thread-safe least-recently-used set of refused turns' digests, bounded
    again per caller scope (`PER_SCOPE`)."""

    def __init__(self, size: int = DEFAULT_SIZE, per_scope: int = PER_SCOPE) -> None:
        self.size, self.per_scope = size, per_scope
        self._key = os.urandom(32)  # this process's: a digest means nothing outside it
        self._items: OrderedDict[bytes, bytes] = OrderedDict()  # digest -> its scope
        self._scopes: dict[bytes, OrderedDict[bytes, None]] = {}  # scope -> its digests
        self._lock = threading.Lock()

    def digest(self, scope: bytes, conversation: str, text: str) -> bytes:
        """16 bytes of `text` (normalized: `_normalized`) in a caller's scope."""
        where = f"{len(conversation)}:{conversation}".encode("utf-8", "surrogatepass")
        data = scope + where + _normalized(text).encode("utf-8", "surrogatepass")
        return hashlib.blake2b(data, digest_size=16, key=self._key).digest()

    def remember(self, scope: bytes, found: bytes) -> None:
        """Remember `found` (from `digest`) for the caller `scope`, dropping that caller's
        oldest past `per_scope`, then anyone's oldest past `size`."""
        with self._lock:
            self._items[found] = scope
            self._items.move_to_end(found)
            own = self._scopes.setdefault(scope, OrderedDict())
            own[found] = None
            own.move_to_end(found)
            while len(own) > max(self.per_scope, 1):
                del self._items[own.popitem(last=False)[0]]
            while len(self._items) > self.size:
                self._forget(*self._items.popitem(last=False))

    def __contains__(self, found: bytes) -> bool:
        """Whether `found` was refused; a hit is kept longest (a chat re-sends it each turn)."""
        with self._lock:
            scope = self._items.get(found)
            if scope is None:
                return False
            self._items.move_to_end(found)
            self._scopes[scope].move_to_end(found)
            return True

    def __len__(self) -> int:
        return len(self._items)

    def _forget(self, found: bytes, scope: bytes) -> None:
        own = self._scopes[scope]
        del own[found]
        if not own:
            del self._scopes[scope]


def _normalized(text: str) -> str:
    """The same turn re-sent with other whitespace, invisible characters or composition."""
    return " ".join(visible(unicodedata.normalize("NFC", valid_text(text))).split())
