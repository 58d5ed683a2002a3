"""Approval queue: enqueue rate and claim/decide latency on SQLite and PostgreSQL.

Floors, measured in the same run on the same engine: a bare INSERT of the same request and
event rows in one transaction (for enqueue), and a bare single-row UPDATE transaction (for
claim and decide). Subjects: `ApprovalQueue.submit`, `claim_next` and `approve` (validation,
locking, authorization, history rows, re-reading the result). The sweep (`expire_due`, run
by every list and inbox) is timed with nothing due, before and after USED_HISTORY used
approvals are added: its cost must not grow with them. Targets (issue 6): >= 1,000
enqueues/s on SQLite; decide p50 < 5 ms on PostgreSQL. PostgreSQL runs durable (fsync on)
on a throwaway server started from the local binaries; skipped if there are none.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from bench._timing import percentiles_ms, row
from charter.approvals import ReviewerDirectory, action_hash
from charter.approvals.queue import ApprovalQueue
from charter.decision import ApprovalSpec, Approvers
from charter.store import connect
from charter.store.approval_tables import EVENTS, REQUESTS

ENQUEUES = 600
DECIDES = 300
ROUNDS = 6
SWEEPS = 50
USED_HISTORY = 20_000
SPEC = ApprovalSpec(reason="payment over limit", approvers=Approvers(roles=("finance",)))
ACTION = {
    "kind": "tool_call",
    "function": "bank.tools:pay",
    "model": {"provider": "offline", "name": "echo"},
    "text": "Pay invoice 77 for <PERSON_1> to <IBAN_CODE_1>",
    "tool": {"name": "pay", "arguments": {"iban": "<IBAN_CODE_1>", "eur": 900}},
}
DIRECTORY = ReviewerDirectory.from_mapping(
    {"alice": {"roles": ["finance"]}, "erin": {"roles": ["finance"]}}, source="bench"
)


def _submit(queue: ApprovalQueue) -> str:
    return queue.submit(
        spec=SPEC,
        action=ACTION,
        requester="user-7",
        tenant="acme",
        app="payments-bot",
        rule="tools.payment_over_limit",
        decision_id=str(uuid.uuid4()),
    ).id


def _bare_insert(engine: Engine, template: dict[str, Any]) -> Callable[[], None]:
    """The floor for enqueue: the same two rows, no validation, hashing or models."""

    def insert_once() -> None:
        values = {**template, "id": f"apr_{uuid.uuid4().hex}"}
        event = {
            "request_id": values["id"],
            "at": values["created_at"],
            "actor": "user-7",
            "kind": "created",
            "from_state": "",
            "to_state": "pending",
            "reason": "",
        }
        with engine.begin() as conn:
            conn.execute(insert(REQUESTS), [values])
            conn.execute(insert(EVENTS), [event])

    return insert_once


def _enqueue_rates(queue: ApprovalQueue) -> tuple[float, float]:
    """(subject, floor) enqueues per second, interleaved rounds, medians."""
    request = queue.get(_submit(queue))
    template = {
        **request.model_dump(exclude={"votes", "history"}, mode="json"),
        "created_at": request.created_at,
        "updated_at": request.created_at,
        "expires_at": request.expires_at,
        "claimed_until": None,
    }
    floor = _bare_insert(queue.engine, template)
    per_round = ENQUEUES // ROUNDS
    subject_rates, floor_rates = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(per_round):
            floor()
        floor_rates.append(per_round / (time.perf_counter() - started))
        started = time.perf_counter()
        for _ in range(per_round):
            _submit(queue)
        subject_rates.append(per_round / (time.perf_counter() - started))
    return sorted(subject_rates)[ROUNDS // 2], sorted(floor_rates)[ROUNDS // 2]


def _latencies(queue: ApprovalQueue) -> dict[str, list[float]]:
    """Seconds per call: claim_next, approve, and the bare UPDATE floor, interleaved."""
    tickets = [_submit(queue) for _ in range(DECIDES)]
    engine = queue.engine
    samples: dict[str, list[float]] = {"claim": [], "decide": [], "floor": []}
    for ticket in tickets:
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                update(REQUESTS).where(REQUESTS.c.id == ticket).values(updated_at=datetime.now(UTC))
            )
        samples["floor"].append(time.perf_counter() - started)
        started = time.perf_counter()
        claimed = queue.claim_next("alice")
        samples["claim"].append(time.perf_counter() - started)
        assert claimed is not None
        started = time.perf_counter()
        queue.approve(claimed.id, "alice")
        samples["decide"].append(time.perf_counter() - started)
    return samples


def _sweep_latencies(queue: ApprovalQueue) -> tuple[list[float], list[float]]:
    """Seconds per `expire_due` with nothing due: (with USED_HISTORY used approvals, without)."""

    def sweeps() -> list[float]:
        samples = []
        for _ in range(SWEEPS):
            started = time.perf_counter()
            queue.expire_due()
            samples.append(time.perf_counter() - started)
        return samples

    before = sweeps()
    used = queue.claim_next("alice")
    assert used is not None
    queue.approve(used.id, "alice")
    queue.consume(used.id, action_hash(ACTION))
    with queue.engine.begin() as conn:
        template = conn.execute(select(REQUESTS).where(REQUESTS.c.id == used.id)).mappings()
        past = datetime.now(UTC) - timedelta(days=30)  # history: used, long past its use-by
        row_ = {**template.one(), "created_at": past, "expires_at": past, "consumed_at": past}
        copies = [{**row_, "id": f"apr_{uuid.uuid4().hex}"} for _ in range(USED_HISTORY)]
        conn.execute(insert(REQUESTS), copies)
    return sweeps(), before


def _backend_rows(label: str, url: str, *, enqueue_target: str = "") -> list[dict[str, object]]:
    engine = connect(url)
    try:
        queue = ApprovalQueue(engine, directory=DIRECTORY)
        rate, floor_rate = _enqueue_rates(queue)
        samples = _latencies(queue)
        swept, swept_before = _sweep_latencies(queue)
    finally:
        engine.dispose()
    f50, f95 = percentiles_ms(samples["floor"])
    c50, c95 = percentiles_ms(samples["claim"])
    d50, d95 = percentiles_ms(samples["decide"])
    s50, _ = percentiles_ms(swept)
    b50, _ = percentiles_ms(swept_before)
    decide_target = "p50 < 5 ms" if label == "PostgreSQL" else ""
    return [
        row(f"{label}: bare INSERT request+event (floor)", floor_rate, "rows/s"),
        {
            **row(f"{label}: submit (enqueue)", rate, "req/s", target=enqueue_target),
            "floor": floor_rate,
            "ratio": rate / floor_rate,
        },
        row(f"{label}: bare single-row UPDATE p50 (floor)", f50, "ms"),
        row(f"{label}: bare single-row UPDATE p95 (floor)", f95, "ms"),
        row(f"{label}: claim_next p50", c50, "ms", floor=f50),
        row(f"{label}: claim_next p95", c95, "ms", floor=f95),
        row(f"{label}: approve (decide) p50", d50, "ms", floor=f50, target=decide_target),
        row(f"{label}: approve (decide) p95", d95, "ms", floor=f95),
        row(f"{label}: expire_due p50, no used approvals (floor)", b50, "ms"),
        row(f"{label}: expire_due p50, {USED_HISTORY:,} used approvals", s50, "ms", floor=b50),
    ]


@contextlib.contextmanager
def _postgres() -> Iterator[str | None]:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    try:
        from tests.support.postgres import PostgresUnavailable, start_postgres
    finally:
        sys.path.remove(str(root))
    try:
        server = start_postgres(durable=True)
    except PostgresUnavailable as exc:
        print(f"bench_approvals: PostgreSQL skipped: {exc}", file=sys.stderr)
        yield None
        return
    try:
        yield server.create_database("charter_bench")
    finally:
        server.remove()


def run() -> list[dict[str, object]]:
    workdir = Path(tempfile.mkdtemp(prefix="charter-bench-approvals-"))
    try:
        rows = _backend_rows(
            "SQLite", f"sqlite:///{workdir / 'charter.db'}", enqueue_target=">= 1,000 req/s"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    with _postgres() as url:
        if url is not None:
            rows += _backend_rows("PostgreSQL", url)
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
