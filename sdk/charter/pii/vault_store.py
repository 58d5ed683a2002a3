"""Where the vault keeps sealed scopes: ciphertext and keyed tags, nothing readable."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SealedScope:
    """What the store holds for one scope: ciphertext and opaque tags, nothing readable."""

    blob: bytes
    subject_tags: frozenset[str]
    """Keyed HMACs of the data subjects whose requests wrote to this scope."""
    value_tags: frozenset[str]
    """Keyed HMACs of the values mapped in this scope."""
    expires_at: float | None

    def expired(self, now: float) -> bool:
        """Past its expiry at `now` (a scope with none never expires)."""
        return self.expires_at is not None and self.expires_at <= now


class VaultStore(Protocol):
    """Where sealed scopes live. In-process by default; a database table can implement
    this (all values are already encrypted or keyed hashes). `scope_id` is the vault's
    storage id: the scope id, plus a keyed tag of its principal when it has one."""

    def get(self, tenant: str, scope_id: str) -> SealedScope | None: ...

    def put(self, tenant: str, scope_id: str, sealed: SealedScope) -> None: ...

    def delete(self, tenant: str, scope_id: str) -> None: ...

    def scopes(self) -> list[tuple[str, str]]:
        """Every (tenant, scope id) held."""
        ...


class SweepSchedule:
    """When the vault next drops expired scopes on a write: after as many writes as the
    last sweep kept scopes (at least `MIN_WRITES`), or after `every_s` seconds, whichever
    comes first. A sweep reads every scope, so the first bound keeps its cost O(1) per
    write and the store under about twice the scopes in use; the second drops data past
    its time-to-live after a quiet spell. Not thread-safe: the vault calls it under its lock."""

    MIN_WRITES = 64

    def __init__(self, every_s: float, now: float) -> None:
        self._every_s = every_s
        self._writes = 0
        self._after_writes = self.MIN_WRITES
        self._at = now + every_s

    def due(self, now: float) -> bool:
        """Counts one write; True when it should sweep."""
        self._writes += 1
        return self._writes >= self._after_writes or now >= self._at

    def swept(self, now: float, kept: int) -> None:
        self._writes = 0
        self._after_writes = max(self.MIN_WRITES, kept)
        self._at = now + self._every_s


class MemoryVaultStore:
    """A dict of sealed blobs, safe to share between threads."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], SealedScope] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str, scope_id: str) -> SealedScope | None:
        with self._lock:
            return self._data.get((tenant, scope_id))

    def put(self, tenant: str, scope_id: str, sealed: SealedScope) -> None:
        with self._lock:
            self._data[(tenant, scope_id)] = sealed

    def delete(self, tenant: str, scope_id: str) -> None:
        with self._lock:
            self._data.pop((tenant, scope_id), None)

    def scopes(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._data)
