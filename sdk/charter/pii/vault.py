"""The vault: which placeholder stands for which value, per scope, encrypted at rest.

Each scope (`charter.pii.scope`) is stored as one AES-GCM blob under a key derived for its
tenant (`charter.pii.vault_keys`), with the tenant and storage id as associated data, so a
blob cannot be read without the key, altered, or moved to another scope unnoticed. A
scope's storage id is its id plus, when it has a principal, a keyed tag of that principal:
two users reusing one conversation id get separate mappings, and a blob cannot be moved
from one to the other. Beside the blob the store keeps only keyed HMAC tags of the data
subject and of each value: enough for `erase(subject)` to find a person's mappings,
useless for reading them.

Placeholders issued through a scope's `withheld_view()` (values the model produced), or
sitting inside a URL (`charter.pii.url_spans`), are never restored.

Restoring is per principal by construction. When a principal's text holds placeholders
its scope never issued but another principal's scope of the same conversation did, that is
an attempt to recover someone else's values: they stay placeholders, `restore_checked`
reports the attempt (entity types and counts, never values) and the `charter.security`
logger warns.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag

from charter.errors import PIIError, VaultError
from charter.pii.placeholders import entity_type_of
from charter.pii.scope import Scope
from charter.pii.url_spans import url_spans
from charter.pii.vault_keys import FORMAT, TenantKeys, parse_key, utf8
from charter.pii.vault_mapping import (
    Entry,
    Mapping,
    Restoration,
    erase_form,
    restore_json_value,
    restore_text,
)
from charter.pii.vault_store import MemoryVaultStore, SealedScope, SweepSchedule, VaultStore

if TYPE_CHECKING:
    from charter.config import Settings

__all__ = [
    "DEFAULT_TTL_S",
    "MemoryVaultStore",
    "Restoration",
    "Scope",
    "SealedScope",
    "Vault",
    "VaultStore",
    "parse_key",
]

DEFAULT_TTL_S = 3600.0
_SWEEP_MIN_S = 60.0
_NONCE_BYTES = 12
_PRINCIPAL_SEP = "|principal:"
_security = logging.getLogger("charter.security")


class Vault:
    """Stable, reversible placeholders per scope, encrypted per tenant.

    `key`: the master key (`Settings.vault_key`), 32 bytes or base64; None: per-process
    random. `ttl_s`: how long an unused scope is kept (None: until discarded or erased).
    An expired scope is dropped when read, and by a sweep on a write (`SweepSchedule`: the
    first write `ttl_s` after the last sweep, at least a minute, or after as many writes as
    it kept), so one never read again does not stay, and the store holds about twice the
    scopes in use at most.
    """

    def __init__(
        self,
        key: bytes | str | None = None,
        *,
        store: VaultStore | None = None,
        ttl_s: float | None = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl_s is not None and ttl_s <= 0:
            raise PIIError(f"vault ttl_s must be positive or None, got {ttl_s}")
        self._master = parse_key(key)
        self._store: VaultStore = store if store is not None else MemoryVaultStore()
        self._ttl_s = ttl_s
        self._clock = clock
        self._tenants: dict[str, TenantKeys] = {}
        self._lock = threading.RLock()
        self._sweeps = SweepSchedule(max(_SWEEP_MIN_S, ttl_s or DEFAULT_TTL_S), clock())

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Vault:
        return cls(settings.vault_key or None, **kwargs)

    @property
    def store(self) -> VaultStore:
        return self._store

    # --- assigning -----------------------------------------------------------------------

    def placeholders(
        self,
        scope: Scope | str,
        items: Sequence[tuple[str, str, bool]],
        *,
        reserved: Collection[str] = (),
        fresh: list[str] | None = None,
    ) -> list[str]:
        """Placeholders for `(entity_type, value, numeric)` items, in order; one decrypt
        and at most one encrypt for the whole batch. `reserved`: placeholders already in
        the text being redacted, which the scope never issues (`Mapping.reserve`). `fresh`:
        the calling call's placeholders issued new, added to (`Mapping.assign_all`)."""
        scope = Scope.of(scope)
        with self._lock:
            mapping = self._load(scope)
            reserved_moved = mapping.reserve(reserved)
            out, changed = mapping.assign_all(items, scope.callers, scope.withheld, fresh)
            self._save(scope, mapping, touched_only=not (changed or reserved_moved))
            return out

    def retract(self, scope: Scope, placeholders: Collection[str]) -> None:
        """Take back placeholders issued `fresh` to a call that never sent them (denied
        before the model), but not one another call was handed meanwhile (`Entry.taken`):
        no answer restores them. Their numbers are not issued again."""
        with self._lock:
            mapping = self._load(scope)
            if mapping.take_back(placeholders):
                self._save(scope, mapping, touched_only=False)

    def digest(self, tenant: str, entity_type: str, value: str) -> str:
        """A keyed hash for the `hash` operator: the same value gives the same token across
        scopes of one tenant, and a small value space (TC Kimlik numbers) cannot be
        brute-forced without the key."""
        return self._keys(tenant).digest(entity_type, value)

    # --- restoring -----------------------------------------------------------------------

    def restore(
        self, text: str, scope: Scope | str, *, entities: Collection[str] | None = None
    ) -> str:
        """Put back the values of the placeholders this scope issued (any spelling)."""
        urls = url_spans(text) if "_" in text else ()
        return self.restore_checked(text, scope, entities=entities, urls=urls).text

    def restore_checked(
        self,
        text: str,
        scope: Scope | str,
        *,
        entities: Collection[str] | None = None,
        urls: Sequence[tuple[int, int]] = (),
    ) -> Restoration:
        """`restore`, also saying which placeholders were refused because another principal
        of the same conversation holds them (module docstring) or stayed within `urls`."""
        if not text or "_" not in text:
            return Restoration(text, {})
        scope = Scope.of(scope)
        restored, unknown, in_url = restore_text(text, self._entries(scope), entities, urls)
        if entities is not None:
            unknown = [p for p in unknown if entity_type_of(p) in entities]
        refused = self._held_by_others(scope, unknown) if unknown else {}
        if refused:
            _security.warning(
                "refused to restore %d placeholder(s) (%s) of tenant %r issued to another "
                "principal of the same conversation",
                sum(refused.values()),
                ", ".join(sorted(refused)),
                scope.tenant,
            )
        return Restoration(restored, refused, dict(Counter(map(entity_type_of, in_url))))

    def restore_json(
        self, value: Any, scope: Scope | str, *, entities: Collection[str] | None = None
    ) -> Any:
        """`restore` over every string in a JSON value, dict keys included (redaction reads
        them too), never into a URL; a string that is exactly the placeholder of a number
        becomes that number again."""
        return restore_json_value(value, self._entries(Scope.of(scope)), entities)

    # --- lifecycle -----------------------------------------------------------------------

    def discard(self, scope: Scope | str) -> None:
        """Forget a scope now (the end of a request)."""
        scope = Scope.of(scope)
        self._store.delete(scope.tenant, self.storage_id(scope))

    def erase(self, subject: str, *, tenant: str | None = None) -> int:
        """Right to erasure: remove every mapping of a person, named either by the subject
        pseudonym given to their scopes or by one of their values (an e-mail address, a
        phone number). Returns how many mappings were removed. Placeholder numbers are
        not reused, so an old answer never restores to someone else's value.

        `tenant`: erase in that tenant's scopes only; None: in every tenant's. A pseudonym
        names a person only within its tenant (`u-42` of another tenant is someone else),
        so pass the tenant when erasing by pseudonym; a value is erased wherever it is."""
        if not subject:
            raise PIIError("erase() needs the subject's pseudonym or one of their values")
        removed = 0
        with self._lock:
            for scope_tenant, scope_id in self._store.scopes():
                if tenant is not None and scope_tenant != tenant:
                    continue
                removed += self._erase_in(scope_tenant, scope_id, subject)
        return removed

    def purge_expired(self) -> int:
        """Drop scopes whose time-to-live has passed; returns how many. Writes do this
        too, now and then (see the class)."""
        return self._purge(self._clock())[0]

    def storage_id(self, scope: Scope) -> str:
        """The id `scope` is stored under: its id, plus a keyed tag of its principal (so
        the store shows neither the principal nor how to reach its mapping)."""
        if scope.principal is None:
            return scope.id
        return f"{scope.id}{_PRINCIPAL_SEP}{self._keys(scope.tenant).tag('p', scope.principal)}"

    # --- internals -----------------------------------------------------------------------

    def _keys(self, tenant: str) -> TenantKeys:
        keys = self._tenants.get(tenant)
        if keys is None:
            keys = self._tenants[tenant] = TenantKeys.derive(self._master, tenant)
        return keys

    def _held_by_others(self, scope: Scope, unknown: list[str]) -> dict[str, int]:
        """Which of `unknown` another principal's scope of this conversation issued."""
        if scope.principal is None or scope.kind != "conversation":
            return {}
        own, prefix = self.storage_id(scope), scope.id + _PRINCIPAL_SEP
        refused: Counter[str] = Counter()
        with self._lock:
            for tenant, scope_id in self._store.scopes():
                if tenant != scope.tenant or scope_id == own or not scope_id.startswith(prefix):
                    continue
                sealed = self._store.get(tenant, scope_id)
                if sealed is None:
                    continue
                entries = self._open(tenant, scope_id, sealed).entries
                for placeholder in unknown:
                    if placeholder in entries:
                        refused[entries[placeholder].entity_type] += 1
        return dict(refused)

    def _purge(self, now: float) -> tuple[int, int]:
        """Drops the scopes expired at `now`; returns how many were dropped and kept."""
        dropped = kept = 0
        with self._lock:
            for tenant, scope_id in self._store.scopes():
                sealed = self._store.get(tenant, scope_id)
                if sealed is None:
                    continue
                if sealed.expired(now):
                    self._store.delete(tenant, scope_id)
                    dropped += 1
                else:
                    kept += 1
        return dropped, kept

    def _put(self, tenant: str, scope_id: str, sealed: SealedScope) -> None:
        """A write, and the sweep of expired scopes when one is due."""
        self._store.put(tenant, scope_id, sealed)
        now = self._clock()
        if self._sweeps.due(now):
            self._sweeps.swept(now, self._purge(now)[1])

    def _aad(self, tenant: str, scope_id: str) -> bytes:
        return b"\0".join((FORMAT, utf8(tenant), utf8(scope_id)))

    def _entries(self, scope: Scope) -> dict[str, Entry]:
        with self._lock:
            return dict(self._load(scope).entries)

    def _load(self, scope: Scope) -> Mapping:
        scope_id = self.storage_id(scope)
        sealed = self._store.get(scope.tenant, scope_id)
        if sealed is None:
            return Mapping()
        if sealed.expired(self._clock()):
            self._store.delete(scope.tenant, scope_id)
            return Mapping()
        return self._open(scope.tenant, scope_id, sealed)

    def _open(self, tenant: str, scope_id: str, sealed: SealedScope) -> Mapping:
        nonce, ciphertext = sealed.blob[:_NONCE_BYTES], sealed.blob[_NONCE_BYTES:]
        try:
            plain = self._keys(tenant).cipher.decrypt(
                nonce, ciphertext, self._aad(tenant, scope_id)
            )
            return Mapping.from_json(json.loads(plain.decode("utf-8", "surrogatepass")))
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise VaultError(  # no scope id: it may be derived from a conversation id
                f"a vault scope of tenant {tenant!r} cannot be decrypted: the vault key "
                "differs from the one that wrote it (check vault_key), or the stored data "
                "was altered; its placeholders cannot be restored"
            ) from None

    def _seal(self, tenant: str, scope_id: str, mapping: Mapping) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        plain = utf8(json.dumps(mapping.to_json(), ensure_ascii=False, separators=(",", ":")))
        return nonce + self._keys(tenant).cipher.encrypt(nonce, plain, self._aad(tenant, scope_id))

    def _expiry(self, scope: Scope) -> float | None:
        ttl = scope.ttl_s if scope.ttl_s is not None else self._ttl_s
        return None if ttl is None else self._clock() + ttl

    def _save(self, scope: Scope, mapping: Mapping, *, touched_only: bool) -> None:
        if not mapping.entries and not mapping.counters:
            return
        tenant, scope_id = scope.tenant, self.storage_id(scope)
        expires_at = self._expiry(scope)
        current = self._store.get(tenant, scope_id)
        subject_tags = current.subject_tags if current is not None else frozenset()
        if scope.subject:
            subject_tags |= {self._keys(tenant).tag("s", scope.subject)}
        if touched_only and current is not None:  # nothing new: no re-encryption
            self._put(
                tenant, scope_id, replace(current, subject_tags=subject_tags, expires_at=expires_at)
            )
            return
        sealed = SealedScope(
            self._seal(tenant, scope_id, mapping),
            subject_tags,
            self._value_tags(tenant, mapping),
            expires_at,
        )
        self._put(tenant, scope_id, sealed)

    def _value_tags(self, tenant: str, mapping: Mapping) -> frozenset[str]:
        keys = self._keys(tenant)
        return frozenset(keys.tag("v", erase_form(e.value)) for e in mapping.entries.values())

    def _erase_in(self, tenant: str, scope_id: str, subject: str) -> int:
        """Remove the person's values from one scope (all of them when it is theirs). Its
        counters stay, sealed as before (numbers, no values): deleting the scope reset
        them, so the next value got an erased one's number and an old answer restored to
        it (found by probing)."""
        sealed = self._store.get(tenant, scope_id)
        if sealed is None:
            return 0
        keys = self._keys(tenant)
        theirs = keys.tag("s", subject) in sealed.subject_tags
        target = erase_form(subject)
        if not theirs and keys.tag("v", target) not in sealed.value_tags:
            return 0
        mapping = self._open(tenant, scope_id, sealed)
        doomed = [p for p, e in mapping.entries.items() if theirs or erase_form(e.value) == target]
        mapping.retract(doomed)  # values and index; the counters stay
        self._store.put(
            tenant,
            scope_id,
            replace(
                sealed,
                blob=self._seal(tenant, scope_id, mapping),
                subject_tags=frozenset() if theirs else sealed.subject_tags,
                value_tags=self._value_tags(tenant, mapping),
            ),
        )
        return len(doomed)
