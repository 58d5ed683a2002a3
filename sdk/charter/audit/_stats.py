"""What an `AuditLog` has done so far: counts a caller can watch and alert on."""

from __future__ import annotations

import logging
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuditStats:
    written: int
    """Records committed to the store by this `AuditLog` (markers included)."""
    dropped: int
    """Records refused because the queue was full, or the log was closed as the process
    ended (until then, a record after `close()` is written on the caller's thread)."""
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

    def report_close(self, log: logging.Logger) -> None:
        """What `close()` logs: the records it could not write, and those dropped."""
        if self.queued or self.lost:
            log.error(
                "decision log: %d records could not be written before close%s",
                self.queued + self.lost,
                f" (last store error: {self.last_error})" if self.last_error else "",
            )
        if self.dropped:
            log.warning("decision log: %d records were dropped in total", self.dropped)
