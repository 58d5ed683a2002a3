"""Issue 14 #9: a decision log cut short (or rolled back and rewritten) is detected.

Replays the attack: delete the last records and move the chain head back, and `charter
audit verify` still says ok (the shorter chain is valid). The writer now notes checkpoints
of the head outside the database, in a file and as spans, and `verify --checkpoint` fails
naming the checkpoint the store no longer matches.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from charter.audit import AuditLog, verify
from charter.decision import Action, Decision


def _write(url: str, count: int, **options: object) -> None:
    with AuditLog(url, mode="sync", checkpoint_every=10, **options) as log:  # type: ignore[arg-type]
        for i in range(count):
            log.record(Decision(action=Action.ALLOW), {"i": i})


def _cut(db: Path, keep: int) -> None:
    """What an attacker with the database does: drop the tail, move the head back."""
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM charter_decision_log WHERE seq > ?", (keep,))
        conn.execute(
            "UPDATE charter_decision_log_head SET seq = ?, hash = "
            "(SELECT hash FROM charter_decision_log WHERE seq = ?)",
            (keep, keep),
        )


def _cli_verify(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "charter.cli", "audit", "verify", "--store", url, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_cut_tail_passes_the_chain_check_but_not_the_checkpoints(tmp_path: Path) -> None:
    db = tmp_path / "charter.db"
    url = f"sqlite:///{db}"
    _write(url, 30)
    checkpoints = Path(f"{db}.checkpoints.jsonl")  # written beside a SQLite store by default
    lines = [json.loads(line) for line in checkpoints.read_text().splitlines()]
    assert [c["head_seq"] for c in lines] == [10, 20, 30]
    assert _cli_verify(url, "--checkpoint", str(checkpoints)).returncode == 0

    _cut(db, keep=25)
    assert _cli_verify(url).returncode == 0  # the weakness: a shorter chain is a valid chain
    done = _cli_verify(url, "--checkpoint", str(checkpoints))
    assert done.returncode == 1  # main: no --checkpoint at all
    assert "truncated" in done.stdout
    assert "charter.db.checkpoints.jsonl:3" in done.stdout  # which checkpoint: the third line
    assert "saw 30 records; the store holds 25" in done.stdout


def test_a_rolled_back_and_rewritten_log_fails_the_checkpoint_it_contradicts(
    tmp_path: Path,
) -> None:
    db = tmp_path / "charter.db"
    url = f"sqlite:///{db}"
    checkpoints = tmp_path / "anchors" / "audit.jsonl"
    _write(url, 30, checkpoint_file=checkpoints)
    _cut(db, keep=15)
    # the attacker appends new records up to the old length: a valid chain, same head seq
    _write(url, 15, checkpoint_file=tmp_path / "attacker.jsonl")
    assert verify(url).ok and verify(url).head_seq == 30
    result = verify(url, checkpoints=checkpoints)
    assert not result.ok and result.problem == "rolled_back"
    assert result.failed_checkpoint == "audit.jsonl:2"  # seq 20: the first it contradicts
    assert result.first_broken_seq == 20
    assert "1 more fail too" in result.reason  # seq 30 was rewritten as well


def test_checkpoints_exported_as_spans_anchor_the_log_too(tmp_path: Path) -> None:
    db = tmp_path / "charter.db"
    url = f"sqlite:///{db}"
    spans = SpanStore(str(tmp_path / "spans.db"))
    receiver = Receiver(spans, http_port=0, grpc_port=None)
    receiver.start()
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.http.endpoint))
    )
    try:
        _write(url, 30, checkpoint_file=None, tracer_provider=provider)
        assert receiver.pipeline.flush(10)
        exported = tmp_path / "spans.jsonl"
        with exported.open("w") as out:
            assert spans.export_jsonl(out) == 3
    finally:
        provider.shutdown()
        receiver.stop()
        spans.close()
    assert verify(url, checkpoints=exported).checkpoints == 3
    _cut(db, keep=29)
    result = verify(url, checkpoints=exported)
    assert not result.ok and result.problem == "truncated"
    assert result.failed_checkpoint == "spans.jsonl:3"
