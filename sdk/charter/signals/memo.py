"""`ScoreMemo`: the probabilities of recently scored texts, keyed by a digest of the text.

A chat sends its whole history again with every turn and each user message is scored on
its own, so without a memo the tenth turn scores nine messages it has scored before (about
3 ms each when the contextual stage reads them). The memo holds a 16-byte digest and the
label probabilities per text, never the text, in memory only; the classifier is a pure
function of the text, so a hit returns exactly what scoring again would.

A hit is also faster than scoring, so the digest is keyed by the scope the text is scored
in (`charter._score_scope`: in a guarded call, its caller's): one caller's texts never
answer another's lookup, and that speed tells no one what someone else sent.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict

from charter._score_scope import score_scope
from charter.errors import ConfigurationError
from charter.signals.arrays import FloatArray

MEMO_ENV = "CHARTER_SIGNALS_MEMO"
"""How many texts the memo keeps (default 2048; 0 switches it off)."""
DEFAULT_SIZE = 2048


def memo_size() -> int:
    """CHARTER_SIGNALS_MEMO; a negative or non-integer value is a ConfigurationError,
    not a memo silently switched off."""
    raw = os.environ.get(MEMO_ENV, "").strip()
    if not raw:
        return DEFAULT_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = -1
    if size < 0:
        raise ConfigurationError(
            f"{MEMO_ENV}={raw!r}: expected how many texts to keep, a whole number from 0 "
            "(0: no memo)"
        )
    return size


def digest(text: str, scope: bytes = b"") -> bytes:
    """16 bytes of `text`, keyed by `scope` (empty: the plain digest)."""
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16, key=scope).digest()


def memo_key(text: str) -> bytes | None:
    """The memo's key for `text` in the current scope; None: not remembered in it."""
    scope = score_scope()
    return None if scope is None else digest(text, scope)


class ScoreMemo:
    """A bounded, thread-safe least-recently-used map of text digest -> probabilities."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, FloatArray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> FloatArray | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: bytes, probs: FloatArray) -> None:
        if self.size <= 0:
            return
        probs.flags.writeable = False
        with self._lock:
            self._items[key] = probs
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
