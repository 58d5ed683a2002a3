"""What `audit_mode="sync"` costs against the default async writer, in the same run.

Subject: `AuditLog(mode="sync")`, which commits each decision (one transaction on a SQLite
file in WAL mode) before `record()` returns, so a decision whose call went ahead is on disk
even if the process is then killed. Floor: `AuditLog(mode="async")` on the same kind of
store, which only queues the record for a background writer. Both write the same redacted
policy input; the async figures include waiting for the writer to finish (`flush`).

Rows: `record()` latency on the caller's thread, single-thread throughput, throughput with
four threads recording at once, and a whole guarded call (PII off, telemetry off) with
each mode. Ratio = sync / async (>1 means sync is slower; for throughput, async / sync).

Under load: guarded calls back to back for a few seconds, the async writer sharing the GIL
with them. Once with `full_wait_s=0` (a full queue drops at once), which shows whether the
writer keeps up by itself: the share of the records produced that it had written when the
loop stopped; then with the default wait, where a full queue slows the calls instead.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

from bench._timing import row
from charter.audit import AuditLog
from charter.config import Settings
from charter.decision import Action, Decision, Violation
from charter.guard import Charter

DOC = {
    "schema": 1,
    "stage": "input",
    "app": "bench",
    "tenant": "t",
    "environment": "bench",
    "user": {"id": "u-7f3a", "roles": []},
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "text": "Please send the invoice to <EMAIL_ADDRESS_1> before Friday.",
    "pii": [{"type": "EMAIL_ADDRESS", "score": 0.99, "count": 1}],
    "signals": {"jailbreak": 0.01},
    "metadata": {},
}
DECISION = Decision(
    action=Action.REDACT,
    violations=(Violation(rule="privacy.pii_external", principle="GDPR art. 5"),),
    policy_revision="bench",
)
RECORDS = 3000
THREADS = 4
CALLS = 600
LOAD_S = 5.0


def _throughput(mode: str, workdir: Path, threads: int) -> tuple[float, float]:
    """(records per second until all are written, mean µs per record() call)."""
    log = AuditLog(f"sqlite:///{workdir / f'{mode}-{threads}.db'}", mode=mode, max_queue=RECORDS)
    log.record(DECISION, DOC)  # warm: schema, connection, WAL
    log.flush(60)
    per_thread = RECORDS // threads
    spent: list[float] = []

    def work() -> None:
        t0 = time.perf_counter()
        for _ in range(per_thread):
            log.record(DECISION, DOC)
        spent.append(time.perf_counter() - t0)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    log.flush(120)
    elapsed = time.perf_counter() - started
    log.close()
    assert log.stats.written == per_thread * threads + 1 and log.stats.dropped == 0
    return per_thread * threads / elapsed, sum(spent) / (per_thread * threads) * 1e6


def _guarded_us(mode: str, workdir: Path) -> float:
    settings = Settings.build(
        {
            "store_url": f"sqlite:///{workdir / f'guard-{mode}.db'}",
            "pii_mode": "off",
            "telemetry": False,
            "audit_mode": mode,
        }
    )
    charter = Charter(settings)

    def model(prompt: str) -> str:
        return "We are open 09:00-13:00 on Saturdays."

    guarded = charter.guard(model="gpt-4o-mini", provider="openai")(model)
    for _ in range(50):
        guarded("What are your opening hours on Saturday?")
    started = time.perf_counter()
    for _ in range(CALLS):
        guarded("What are your opening hours on Saturday?")
    per_call = (time.perf_counter() - started) / CALLS * 1e6
    charter.close()
    return per_call


def _under_load(workdir: Path, full_wait_s: float) -> tuple[float, int, float]:
    """(share of produced records written when the loop stopped, records dropped, calls/s)
    for guarded calls back to back for `LOAD_S` seconds."""
    url = f"sqlite:///{workdir / f'load-{full_wait_s}.db'}"
    settings = Settings.build({"store_url": url, "pii_mode": "off", "telemetry": False})
    log = AuditLog(url, full_wait_s=full_wait_s)
    charter = Charter(settings, audit=log)
    guarded = charter.guard(model="gpt-4o-mini", provider="openai")(lambda prompt: "Open 9-1.")
    calls = 0
    started = time.perf_counter()
    while time.perf_counter() - started < LOAD_S:
        for _ in range(100):
            guarded("What are your opening hours on Saturday?")
        calls += 100
    rate = calls / (time.perf_counter() - started)
    stats = log.stats
    charter.close()
    log.close()
    return stats.written / (2 * calls), stats.dropped, rate


def run() -> list[dict[str, object]]:
    workdir = Path(tempfile.mkdtemp(prefix="charter-bench-audit-mode-"))
    try:
        # interleave the modes so machine noise hits both alike
        async_rate, async_us = _throughput("async", workdir, 1)
        sync_rate, sync_us = _throughput("sync", workdir, 1)
        async_rate4, _ = _throughput("async", workdir, THREADS)
        sync_rate4, _ = _throughput("sync", workdir, THREADS)
        guard_async = _guarded_us("async", workdir)
        guard_sync = _guarded_us("sync", workdir)
        kept_up, dropped_no_wait, _ = _under_load(workdir, 0.0)
        _, dropped_waiting, rate_waiting = _under_load(workdir, 1.0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [
        row(
            "record() on the caller's thread, sync mode (floor: async, same run)",
            sync_us,
            "µs/record",
            floor=async_us,
            target="the price of zero loss on kill -9; async is the default",
        ),
        row(
            "records/s written, 1 thread: async (floor: sync, same run)",
            async_rate,
            "records/s",
            floor=sync_rate,
            target=f"sync: {sync_rate:,.0f} records/s",
        ),
        row(
            f"records/s written, {THREADS} threads: async (floor: sync, same run)",
            async_rate4,
            "records/s",
            floor=sync_rate4,
            target=f"sync: {sync_rate4:,.0f} records/s (one commit per record)",
        ),
        row(
            "guarded call (PII, telemetry off), audit_mode=sync (floor: async, same run)",
            guard_sync,
            "µs/call",
            floor=guard_async,
            target="two records per call (input and output stage)",
        ),
        row(
            f"under load ({LOAD_S:.0f} s of guarded calls), full_wait_s=0: "
            "share of the records written when the loop stopped",
            100 * kept_up,
            "%",
            target="the writer keeps up by itself (before the one-INSERT batch: 13%)",
        ),
        row("the same: records dropped (queue full)", float(dropped_no_wait), "records"),
        row(
            "under load, default full_wait_s (1 s): records dropped",
            float(dropped_waiting),
            "records",
            target="0: a full queue slows the calls instead",
        ),
        row("the same: guarded calls per second", rate_waiting, "calls/s"),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
