"""Canonical JSON and hashing: one definition shared by action binding, audit chain and
bundle revisions, so two processes always compute the same digest for the same value."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: stable across processes and versions."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(value: Any) -> str:
    """SHA-256 of the canonical JSON of `value` (bytes/str are hashed as they are)."""
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode()
    else:
        data = canonical_json(value).encode()
    return hashlib.sha256(data).hexdigest()


def is_json(value: Any) -> bool:
    """True when `value` serialises as JSON as it is (no `default=` coercion)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
