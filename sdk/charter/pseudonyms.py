"""Keyed pseudonyms: a user id that looks like personal data, and each text and tool
argument the decision log withholds, kept as HMAC-SHA256 under a secret. An unkeyed
SHA-256 is no pseudonym: probing reversed a phone-number user id and an account number
from a copy of the log by hashing a list of 300,000 candidates, in half a second.

The secret: derived from `vault_key` when it is set; else kept beside a SQLite store, in
`<database>.pseudonym-key` (named after the database's resolved path; made once, on first
need, with the database file's owner and group access, never world-readable), so every
process that shares the store (the app, `charter approvals`, the console, a reviewer in the
store's group), however it spells the store's path, writes and checks the same pseudonyms.
Without either (a PostgreSQL store, no `vault_key`) they stay unkeyed SHA-256. Records
written before keep their digests (the chain hashes what was stored).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter._canonical import valid_text
from charter._private_files import private_folder
from charter.errors import ConfigurationError

if TYPE_CHECKING:
    from charter.config import Settings

KEY_FILE_SUFFIX = ".pseudonym-key"
_FINGERPRINT = b"charter.pseudonym.fingerprint"


class Pseudonyms:
    """Digests under one secret (`keyed`), or plain SHA-256 when there is none. The secret
    is read (or made) on first use: a process that never needs one makes no key file."""

    def __init__(self, load: Callable[[], bytes | None], file: Path | None = None) -> None:
        self._load = load
        self.file = file
        """The key file beside a SQLite store; None for a `vault_key`'s or no key."""
        self._key: bytes | None = None
        self._loaded = False
        self._lock = threading.Lock()
        self.user: Callable[[str], str] = lru_cache(maxsize=4096)(self._user)
        """The user id to record: its pseudonym `h-<16 hex>` when it looks like personal
        data (`looks_personal`), else as given. Memoized: a call asks up to three times."""

    @property
    def key(self) -> bytes | None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._key, self._loaded = self._load(), True
        return self._key

    def check_usable(self) -> None:
        """Fail when the app is built, not mid-call: a key file this process can neither
        read nor make failed each call of a personal-looking user and withheld every other
        record as "could not be written" (found by review). Makes no file."""
        if self.file is None or self._loaded:
            return
        if os.path.exists(self.file):
            self.key  # noqa: B018 - reading it is the check
            return
        folder = next(f for f in self.file.parents if os.path.isdir(f))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigurationError(_unmakeable(self.file, "Permission denied"))

    @property
    def keyed(self) -> bool:
        return self.key is not None

    @property
    def fingerprint(self) -> str:
        """Names the key (not derivable into it); "" when unkeyed."""
        key = self.key
        return "" if key is None else hmac.new(key, _FINGERPRINT, hashlib.sha256).hexdigest()[:8]

    @property
    def prefix(self) -> str:
        """How a withheld value reads: `hmac:<hex>` keyed, `sha256:<hex>` not."""
        return "hmac:" if self.keyed else "sha256:"

    def hex(self, text: str) -> str:
        data = text.encode("utf-8", "surrogatepass")
        key = self.key
        if key is None:
            return hashlib.sha256(data).hexdigest()
        return hmac.new(key, data, hashlib.sha256).hexdigest()

    def _user(self, user: str) -> str:
        from charter.telemetry._telemetry import looks_personal

        return "h-" + self.hex(user)[:16] if looks_personal(user) else valid_text(user)


UNKEYED = Pseudonyms(lambda: None)
"""Plain SHA-256: records and requests written before pseudonyms were keyed."""


def settings_pseudonyms(settings: Settings) -> Pseudonyms:
    return pseudonyms_for(settings.vault_key, settings.store_url)


def queue_pseudonyms(queue: object, fallback: Pseudonyms) -> Pseudonyms:
    """What an approval queue stores requesters under: its own, else `fallback` (the
    Charter's, found once: not the key file looked up again on each held call)."""
    found = getattr(queue, "pseudonyms", None)
    return found if isinstance(found, Pseudonyms) else fallback


def pseudonyms_for(vault_key: str, store: Any) -> Pseudonyms:
    """The pseudonyms of a store (a URL or an Engine) under `vault_key` (may be "")."""
    if vault_key:
        return _from_vault_key(vault_key)
    file = _key_file(store)
    return _from_file(file) if file else UNKEYED


@lru_cache(maxsize=16)
def _from_vault_key(vault_key: str) -> Pseudonyms:
    from charter.pii.vault_keys import derive_key, parse_key

    key = derive_key(parse_key(vault_key), "pseudonym", "")
    return Pseudonyms(lambda: key)


@lru_cache(maxsize=64)
def _from_file(file: str) -> Pseudonyms:
    return Pseudonyms(lambda: _read_or_make(Path(file)), Path(file))


def _key_file(store: Any) -> str | None:
    """`<database>.pseudonym-key` beside a SQLite file store; None for any other."""
    from sqlalchemy.engine import make_url

    from charter.store.db import sqlite_file

    try:
        url = getattr(store, "url", None) or (make_url(store) if "://" in str(store) else None)
    except Exception:
        return None
    file = sqlite_file(url) if url is not None else None
    return _spelled_or_resolved(Path(file)) if file else None


def _spelled_or_resolved(database: Path) -> str:
    """The key file of the database `database` names however it is spelled: named after its
    resolved path, so a symlink to the store finds the same key (probing found a symlinked
    URL made a second key, and the app's held requests then could be neither approved nor
    resumed through it). A store already keyed under the spelled path (by a release before)
    keeps that key, now under the resolved name too: kept under the spelled name only, it
    was lost once any process opened the store by its real path and made a key there, as
    every process by either path then switched to that one (found by probing). A key the
    real path got before the spelled one was carried over is that process's own: the
    spelled path keeps the key its records and held requests were made under."""
    resolved = str(database.resolve()) + KEY_FILE_SUFFIX
    spelled = str(database.absolute()) + KEY_FILE_SUFFIX
    if spelled == resolved or not os.path.exists(spelled):
        return resolved
    if not os.path.exists(resolved):
        return resolved if _carried_over(Path(spelled), Path(resolved)) else spelled
    return resolved if _same_key(Path(spelled), Path(resolved)) else spelled


def _same_key(spelled: Path, resolved: Path) -> bool:
    """Whether both files hold one key; True when either cannot be read (the resolved key
    is then used, and reading it says what is wrong)."""
    try:
        return spelled.samefile(resolved) or spelled.read_bytes() == resolved.read_bytes()
    except OSError:
        return True


def _carried_over(spelled: Path, resolved: Path) -> bool:
    """Whether the key at `spelled` is now at `resolved` too: a hard link, else a copy
    placed whole (`_place`); False when neither can be made (the spelled key stays)."""
    try:
        os.link(spelled, resolved)
        return True
    except FileExistsError:
        return True  # another process carried it over first
    except OSError:
        pass  # another file system, a file system without links, a key of another owner
    try:
        _place(resolved, spelled.read_bytes())
    except OSError:
        return False
    return True


def _read_or_make(path: Path) -> bytes:
    """The key in `path`, made first if there is none. Made in a draft file and linked
    into place, so two processes starting at once both read the one that won."""
    if not os.path.exists(path):  # False too in a folder this process cannot enter
        try:
            _make(path)
        except OSError as exc:
            raise ConfigurationError(_unmakeable(path, exc.strerror or str(exc))) from None
    try:
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    except (OSError, binascii.Error, ValueError) as exc:
        raise ConfigurationError(
            f"cannot read the pseudonym key {path}: {exc}; give this process the read access "
            "it has to the database (its owner or group)"
        ) from None
    if len(key) != 32:
        raise ConfigurationError(
            f"the pseudonym key {path} is not 32 bytes of base64; restore it from a backup "
            "(removing it makes new pseudonyms that match no earlier record)"
        )
    return key


def _make(path: Path) -> None:
    _place(path, base64.b64encode(os.urandom(32)) + b"\n")


def _place(path: Path, content: bytes) -> None:
    """`content` written to a draft file and linked into place as the key at `path`, so no
    process reads a part-written key; one that is there already stays (another process's)."""
    private_folder(path.parent)
    database = path.with_name(path.name.removesuffix(KEY_FILE_SUFFIX))
    draft = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _share_like(fd, database)
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        draft.unlink()


def _share_like(fd: int, database: Path) -> None:
    """Give the key the database file's group and its owner and group access (never
    others'): a 0600 key in a store a group shares (folder 2770, database 0660) refused
    every reviewer of the group (found by review). Owner-only when the database is."""
    try:
        found = database.stat()
    except OSError:
        return  # no database yet: owner-only
    if found.st_mode & 0o060:
        with contextlib.suppress(OSError):  # not in its group: the folder's group stays
            os.fchown(fd, -1, found.st_gid)
    os.fchmod(fd, 0o600 | (found.st_mode & 0o060))


def _unmakeable(path: Path, why: str) -> str:
    return (
        f"cannot make the pseudonym key {path}: {why}. Make its folder writable by this "
        "process once (the key is made on first use and kept), or set vault_key"
    )
