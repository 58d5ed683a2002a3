"""`verify()`: walk the decision log and name the first record that breaks the chain.

A record is *changed* when its content no longer matches its hash (or, if its hash was
recomputed, when the next record's `prev_hash` no longer matches it); *missing* when `seq`
skips a number or the chain head says the log is longer than it is; *reordered* when its
hash matches its content at another position. Verification reads one consistent snapshot,
so writers may keep appending while it runs.

A chain cut at its end is still a valid chain: with checkpoints (`charter.audit.checkpoint`)
the result is also *truncated* when the store holds fewer records than a checkpoint saw, and
*rolled_back* when it holds another record at a checkpoint's position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine

from charter.audit._store import existing_sqlite_file, opened, require_log
from charter.audit.checkpoint import Checkpoint, check, of_service, of_store, read_checkpoints
from charter.audit.record import chain_hash, material_from_row
from charter.errors import AuditError
from charter.store.decision_log import (
    GENESIS_HASH,
    UnreadableRow,
    head_exists,
    iter_rows,
    read_head,
    row_key,
    rows_with_hash,
)
from charter.store.transactions import read_transaction

Problem = Literal["changed", "missing", "reordered", "truncated", "rolled_back"]
_REORDER_WINDOW = 64
"""How far from its position a moved record is looked for (beyond: reported as changed)."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    """Records whose hash and link were checked before the walk ended."""
    first_broken_seq: int | None = None
    reason: str = ""
    decision_id: str | None = None
    """Of the first broken record, when it is present (not for a missing one)."""
    problem: Problem | None = None
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    """The newest record's hash: note it somewhere else to detect a truncated tail later."""
    checkpoints: int = 0
    """Checkpoints the store was checked against (of spans, the chosen service's)."""
    failed_checkpoint: str | None = None
    """Where the first checkpoint the store fails was read from (`file:line`)."""


def verify(
    store_url_or_engine: str | Engine,
    checkpoints: str | Path | Sequence[Checkpoint] | None = None,
    service: str | None = None,
) -> VerifyResult:
    """Check every record's hash and link, in `seq` order, and the chain head; then that
    the store still holds what each checkpoint (a file, or parsed ones) saw: of spans,
    those of `service`, the app whose store this is (`checkpoint.of_service`)."""
    if isinstance(checkpoints, str | Path):
        # Read before the snapshot: each checkpoint was written after its records were
        # committed, so the snapshot holds every record a checkpoint in the file saw.
        checkpoints = read_checkpoints(checkpoints)
    if checkpoints is not None:
        checkpoints = of_service(checkpoints, service)
    elif service is not None:
        raise AuditError("a service picks checkpoints among spans: give them (--checkpoint)")
    existing_sqlite_file(store_url_or_engine)
    with opened(store_url_or_engine) as engine:
        if checkpoints:
            checkpoints = of_store(checkpoints, engine)
        require_log(engine)
        with read_transaction(engine, "verifying the decision log") as conn:
            result = _walk(conn)
            if not result.ok or not checkpoints:
                return result
            failure = check(conn, checkpoints, result.head_seq)
    if failure is None:
        return replace(result, checkpoints=len(checkpoints))
    others = f" ({failure.failing - 1} more fail too)" if failure.failing > 1 else ""
    return replace(
        result,
        ok=False,
        first_broken_seq=min(failure.checkpoint.head_seq, result.head_seq + 1),
        reason=f"{failure.problem}: {failure.reason}{others}",
        problem=failure.problem,
        checkpoints=len(checkpoints),
        failed_checkpoint=failure.checkpoint.where,
    )


def _walk(conn: Connection) -> VerifyResult:
    expected, prev_hash, checked = 1, GENESIS_HASH, 0
    prev_decision: str | None = None
    for row in iter_rows(conn):
        seq, decision_id = row_key(row)
        if not isinstance(seq, int):
            return _broken(
                checked,
                expected,
                "changed",
                decision_id,
                f"a record's stored seq ({seq!r}) is not a whole number: the row was edited",
            )
        if seq > expected:
            gap = f"{expected}" if seq == expected + 1 else f"{expected}-{seq - 1}"
            return _broken(
                checked,
                expected,
                "missing",
                None,
                f"record {gap} is missing: the log jumps from seq {expected - 1} to {seq} "
                f"(decision_id {decision_id})",
            )
        if seq < expected:
            return _broken(
                checked,
                seq,
                "changed",
                decision_id,
                f"record seq {seq} has an impossible position (seq starts at 1)",
            )
        if isinstance(row, UnreadableRow):
            return _broken(
                checked,
                seq,
                "changed",
                decision_id,
                f"its stored {row.column} cannot be read as its column's type: the row was edited",
            )
        try:
            material = material_from_row(row)
        except (ValueError, TypeError):
            return _broken(
                checked,
                seq,
                "changed",
                decision_id,
                "its stored JSON no longer parses, or repeats a key: the row was edited",
            )
        if chain_hash(material) != row["hash"]:
            written_as = _written_as(conn, material, str(row["hash"]), str(row["prev_hash"]))
            if written_as is not None:
                return _broken(
                    checked,
                    seq,
                    "reordered",
                    decision_id,
                    f"the record at seq {seq} was written as seq {written_as}: records were moved",
                )
            return _broken(
                checked,
                seq,
                "changed",
                decision_id,
                "its content no longer matches its hash",
            )
        if row["prev_hash"] != prev_hash:
            if prev_decision is None:
                return _broken(
                    checked,
                    seq,
                    "changed",
                    decision_id,
                    "the first record does not start from the genesis hash",
                )
            return _broken(
                checked,
                seq - 1,
                "changed",
                prev_decision,
                f"record seq {seq - 1} was rewritten: its hash no longer matches the "
                f"prev_hash held by record seq {seq}",
            )
        prev_hash, prev_decision = str(row["hash"]), decision_id
        expected += 1
        checked += 1
    return _check_head(conn, checked, expected - 1, prev_hash, prev_decision)


def _check_head(
    conn: Connection, checked: int, last_seq: int, last_hash: str, last_decision: str | None
) -> VerifyResult:
    if not head_exists(conn):
        return _broken(
            checked,
            max(last_seq, 1),
            "changed",
            last_decision,
            "the chain head table charter_decision_log_head was dropped, so a truncated "
            "tail cannot be ruled out",
        )
    head = read_head(conn)
    if head is None:
        if last_seq == 0:
            return VerifyResult(ok=True, checked=0, reason="the decision log is empty")
        return _broken(
            checked,
            last_seq,
            "changed",
            last_decision,
            "the chain head row was deleted, so a truncated tail cannot be ruled out",
        )
    if head.seq > last_seq:
        gap = f"{last_seq + 1}" if head.seq == last_seq + 1 else f"{last_seq + 1}-{head.seq}"
        return _broken(
            checked,
            last_seq + 1,
            "missing",
            None,
            f"record {gap} is missing: the chain head says the log ends at seq {head.seq}, "
            f"the table at seq {last_seq}",
        )
    if head.seq < last_seq:
        return _broken(
            checked,
            head.seq + 1,
            "changed",
            None,
            f"records after seq {head.seq} were added behind the writer's back: the chain "
            f"head says the log ends at seq {head.seq}",
        )
    if head.hash != last_hash:
        return _broken(
            checked,
            last_seq,
            "changed",
            last_decision,
            f"record seq {last_seq} was rewritten: its hash no longer matches the chain head",
        )
    return VerifyResult(
        ok=True,
        checked=checked,
        reason=f"{checked} records verified" if checked else "the decision log is empty",
        head_seq=head.seq,
        head_hash=head.hash,
    )


def _written_as(
    conn: Connection, material: Mapping[str, Any], stored_hash: str, prev_hash: str
) -> int | None:
    """The position a record was hashed for, if it is not where it sits now."""
    here = int(material["seq"])
    candidates = [int(seq) + 1 for seq in rows_with_hash(conn, prev_hash)]
    if prev_hash == GENESIS_HASH:
        candidates.append(1)
    candidates += range(max(here - _REORDER_WINDOW, 1), here + _REORDER_WINDOW + 1)
    for seq in candidates:
        if seq != here and chain_hash({**material, "seq": seq}) == stored_hash:
            return seq
    return None


def _broken(
    checked: int, seq: int, problem: Problem, decision_id: str | None, why: str
) -> VerifyResult:
    return VerifyResult(
        ok=False,
        checked=checked,
        first_broken_seq=seq,
        reason=f"{problem}: {why}",
        decision_id=decision_id,
        problem=problem,
    )
