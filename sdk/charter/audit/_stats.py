"""What an `AuditLog` has done so far: counts a caller can watch and alert on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuditStats:
    written: int
    """Records committed to the store by this `AuditLog` (markers included)."""
    dropped: int
    """Records refused because the queue was full or the log was closed."""
    queued: int
    """Records accepted and not yet written."""
    lost: int = 0
    """Accepted records that could not be written before `close()` gave up (async), or
    that `record()` could not write and reported with `AuditError` (sync)."""
    last_error: str | None = None
    marked: int = 0
    """Records that could not be written themselves; a marker record stands in for each."""
    checkpoints: int = 0
    """Checkpoints written to the checkpoint file."""
