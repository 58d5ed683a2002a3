"""The tamper-evident decision log: every decision, hash-chained, shaped like OPA's logs.

`AuditLog.record()` queues a decision off the hot path (or writes it first, `mode="sync"`)
and notes checkpoints of the chain head outside the database; `verify()` checks the chain,
names the first broken record and, given checkpoints, detects a cut or rolled-back tail;
`export()` / `iter_records()` read it back.
"""

from __future__ import annotations

from charter.audit._stats import AuditStats
from charter.audit.checkpoint import Checkpoint, read_checkpoints
from charter.audit.reader import export, iter_records
from charter.audit.record import (
    DECISION_LOG_PATH,
    MARKER_LABEL,
    DecisionRecord,
    format_timestamp,
)
from charter.audit.verify import VerifyResult, verify
from charter.audit.writer import AuditLog
from charter.store.decision_log import GENESIS_HASH

__all__ = [
    "DECISION_LOG_PATH",
    "GENESIS_HASH",
    "MARKER_LABEL",
    "AuditLog",
    "AuditStats",
    "Checkpoint",
    "DecisionRecord",
    "VerifyResult",
    "export",
    "format_timestamp",
    "iter_records",
    "read_checkpoints",
    "verify",
]
