"""The tamper-evident decision log: every decision, hash-chained, shaped like OPA's logs.

`AuditLog.record()` queues a decision off the hot path; `verify()` checks the chain and
names the first broken record; `export()` / `iter_records()` read it back.
"""

from __future__ import annotations

from charter.audit.reader import export, iter_records
from charter.audit.record import DECISION_LOG_PATH, DecisionRecord, format_timestamp
from charter.audit.verify import VerifyResult, verify
from charter.audit.writer import AuditLog, AuditStats
from charter.store.decision_log import GENESIS_HASH

__all__ = [
    "DECISION_LOG_PATH",
    "GENESIS_HASH",
    "AuditLog",
    "AuditStats",
    "DecisionRecord",
    "VerifyResult",
    "export",
    "format_timestamp",
    "iter_records",
    "verify",
]
