"""The vault: which placeholder stands for which value, per scope, encrypted at rest.

A scope is the unit of stability: within one scope the same value always gets the same
placeholder, so `<EMAIL_ADDRESS_1>` means one address throughout a conversation and the
model can reason about it. The default scope lives for one request; a conversation or a
whole tenant can share one, with a time-to-live that slides on every use.

Each scope is stored as one AES-GCM blob under a key derived (HKDF) from the master key
for its tenant, with the tenant and scope id as associated data, so a blob cannot be read
without the key, altered, or moved to another scope unnoticed. Beside the blob the store
keeps only keyed HMAC tags of the data subject and of each value: enough for
`erase(subject)` to find a person's mappings, useless for reading them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from hashlib import sha256
from typing import TYPE_CHECKING, Any, Literal, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from charter.errors import PIIError, VaultError
from charter.pii.placeholders import (
    find_placeholders,
    format_placeholder,
    is_placeholder,
)

if TYPE_CHECKING:
    from charter.config import Settings

DEFAULT_TTL_S = 3600.0
_FORMAT = b"charter.vault.v1"
_NONCE_BYTES = 12
_KEY_HINT = (
    "set vault_key (CHARTER_VAULT_KEY) to 32 random bytes in base64, e.g. the output of "
    '`python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"`'
)


# --- scopes ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """Where placeholders are stable. Build one with `request()`, `conversation()` or
    `tenant_wide()`; `subject` names the data subject (a pseudonym) for `erase`."""

    id: str
    tenant: str = "default"
    subject: str | None = None
    ttl_s: float | None = None
    """Overrides the vault's time-to-live for this scope; None: the vault's."""
    kind: Literal["request", "conversation", "tenant"] = "request"

    def __post_init__(self) -> None:
        if not self.id or not self.tenant:
            raise PIIError("a vault scope needs a non-empty id and tenant")
        if self.ttl_s is not None and self.ttl_s <= 0:
            raise PIIError(f"scope ttl_s must be positive, got {self.ttl_s}")

    @classmethod
    def request(
        cls, *, tenant: str = "default", subject: str | None = None, ttl_s: float | None = None
    ) -> Scope:
        """A fresh scope for one request (the default): placeholders restart at 1."""
        return cls(f"req:{uuid.uuid4().hex}", tenant, subject, ttl_s, "request")

    @classmethod
    def conversation(
        cls,
        conversation_id: str,
        *,
        tenant: str = "default",
        subject: str | None = None,
        ttl_s: float | None = None,
    ) -> Scope:
        """Placeholders stay the same across the turns of one conversation."""
        return cls(f"conv:{conversation_id}", tenant, subject, ttl_s, "conversation")

    @classmethod
    def tenant_wide(cls, tenant: str, *, ttl_s: float | None = None) -> Scope:
        """One mapping for everything a tenant sends (e.g. batch jobs over a data set)."""
        return cls("tenant", tenant, None, ttl_s, "tenant")

    @classmethod
    def of(cls, scope: Scope | str | None) -> Scope:
        """A `Scope` as given; a string is a scope id in the default tenant (how the guard
        names per-request and per-conversation scopes); None is a fresh request scope."""
        if scope is None:
            return cls.request()
        if isinstance(scope, str):
            return cls(scope)
        return scope


# --- storage -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SealedScope:
    """What the store holds for one scope: ciphertext and opaque tags, nothing readable."""

    blob: bytes
    subject_tags: frozenset[str]
    """Keyed HMACs of the data subjects whose requests wrote to this scope."""
    value_tags: frozenset[str]
    """Keyed HMACs of the values mapped in this scope."""
    expires_at: float | None


class VaultStore(Protocol):
    """Where sealed scopes live. In-process by default; a database table can implement
    this (all values are already encrypted or keyed hashes)."""

    def get(self, tenant: str, scope_id: str) -> SealedScope | None: ...

    def put(self, tenant: str, scope_id: str, sealed: SealedScope) -> None: ...

    def delete(self, tenant: str, scope_id: str) -> None: ...

    def scopes(self) -> list[tuple[str, str]]:
        """Every (tenant, scope id) held."""
        ...


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


# --- keys --------------------------------------------------------------------------------


def parse_key(key: bytes | str | None) -> bytes:
    """32 raw bytes, or their base64 (standard or URL-safe); empty/None: a random key for
    this process (mappings then do not survive a restart)."""
    if key is None or key == "" or key == b"":
        return os.urandom(32)
    if isinstance(key, str):
        text = key.strip().replace("-", "+").replace("_", "/")  # URL-safe alphabet too
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise PIIError(f"the vault key is not valid base64; {_KEY_HINT}") from None
    else:
        raw = bytes(key)
    if len(raw) != 32:
        raise PIIError(f"the vault key must be 32 bytes (AES-256), got {len(raw)}; {_KEY_HINT}")
    return raw


@dataclass(frozen=True, slots=True)
class _TenantKeys:
    cipher: AESGCM
    tag_key: bytes
    hash_key: bytes


def _derive(master: bytes, purpose: str, tenant: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=_FORMAT, info=f"{purpose}\0{tenant}".encode()
    )
    return hkdf.derive(master)


# --- the mapping of one scope ----------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    entity_type: str
    value: str
    numeric: bool = False
    """The value was a JSON number; restore_json gives a number back."""


@dataclass(slots=True)
class _Mapping:
    counters: dict[str, int] = field(default_factory=dict)
    entries: dict[str, _Entry] = field(default_factory=dict)  # placeholder -> entry
    index: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, value) -> ph

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Mapping:
        mapping = cls(counters={k: int(v) for k, v in data["counters"].items()})
        for placeholder, entity_type, value, numeric in data["entries"]:
            mapping.entries[placeholder] = _Entry(entity_type, value, bool(numeric))
            mapping.index[(entity_type, value)] = placeholder
        return mapping

    def to_json(self) -> dict[str, Any]:
        return {
            "counters": self.counters,
            "entries": [
                [p, e.entity_type, e.value, int(e.numeric)] for p, e in self.entries.items()
            ],
        }

    def assign(self, entity_type: str, value: str, numeric: bool) -> tuple[str, bool]:
        """The placeholder for `value` and whether it is new."""
        existing = self.index.get((entity_type, value))
        if existing is not None:
            return existing, False
        number = self.counters.get(entity_type, 0) + 1  # never reused, even after erase
        self.counters[entity_type] = number
        placeholder = format_placeholder(entity_type, number)
        self.entries[placeholder] = _Entry(entity_type, value, numeric)
        self.index[(entity_type, value)] = placeholder
        return placeholder, True


_ERASE_NORMALIZE = re.compile(r"[\s\-().]")


def _erase_form(value: str) -> str:
    """How values compare for erasure: `+90 532 123 45 67` and `+905321234567` match."""
    return _ERASE_NORMALIZE.sub("", value).casefold()


# --- the vault ---------------------------------------------------------------------------


class Vault:
    """Stable, reversible placeholders per scope, encrypted per tenant.

    `key`: the master key (`Settings.vault_key`), 32 bytes or base64; None: per-process
    random. `ttl_s`: how long an unused scope is kept (None: until discarded or erased).
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
        self._tenants: dict[str, _TenantKeys] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Vault:
        return cls(settings.vault_key or None, **kwargs)

    @property
    def store(self) -> VaultStore:
        return self._store

    # --- assigning -----------------------------------------------------------------------

    def placeholders(self, scope: Scope | str, items: Sequence[tuple[str, str, bool]]) -> list[str]:
        """Placeholders for `(entity_type, value, numeric)` items, in order; one decrypt
        and at most one encrypt for the whole batch."""
        scope = Scope.of(scope)
        with self._lock:
            mapping = self._load(scope)
            out: list[str] = []
            changed = False
            for entity_type, value, numeric in items:
                placeholder, is_new = mapping.assign(entity_type, value, numeric)
                out.append(placeholder)
                changed = changed or is_new
            self._save(scope, mapping, touched_only=not changed)
            return out

    def digest(self, tenant: str, entity_type: str, value: str) -> str:
        """A keyed hash for the `hash` operator: the same value gives the same token across
        scopes of one tenant, and a small value space (TC Kimlik numbers) cannot be
        brute-forced without the key."""
        keys = self._keys(tenant)
        mac = hmac.new(keys.hash_key, f"{entity_type}\0{value}".encode(), sha256)
        return mac.hexdigest()[:16]

    # --- restoring -----------------------------------------------------------------------

    def restore(
        self, text: str, scope: Scope | str, *, entities: Collection[str] | None = None
    ) -> str:
        """Put the values back for the placeholders this scope issued (in any spelling the
        model used); others, and types outside `entities`, stay as they are."""
        if not text or "_" not in text:
            return text
        return _restore_text(text, self._entries(Scope.of(scope)), entities)

    def restore_json(
        self, value: Any, scope: Scope | str, *, entities: Collection[str] | None = None
    ) -> Any:
        """`restore` over every string in a JSON value; a string that is exactly the
        placeholder of a number becomes that number again."""
        entries = self._entries(Scope.of(scope))

        def walk(node: Any) -> Any:
            if isinstance(node, str):
                entry = entries.get(node) if is_placeholder(node) else None
                allowed = entry is not None and (entities is None or entry.entity_type in entities)
                if entry is not None and allowed and entry.numeric:
                    return int(entry.value)
                return _restore_text(node, entries, entities) if "_" in node else node
            if isinstance(node, dict):
                return {k: walk(v) for k, v in node.items()}
            if isinstance(node, list | tuple):
                return [walk(v) for v in node]
            return node

        return walk(value)

    # --- lifecycle -----------------------------------------------------------------------

    def discard(self, scope: Scope | str) -> None:
        """Forget a scope now (the end of a request)."""
        scope = Scope.of(scope)
        self._store.delete(scope.tenant, scope.id)

    def erase(self, subject: str, *, tenant: str | None = None) -> int:
        """Right to erasure: remove every mapping of a person, named either by the subject
        pseudonym given to their scopes or by one of their values (an e-mail address, a
        phone number). Returns how many mappings were removed. Placeholder numbers are
        not reused, so an old answer never restores to someone else's value."""
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
        """Drop scopes whose time-to-live has passed; returns how many."""
        now = self._clock()
        dropped = 0
        with self._lock:
            for tenant, scope_id in self._store.scopes():
                sealed = self._store.get(tenant, scope_id)
                if (
                    sealed is not None
                    and sealed.expires_at is not None
                    and sealed.expires_at <= now
                ):
                    self._store.delete(tenant, scope_id)
                    dropped += 1
        return dropped

    # --- internals -----------------------------------------------------------------------

    def _keys(self, tenant: str) -> _TenantKeys:
        keys = self._tenants.get(tenant)
        if keys is None:
            keys = _TenantKeys(
                cipher=AESGCM(_derive(self._master, "enc", tenant)),
                tag_key=_derive(self._master, "tag", tenant),
                hash_key=_derive(self._master, "hash", tenant),
            )
            self._tenants[tenant] = keys
        return keys

    def _tag(self, tenant: str, kind: str, value: str) -> str:
        mac = hmac.new(self._keys(tenant).tag_key, f"{kind}\0{value}".encode(), sha256)
        return mac.hexdigest()[:32]

    def _aad(self, tenant: str, scope_id: str) -> bytes:
        return b"\0".join((_FORMAT, tenant.encode(), scope_id.encode()))

    def _entries(self, scope: Scope) -> dict[str, _Entry]:
        with self._lock:
            return dict(self._load(scope).entries)

    def _load(self, scope: Scope) -> _Mapping:
        sealed = self._store.get(scope.tenant, scope.id)
        if sealed is None:
            return _Mapping()
        if sealed.expires_at is not None and sealed.expires_at <= self._clock():
            self._store.delete(scope.tenant, scope.id)
            return _Mapping()
        return self._open(scope.tenant, scope.id, sealed)

    def _open(self, tenant: str, scope_id: str, sealed: SealedScope) -> _Mapping:
        nonce, ciphertext = sealed.blob[:_NONCE_BYTES], sealed.blob[_NONCE_BYTES:]
        try:
            plain = self._keys(tenant).cipher.decrypt(
                nonce, ciphertext, self._aad(tenant, scope_id)
            )
            return _Mapping.from_json(json.loads(plain))
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise VaultError(  # no scope id: it may be derived from a conversation id
                f"a vault scope of tenant {tenant!r} cannot be decrypted: the vault key "
                "differs from the one that wrote it (check vault_key), or the stored data "
                "was altered; its placeholders cannot be restored"
            ) from None

    def _seal(self, tenant: str, scope_id: str, mapping: _Mapping) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(mapping.to_json(), ensure_ascii=False, separators=(",", ":")).encode()
        return nonce + self._keys(tenant).cipher.encrypt(nonce, plain, self._aad(tenant, scope_id))

    def _expiry(self, scope: Scope) -> float | None:
        ttl = scope.ttl_s if scope.ttl_s is not None else self._ttl_s
        return None if ttl is None else self._clock() + ttl

    def _save(self, scope: Scope, mapping: _Mapping, *, touched_only: bool) -> None:
        if not mapping.entries and not mapping.counters:
            return
        expires_at = self._expiry(scope)
        current = self._store.get(scope.tenant, scope.id)
        subject_tags = current.subject_tags if current is not None else frozenset()
        if scope.subject:
            subject_tags |= {self._tag(scope.tenant, "s", scope.subject)}
        if touched_only and current is not None:  # nothing new: no re-encryption
            self._store.put(
                scope.tenant,
                scope.id,
                replace(current, subject_tags=subject_tags, expires_at=expires_at),
            )
            return
        sealed = SealedScope(
            self._seal(scope.tenant, scope.id, mapping),
            subject_tags,
            self._value_tags(scope.tenant, mapping),
            expires_at,
        )
        self._store.put(scope.tenant, scope.id, sealed)

    def _value_tags(self, tenant: str, mapping: _Mapping) -> frozenset[str]:
        return frozenset(
            self._tag(tenant, "v", _erase_form(e.value)) for e in mapping.entries.values()
        )

    def _erase_in(self, tenant: str, scope_id: str, subject: str) -> int:
        sealed = self._store.get(tenant, scope_id)
        if sealed is None:
            return 0
        if self._tag(tenant, "s", subject) in sealed.subject_tags:
            count = len(self._open(tenant, scope_id, sealed).entries)
            self._store.delete(tenant, scope_id)
            return count
        target = _erase_form(subject)
        if self._tag(tenant, "v", target) not in sealed.value_tags:
            return 0
        mapping = self._open(tenant, scope_id, sealed)
        doomed = [p for p, e in mapping.entries.items() if _erase_form(e.value) == target]
        for placeholder in doomed:
            entry = mapping.entries.pop(placeholder)
            mapping.index.pop((entry.entity_type, entry.value), None)
        self._store.put(
            tenant,
            scope_id,
            replace(
                sealed,
                blob=self._seal(tenant, scope_id, mapping),
                value_tags=self._value_tags(tenant, mapping),
            ),
        )
        return len(doomed)


def _restore_text(text: str, entries: dict[str, _Entry], entities: Collection[str] | None) -> str:
    parts: list[str] = []
    last = 0
    for occ in find_placeholders(text):
        entry = entries.get(occ.placeholder)
        if entry is None or (entities is not None and entry.entity_type not in entities):
            continue
        parts += [text[last : occ.start], entry.value]
        last = occ.end
    parts.append(text[last:])
    return "".join(parts)
