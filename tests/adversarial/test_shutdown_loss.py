"""Issue 14 #8: what was acknowledged survives SIGTERM and kill -9.

Replays the attacks: SIGTERM to an app whose decision log still had records queued (lost:
Python's default SIGTERM skips atexit), kill -9 of a busy app (131 of 3,140 decisions were
only in memory; `audit_mode="sync"` is the zero-loss answer), and SIGTERM / kill -9 to
`charter monitor serve`, which had answered 200 for 1,024 spans it then never stored.
Each time the store is held locked so that the writer cannot keep up: the window in which
acknowledged data lives only in memory is as wide as it can be.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.monitor_tui.otlp_bodies import protobuf_body

ROOT = Path(__file__).resolve().parents[2]


def _child(script: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[sqlite3.Connection]:
    """Hold SQLite's write lock on `path`: no other writer can commit meanwhile."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    finally:
        db.execute("ROLLBACK")
        db.close()


@contextlib.contextmanager
def _going_with_the_store_locked(child: subprocess.Popen[str], db: Path) -> Iterator[None]:
    """Wait for the app's "ready", lock the store, then tell it to go on (a line on stdin)."""
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    with _locked(db):
        child.stdin.write("go\n")
        child.stdin.flush()
        yield


def _logged_ids(db_path: Path) -> list[int]:
    import json

    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT input_json FROM charter_decision_log ORDER BY seq").fetchall()
    return [json.loads(r[0])["i"] for r in rows]


# --- the app's decision log ------------------------------------------------------------------


def test_sigterm_writes_the_queued_decisions_before_the_process_ends(tmp_path: Path) -> None:
    db = tmp_path / "charter.db"
    child = _child(
        f"""
        import sys, time
        from charter.audit import AuditLog
        from charter.decision import Action, Decision
        log = AuditLog("sqlite:///{db}")
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(500):
            log.record(Decision(action=Action.ALLOW), {{"i": i}})
        print("recorded", log.stats.queued, flush=True)
        time.sleep(120)
        """
    )
    assert child.stdout is not None
    with _going_with_the_store_locked(child, db):
        assert child.stdout.readline().split() == ["recorded", "500"]  # all still queued
        child.send_signal(signal.SIGTERM)
        time.sleep(0.5)
    assert child.wait(60) == -signal.SIGTERM  # still ends as SIGTERM ends a process
    assert _logged_ids(db) == list(range(500))  # main: 0 of 500


def test_sync_audit_mode_loses_nothing_acknowledged_to_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "charter.db"
    child = _child(
        f"""
        from charter.audit import AuditLog
        from charter.decision import Action, Decision
        log = AuditLog("sqlite:///{db}", mode="sync")
        i = 0
        while True:
            log.record(Decision(action=Action.ALLOW), {{"i": i}})
            print(i, flush=True)  # the call has returned: the decision is acknowledged
            i += 1
        """
    )
    assert child.stdout is not None
    acked: list[int] = []
    while len(acked) < 300:
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.stderr else ""
        acked.append(int(line))
    child.kill()
    child.wait(30)
    acked += [int(line) for line in child.stdout.read().split()]
    logged = set(_logged_ids(db))
    assert set(acked) <= logged, sorted(set(acked) - logged)[:10]


def test_the_writer_process_writes_what_it_was_sent_after_the_app_is_killed(
    tmp_path: Path,
) -> None:
    """`audit_writer="process"`: a record is in the child's pipe once `record()` returns, so
    kill -9 of the application loses none of them, even with the store locked until the
    application is dead (a writer thread would have lost them all)."""
    db = tmp_path / "charter.db"
    child = _child(
        f"""
        import time
        from charter.audit import AuditLog
        from charter.decision import Action, Decision
        log = AuditLog("sqlite:///{db}", writer="process")
        print("ready", flush=True)
        input()  # the test holds the store's lock from here
        for i in range(300):
            log.record(Decision(action=Action.ALLOW), {{"i": i}})
            print(i, flush=True)
        time.sleep(600)
        """
    )
    assert child.stdout is not None
    with _going_with_the_store_locked(child, db):
        acked = [int(child.stdout.readline()) for _ in range(300)]
        child.kill()
        child.wait(30)
        assert _logged_ids(db) == []  # nothing could be written while the lock was held
    deadline = time.monotonic() + 60
    while set(_logged_ids(db)) != set(acked):
        assert time.monotonic() < deadline, f"{len(_logged_ids(db))} of 300 written"
        time.sleep(0.1)
    assert _logged_ids(db) == list(range(300))


# --- charter monitor serve --------------------------------------------------------------------


def _span_ids(body: bytes) -> set[str]:
    request = ExportTraceServiceRequest.FromString(body)
    return {
        span.span_id.hex()
        for rs in request.resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    }


def _stored_span_ids(spans_db: Path) -> set[str]:
    with sqlite3.connect(spans_db) as db:
        return {r[0] for r in db.execute("SELECT span_id FROM spans")}


class _Exporter:
    """Posts batches in a thread and remembers which spans were answered 200."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.acked: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def send(self, count: int) -> None:
        for _ in range(count):
            self._post(protobuf_body(8))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._post(protobuf_body(8))
            except OSError:
                time.sleep(0.05)

    def _post(self, body: bytes) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(
                "POST", "/v1/traces", body=body, headers={"Content-Type": "application/x-protobuf"}
            )
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                self.acked |= _span_ids(body)
        finally:
            conn.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    spans_db = tmp_path / "spans.db"
    child = subprocess.Popen(
        [sys.executable, "-m", "charter.cli", "monitor", "serve", "--port", str(port),
         "--no-grpc", "--spans", str(spans_db)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    assert "receiving on" in child.stdout.readline()
    yield child, port, spans_db
    if child.poll() is None:
        child.kill()
        child.wait(30)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "kill -9"])
def test_the_receiver_never_loses_spans_it_answered_200_for(
    serve: tuple[subprocess.Popen[str], int, Path], how: signal.Signals
) -> None:
    child, port, spans_db = serve
    exporter = _Exporter(port)
    exporter.send(3)  # stored normally
    acked_before = len(exporter.acked)
    assert acked_before == 48  # 8 calls, each with its policy span
    with _locked(spans_db):  # the writer cannot store: spans pile up in memory
        exporter.start()
        time.sleep(1.0)
        os.kill(child.pid, how)
        if how == signal.SIGTERM:
            time.sleep(1.0)  # still locked while the receiver shuts down
    code = child.wait(60)
    exporter.stop()
    stored = _stored_span_ids(spans_db)
    lost = exporter.acked - stored
    assert not lost, f"{len(lost)} spans answered 200 and lost"  # main: every span sent
    if how == signal.SIGTERM:
        assert code == 0  # a graceful stop
        assert len(exporter.acked) > acked_before  # the request in flight was finished
