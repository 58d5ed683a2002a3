"""The vault's keys: the master key as configured, and the keys derived from it per tenant
(HKDF), one for encryption, one for the opaque tags beside each blob, one for the `hash`
operator, so no key serves two purposes and no tenant can read another's data."""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from dataclasses import dataclass
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from charter.errors import PIIError

FORMAT = b"charter.vault.v1"
KEY_HINT = (
    "set vault_key (CHARTER_VAULT_KEY) to 32 random bytes in base64, e.g. the output of "
    '`python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"`'
)


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
            raise PIIError(f"the vault key is not valid base64; {KEY_HINT}") from None
    else:
        raw = bytes(key)
    if len(raw) != 32:
        raise PIIError(f"the vault key must be 32 bytes (AES-256), got {len(raw)}; {KEY_HINT}")
    return raw


def utf8(text: str) -> bytes:
    """UTF-8 that never raises: a lone surrogate (valid in a Python str, not in UTF-8) is
    encoded reversibly, so a value holding one is sealed, tagged and restored like any."""
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True, slots=True)
class TenantKeys:
    cipher: AESGCM
    tag_key: bytes
    hash_key: bytes

    @classmethod
    def derive(cls, master: bytes, tenant: str) -> TenantKeys:
        return cls(
            cipher=AESGCM(derive_key(master, "enc", tenant)),
            tag_key=derive_key(master, "tag", tenant),
            hash_key=derive_key(master, "hash", tenant),
        )

    def tag(self, kind: str, value: str) -> str:
        """An opaque keyed tag (data subject, value, principal): comparable, unreadable."""
        return hmac.new(self.tag_key, utf8(f"{kind}\0{value}"), sha256).hexdigest()[:32]

    def digest(self, entity_type: str, value: str) -> str:
        return hmac.new(self.hash_key, utf8(f"{entity_type}\0{value}"), sha256).hexdigest()[:16]


def derive_key(master: bytes, purpose: str, tenant: str) -> bytes:
    """One key per purpose and tenant (HKDF-SHA256): the vault's three, the pseudonyms'."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=FORMAT, info=utf8(f"{purpose}\0{tenant}")
    )
    return hkdf.derive(master)
