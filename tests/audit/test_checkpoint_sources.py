"""Which checkpoints apply to a store: decided by where they came from, never by the store.

Found by review: checkpoints named their store by the hash of its first record, so a log
wiped, restarted and rewritten made a new "chain" whose checkpoints matched, and every
checkpoint from before the wipe was ignored (verify said ok). Now a checkpoint file's lines
all apply (one store per file) and of exported spans, which hold every app's, those of one
service (`--service`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from typer.testing import CliRunner

from charter.audit import AuditLog, read_checkpoints, verify
from charter.audit.checkpoint import Checkpoint, of_store
from charter.cli.main import app as cli
from charter.decision import Action, Decision
from charter.errors import AuditError


def _write(url: str, count: int, **options: object) -> None:
    with AuditLog(url, mode="sync", checkpoint_every=2, **options) as log:  # type: ignore[arg-type]
        for i in range(count):
            log.record(Decision(action=Action.ALLOW), {"i": i})


def _wipe(db: Path) -> None:
    """Someone with the database (not the checkpoints) deletes every record, head reset."""
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM charter_decision_log")
        conn.execute("UPDATE charter_decision_log_head SET seq = 0, hash = ?", ("0" * 64,))


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Receiver, SpanStore]]:
    """The monitor console's real OTLP receiver and span store, as apps export to it."""
    spans = SpanStore(str(tmp_path / "spans.db"))
    receiver = Receiver(spans, http_port=0, grpc_port=None)
    receiver.start()
    try:
        yield receiver, spans
    finally:
        receiver.stop()
        spans.close()


def _app(receiver: Receiver, url: str, service: str, count: int) -> None:
    """An app named `service` writing `count` records, its checkpoints only as spans."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.http.endpoint))
    )
    try:
        _write(url, count, checkpoint_file=None, tracer_provider=provider)
    finally:
        provider.shutdown()


def _export(console: tuple[Receiver, SpanStore], path: Path) -> Path:
    receiver, spans = console
    assert receiver.pipeline.flush(10)
    with path.open("w") as out:
        spans.export_jsonl(out)
    return path


def test_a_wiped_log_rewritten_after_a_restart_fails_its_checkpoint_file(
    tmp_path: Path,
) -> None:
    db, file = tmp_path / "s.db", tmp_path / "cp.jsonl"
    url = f"sqlite:///{db}"
    _write(url, 6, checkpoint_file=file)
    _wipe(db)
    result = verify(url, checkpoints=file)  # emptied: every checkpoint saw more
    assert (result.ok, result.problem, result.failed_checkpoint) == (
        False,
        "truncated",
        "cp.jsonl:1",
    )

    _write(url, 4, checkpoint_file=file)  # the app restarts: new records, new checkpoints
    assert [c.head_seq for c in read_checkpoints(file)] == [2, 4, 6, 2, 4]
    assert verify(url).ok  # a valid chain of 4
    result = verify(url, checkpoints=file)
    assert (result.ok, result.problem, result.failed_checkpoint) == (
        False,
        "rolled_back",
        "cp.jsonl:1",
    )
    assert result.checkpoints == 5


def test_spans_of_several_apps_are_checked_per_service(
    tmp_path: Path, console: tuple[Receiver, SpanStore]
) -> None:
    billing, support = f"sqlite:///{tmp_path}/billing.db", f"sqlite:///{tmp_path}/support.db"
    _app(console[0], billing, "billing", 3)
    _app(console[0], support, "support", 5)
    spans = _export(console, tmp_path / "spans.jsonl")
    assert [(c.service, c.head_seq) for c in read_checkpoints(spans)] == [
        ("billing", 2), ("billing", 3), ("support", 2), ("support", 4), ("support", 5)
    ]  # fmt: skip

    for url, service, own in ((billing, "billing", 2), (support, "support", 3)):
        result = verify(url, checkpoints=spans, service=service)
        assert (result.ok, result.checkpoints) == (True, own), result.reason
    with pytest.raises(AuditError, match=r"2 services \(billing, support\).*--service"):
        verify(billing, checkpoints=spans)
    done = CliRunner().invoke(cli, ["audit", "verify", "--store", billing, "--checkpoint",
                                    str(spans)])  # fmt: skip
    assert done.exit_code == 2 and "billing, support" in done.output

    _wipe(tmp_path / "support.db")  # wiped, and the app goes on: its old spans still apply
    _app(console[0], support, "support", 5)
    spans = _export(console, tmp_path / "spans2.jsonl")
    result = verify(support, checkpoints=spans, service="support")
    assert (result.ok, result.problem, result.failed_checkpoint) == (
        False,
        "rolled_back",
        "spans2.jsonl:3",
    )
    assert verify(billing, checkpoints=spans, service="billing").ok


def test_one_services_spans_of_two_stores_are_checked_per_store(
    tmp_path: Path, console: tuple[Receiver, SpanStore]
) -> None:
    """Found by probing: checkpoint spans name their store, yet only the service chose
    among them, so two stores under one service name (two Charters of one app, as when
    one's spans went out under another's service) read each other's: the smaller one was
    reported truncated. Now the verified store's apply; a store they do not name is held
    to all of them (fail closed), so it fails as truncated."""
    small, large = f"sqlite:///{tmp_path}/small.db", f"sqlite:///{tmp_path}/large.db"
    _app(console[0], small, "billing", 3)
    _app(console[0], large, "billing", 5)
    spans = _export(console, tmp_path / "spans.jsonl")
    for url, own in ((small, 2), (large, 3)):
        result = verify(url, checkpoints=spans, service="billing")
        assert (result.ok, result.checkpoints) == (True, own), result.reason
    _write(f"sqlite:///{tmp_path}/other.db", 1, checkpoint_file=None)
    result = verify(f"sqlite:///{tmp_path}/other.db", checkpoints=spans, service="billing")
    assert (result.ok, result.problem, result.checkpoints) == (False, "truncated", 5)


def test_a_store_spelled_two_ways_is_held_to_all_its_checkpoints(
    tmp_path: Path, console: tuple[Receiver, SpanStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by review: the app named its store `sqlite:///s.db`, then by its absolute
    path; checkpoints were matched by spelling, so verifying with the first skipped the
    second's and a log cut back by two records passed, and a third spelling was refused."""
    monkeypatch.chdir(tmp_path)
    relative, absolute = "sqlite:///s.db", f"sqlite:///{tmp_path}/s.db"
    _app(console[0], relative, "billing", 4)  # checkpoints at 2 and 4
    _app(console[0], absolute, "billing", 4)  # at 6 and 8
    spans = _export(console, tmp_path / "spans.jsonl")
    assert verify(relative, checkpoints=spans, service="billing").checkpoints == 4
    with sqlite3.connect(tmp_path / "s.db") as conn:  # the last two records cut off
        (hash6,) = conn.execute("SELECT hash FROM charter_decision_log WHERE seq = 6").fetchone()
        conn.execute("DELETE FROM charter_decision_log WHERE seq > 6")
        conn.execute("UPDATE charter_decision_log_head SET seq = 6, hash = ?", (hash6,))
    for url in (relative, absolute, f"sqlite:///{tmp_path}/./s.db"):
        result = verify(url, checkpoints=spans, service="billing")
        assert (result.ok, result.problem, result.checkpoints) == (False, "truncated", 4), url


def test_an_app_with_no_checkpoint_yet_passes_and_says_so(
    tmp_path: Path, console: tuple[Receiver, SpanStore]
) -> None:
    _app(console[0], f"sqlite:///{tmp_path}/billing.db", "billing", 3)
    spans = _export(console, tmp_path / "spans.jsonl")
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    log = AuditLog(fresh, mode="sync", checkpoint_file=None)  # running, no checkpoint yet
    try:
        for i in range(5):
            log.record(Decision(action=Action.ALLOW), {"i": i})
        result = verify(fresh, checkpoints=spans, service="fresh")
        assert (result.ok, result.checkpoints) == (True, 0), result.reason
        done = CliRunner().invoke(
            cli,
            [
                "audit",
                "verify",
                "--store",
                fresh,
                "--checkpoint",
                str(spans),
                "--service",
                "fresh",
            ],
        )
    finally:
        log.close()
    assert done.exit_code == 0, done.output
    assert "holds no checkpoints of service 'fresh' (services in it: billing)" in done.output
    assert "ok: 5 records verified; 0 checkpoints of service fresh hold" in done.output


def test_service_applies_to_spans_only(tmp_path: Path) -> None:
    url, file = f"sqlite:///{tmp_path}/s.db", tmp_path / "cp.jsonl"
    _write(url, 3, checkpoint_file=file)
    with pytest.raises(AuditError, match="checkpoint file lines"):
        verify(url, checkpoints=file, service="billing")
    with pytest.raises(AuditError, match="--checkpoint"):
        verify(url, service="billing")


def test_postgres_checkpoints_match_by_host_port_and_database() -> None:
    """The user, password and driver prefix do not change which database a URL names."""
    stores = (
        "postgresql://app:***@DB.example:5432/charter",
        "postgresql+psycopg://reader@db.example/charter",
        "postgresql://app:***@db.example:5432/other",
    )
    spans = [Checkpoint(i, "0" * 64, "", s, f"s:{i}", "billing") for i, s in enumerate(stores)]
    chosen = of_store(spans, "postgres://ops:secret@db.example/charter")
    assert [c.store for c in chosen] == list(stores[:2])
