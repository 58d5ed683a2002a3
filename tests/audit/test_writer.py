"""The background writer: what a record holds, bounded queue, retries, close, fork, exit."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.pool import StaticPool

from charter.audit import DECISION_LOG_PATH, AuditLog, iter_records, verify
from charter.audit import writer as _writer
from charter.decision import Action, Decision, Stage, Violation
from charter.errors import AuditError, ConfigurationError
from charter.policy.input import PIISummary, PolicyInput, ToolRef, UserRef
from charter.pseudonyms import Pseudonyms
from charter.store import connect
from charter.store.decision_log import LOG

ROOT = Path(__file__).resolve().parents[2]


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(LOG)).scalar_one())


def _raw(sqlite_url: str, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A second, plain connection to the store's file: to hold its lock, or to change it
    behind the log's back."""
    path = sqlite_url.removeprefix("sqlite:///")
    return sqlite3.connect(path, isolation_level=None, check_same_thread=check_same_thread)


def _wait_until(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def test_a_record_is_shaped_like_an_opa_decision_log_entry(engine: Engine) -> None:
    decision = Decision(
        action=Action.REDACT,
        violations=(Violation(rule="privacy.email", principle="GDPR art. 5"),),
        redact={"EMAIL_ADDRESS": "placeholder"},
        policy_revision="git:abc123",
        stage=Stage.OUTPUT,
        eval_ms=0.25,
    )
    policy_input = PolicyInput(
        stage=Stage.OUTPUT,
        app="bot",
        tenant="acme",
        user=UserRef(id="u-1"),
        text="mail <EMAIL_ADDRESS_1>",
        pii=(PIISummary(type="EMAIL_ADDRESS", score=0.99),),
    )
    before = datetime.now(UTC)
    with AuditLog(engine) as log:
        log.record(
            decision,
            policy_input,
            trace_id="a" * 32,
            span_id="b" * 16,
            labels={"app": "bot", "tenant": "acme", "environment": "prod"},
        )
        log.flush(30)
        assert log.stats.written == 1
        keyed = log.pseudonyms  # a SQLite file's key beside it; PostgreSQL's: none
    [record] = iter_records(engine)
    assert record.seq == 1
    assert record.decision_id == decision.decision_id
    assert record.path == DECISION_LOG_PATH
    # The text is withheld by default (issue 14 #6): its digest and length stand in for it.
    assert record.input == {
        **policy_input.to_dict(),
        "text": "",
        **_text_digest(keyed, "mail <EMAIL_ADDRESS_1>"),
        "text_chars": len("mail <EMAIL_ADDRESS_1>"),
    }
    assert record.result == decision.model_dump(mode="json")
    assert record.policy_revision == "git:abc123"
    assert (record.trace_id, record.span_id) == ("a" * 32, "b" * 16)
    assert record.labels == {
        "app": "bot",
        "tenant": "acme",
        "environment": "prod",
        "stage": "output",
    }
    assert record.metrics == {"timer_eval_ns": 250_000}
    assert before <= record.timestamp <= datetime.now(UTC)
    assert record.hash == record.compute_hash()


def _text_digest(pseudonyms: Pseudonyms, text: str) -> dict[str, str]:
    return {"text_hmac" if pseudonyms.keyed else "text_sha256": pseudonyms.hex(text)}


def test_a_plain_mapping_is_snapshotted_when_recorded(sqlite_url: str) -> None:
    document = {"text": "<PHONE_NUMBER_1>", "metadata": {"turn": 1}}
    with AuditLog(sqlite_url) as log:
        log.record(Decision(action=Action.ALLOW), document)
        document["metadata"]["turn"] = 2  # the caller reuses its dict
        document["text"] = "changed"
    [record] = iter_records(sqlite_url)
    assert log.pseudonyms.keyed
    assert record.input == {
        "text": "",
        "text_hmac": log.pseudonyms.hex("<PHONE_NUMBER_1>"),
        "text_chars": 16,
        "metadata": {"turn": 1},
    }


def test_an_app_that_opts_in_keeps_the_redacted_text(sqlite_url: str) -> None:
    policy_input = PolicyInput(
        text="call <PHONE_NUMBER_1>", tool=ToolRef(name="crm", arguments={"id": "c-1"})
    )
    with AuditLog(sqlite_url, store_content=True) as log:
        log.record(Decision(action=Action.ALLOW), policy_input)
    [record] = iter_records(sqlite_url)
    assert record.input == policy_input.to_dict()


def test_odd_values_are_stored_as_text_and_still_verify(sqlite_url: str) -> None:
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    with AuditLog(sqlite_url) as log:
        log.record(
            Decision(action=Action.ALLOW),
            {"at": when, "ratio": 1 / 3, "big": 2**70, "tr": "Ğüşİöç", "nested": [{"x": None}]},
        )
    [record] = iter_records(sqlite_url)
    assert record.input["at"] == str(when)
    assert record.input["ratio"] == 1 / 3 and record.input["big"] == 2**70
    assert verify(sqlite_url).ok


def test_a_full_queue_counts_and_reports_drops(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    log = AuditLog(sqlite_url, max_queue=2, batch=2, full_wait_s=0)
    blocker = _raw(sqlite_url)
    blocker.execute("BEGIN IMMEDIATE")  # the writer cannot commit while we hold this
    try:
        with caplog.at_level(logging.WARNING, logger="charter.audit"):
            for i in range(10):
                log.record(Decision(action=Action.ALLOW), {"text": f"secret-{i}"})
        # The writer holds at most one batch (2) and the queue at most 2: >= 6 dropped.
        assert log.stats.dropped >= 6
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    log.flush(30)
    stats = log.stats
    assert stats.written + stats.dropped == 10
    assert stats.queued == 0
    log.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "charter.audit"]
    assert any("dropped because the queue is full" in w for w in warnings)
    assert not any("secret-" in w for w in warnings)
    assert verify(sqlite_url).ok


def test_a_full_queue_waits_for_a_slow_store_and_loses_nothing(sqlite_url: str) -> None:
    """The store is slow, not failing (another connection holds its write lock for a
    while): records beyond the queue's room wait for the writer instead of being dropped."""
    log = AuditLog(sqlite_url, max_queue=2, batch=2, full_wait_s=30)
    blocker = _raw(sqlite_url, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: blocker.execute("ROLLBACK"))
    release.start()
    started = time.monotonic()
    for i in range(10):
        log.record(Decision(action=Action.ALLOW), {"i": i})
    waited = time.monotonic() - started
    release.join()
    blocker.close()
    log.flush(30)
    stats = log.stats
    log.close()
    assert (stats.written, stats.dropped, stats.queued) == (10, 0, 0)
    assert waited >= 0.25  # the calls did wait for the lock to go, rather than dropping
    assert verify(sqlite_url).checked == 10


def test_a_full_queue_drops_at_once_while_the_store_fails(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Waiting for room only helps while records go out: with the store failing, a full
    queue drops (counted and logged) without stalling the application."""
    log = AuditLog(sqlite_url, max_queue=2, batch=2, full_wait_s=30)
    admin = _raw(sqlite_url)
    admin.execute("ALTER TABLE charter_decision_log RENAME TO hidden_log")
    with caplog.at_level(logging.WARNING, logger="charter.audit"):
        log.record(Decision(action=Action.ALLOW), {"i": 0})
        _wait_until(lambda: log.stats.last_error is not None, "a failed write")
        started = time.monotonic()
        for i in range(1, 10):
            log.record(Decision(action=Action.ALLOW), {"i": i})
        waited = time.monotonic() - started
    assert waited < 30  # not one full wait: the store was known to be failing
    assert log.stats.dropped >= 6
    admin.execute("ALTER TABLE hidden_log RENAME TO charter_decision_log")
    admin.close()
    log.flush(30)
    stats = log.stats
    log.close()
    assert stats.written + stats.dropped == 10 and stats.queued == 0
    assert verify(sqlite_url).checked == stats.written


def test_a_full_queue_does_not_wait_for_a_writer_that_is_gone(sqlite_url: str) -> None:
    """Only a live writer can make room: without one, a full queue drops at once."""
    log = AuditLog(sqlite_url, max_queue=1, full_wait_s=30, close_timeout=0.5)
    log._queue.put(_writer._STOP)  # the writer thread ends as if it had failed
    assert log._thread is not None
    log._thread.join(10)
    started = time.monotonic()
    for i in range(3):
        log.record(Decision(action=Action.ALLOW), {"i": i})
    assert time.monotonic() - started < 30
    assert log.stats.dropped == 2  # the first filled the queue's one place
    log.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_store_is_refused_with_the_fix(url: str) -> None:
    """Each thread would get its own empty in-memory database: the writer thread could
    never write (it used to retry forever, saying the database might be down)."""
    with pytest.raises(ConfigurationError, match=r"in-memory SQLite store.*sqlite:///path"):
        AuditLog(url)


def test_an_in_memory_engine_shared_across_threads_works() -> None:
    """What the refusal suggests instead of a file: one connection for every thread."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    with AuditLog(engine) as log:
        for i in range(3):
            log.record(Decision(action=Action.ALLOW), {"i": i})
        log.flush(30)
        assert log.stats.written == 3
    assert verify(engine).checked == 3


def test_a_batch_is_one_insert_statement(sqlite_url: str) -> None:
    """The writer shares the GIL with the application, and sqlite3 releases it at every
    statement step; when other threads keep the GIL busy, each step costs the writer a
    wait. So a batch is inserted by one statement, not one per record (`executemany`)."""
    engine = connect(sqlite_url)
    statements: list[str] = []
    event.listen(
        engine, "connect", lambda conn, _record: conn.set_trace_callback(statements.append)
    )
    log = AuditLog(engine, batch=64, linger_s=0)
    blocker = _raw(sqlite_url)
    blocker.execute("BEGIN IMMEDIATE")  # the records gather while the store is busy
    try:
        for i in range(40):
            log.record(Decision(action=Action.ALLOW), {"i": i})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    log.flush(30)
    log.close()
    inserts = [s for s in statements if s.startswith("INSERT INTO charter_decision_log ")]
    assert log.stats.written == 40
    # The first record's batch, then the other 39 in one; executemany ran it 40 times.
    assert 1 <= len(inserts) <= 3
    assert verify(sqlite_url).checked == 40


def test_store_errors_are_retried_and_nothing_is_lost(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    log = AuditLog(sqlite_url)
    admin = _raw(sqlite_url)
    admin.execute("ALTER TABLE charter_decision_log RENAME TO hidden_log")
    with caplog.at_level(logging.WARNING, logger="charter.audit"):
        for i in range(5):
            log.record(Decision(action=Action.ALLOW), {"i": i})
        _wait_until(lambda: log.stats.last_error is not None, "a failed write")
        assert log.stats.written == 0 and log.stats.queued == 5
        admin.execute("ALTER TABLE hidden_log RENAME TO charter_decision_log")
        log.flush(30)
    admin.close()
    assert log.stats.written == 5
    log.close()
    assert verify(sqlite_url).checked == 5
    failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert failures and "appending to the decision log failed" in failures[0]


def test_a_store_locked_for_a_while_never_turns_a_record_into_a_marker(sqlite_url: str) -> None:
    """Found by probing: another process held SQLite's lock 16 s; the writer's single tries
    of the first record failed with "database is locked", the lock went, and its marker
    went in: a valid record was replaced by an empty one. A locked store is now retried,
    the records kept in order. Here the lock goes as the fourth write begins (where the
    marker was written), counted by connection checkouts rather than timed."""
    engine = connect(sqlite_url, busy_timeout_ms=20)
    log = AuditLog(engine)
    blocker = _raw(sqlite_url, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    checkouts = []

    def count(*_: object) -> None:
        checkouts.append(1)
        if len(checkouts) == 4:
            blocker.execute("ROLLBACK")

    event.listen(engine, "checkout", count)
    for i in range(3):
        log.record(Decision(action=Action.ALLOW), {"order": f"A-{i}"})
    log.flush(60)
    log.close()
    blocker.close()
    assert len(checkouts) >= 4
    assert (log.stats.written, log.stats.marked, log.stats.lost) == (3, 0, 0)
    records = list(iter_records(engine))
    assert [(r.input, r.is_marker) for r in records] == [
        ({"order": f"A-{i}"}, False) for i in range(3)
    ]
    engine.dispose()


def test_close_reports_what_it_could_not_write(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    log = AuditLog(sqlite_url, close_timeout=0.5)
    admin = _raw(sqlite_url)
    admin.execute("ALTER TABLE charter_decision_log RENAME TO hidden_log")
    for i in range(3):
        log.record(Decision(action=Action.ALLOW), {"i": i})
    with pytest.raises(AuditError, match="3 decision records are still waiting"):
        log.flush(timeout=0.2)
    with caplog.at_level(logging.WARNING, logger="charter.audit"):
        log.close()
        log.record(Decision(action=Action.ALLOW), {"late": True})  # tried on this thread
    admin.close()
    stats = log.stats
    assert (stats.written, stats.lost, stats.queued, stats.dropped) == (0, 4, 0, 0)
    messages = [r.getMessage() for r in caplog.records]
    assert any("3 records could not be written before close" in m for m in messages)
    assert any("a record that came after close() is lost" in m for m in messages)


def test_close_flushes_and_is_idempotent(sqlite_url: str) -> None:
    log = AuditLog(sqlite_url, batch=7)
    for i in range(100):
        log.record(Decision(action=Action.ALLOW), {"i": i})
    log.close()
    log.close()
    assert log.stats.written == 100
    assert [r.input["i"] for r in iter_records(sqlite_url)] == list(range(100))


def test_interpreter_exit_flushes_without_close(sqlite_url: str) -> None:
    child = f"""
    from charter.audit import AuditLog
    from charter.decision import Action, Decision
    log = AuditLog({sqlite_url!r})
    for i in range(50):
        log.record(Decision(action=Action.ALLOW), {{"i": i}})
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(child)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = verify(sqlite_url)
    assert result.ok and result.checked == 50


def _record_in_child(url: str, log: AuditLog, count: int) -> None:
    for i in range(count):
        log.record(Decision(action=Action.ALLOW), {"from": "child", "i": i})
    log.close()


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_a_forked_child_gets_its_own_writer(sqlite_url: str) -> None:
    log = AuditLog(sqlite_url)
    for i in range(5):
        log.record(Decision(action=Action.ALLOW), {"from": "parent", "i": i})
    log.flush(30)
    child = multiprocessing.get_context("fork").Process(
        target=_record_in_child, args=(sqlite_url, log, 5)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
    for i in range(5, 10):
        log.record(Decision(action=Action.ALLOW), {"from": "parent", "i": i})
    log.close()
    records = list(iter_records(sqlite_url))
    assert sorted((r.input["from"], r.input["i"]) for r in records) == sorted(
        [("parent", i) for i in range(10)] + [("child", i) for i in range(5)]
    )
    assert verify(sqlite_url).ok


def test_invalid_sizes_are_refused(sqlite_url: str) -> None:
    with pytest.raises(ConfigurationError, match="max_queue >= 1"):
        AuditLog(sqlite_url, max_queue=0)


def test_an_invalid_linger_is_refused(sqlite_url: str) -> None:
    with pytest.raises(ConfigurationError, match="linger_s"):
        AuditLog(sqlite_url, linger_s=-1)


def test_records_made_while_the_writer_lingers_share_one_transaction(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from charter.audit import _append

    batches: list[int] = []
    append = _append.append_batch

    def counting(engine: Engine, records: list[object]) -> object:
        batches.append(len(records))
        return append(engine, records)  # type: ignore[arg-type]

    monkeypatch.setattr(_append, "append_batch", counting)
    with AuditLog(sqlite_url, linger_s=1.0) as log:
        for i in range(20):
            log.record(Decision(action=Action.ALLOW), {"i": i})
        log.flush(30)  # cuts the linger short
        assert log.stats.written == 20
    assert batches == [20]
    assert verify(sqlite_url).ok


def test_iter_records_since_and_limit(sqlite_url: str) -> None:
    with AuditLog(sqlite_url) as log:
        for i in range(5):
            log.record(Decision(action=Action.ALLOW), {"i": i})
    records = list(iter_records(sqlite_url))
    middle = records[2].timestamp
    assert [r.seq for r in iter_records(sqlite_url, since=middle)] == [3, 4, 5]
    naive = middle.replace(tzinfo=None)  # naive means UTC
    assert [r.seq for r in iter_records(sqlite_url, since=naive)] == [3, 4, 5]
    assert [r.seq for r in iter_records(sqlite_url, limit=2)] == [1, 2]


def test_the_engine_the_caller_passes_is_left_open(sqlite_url: str) -> None:
    engine = connect(sqlite_url)
    with AuditLog(engine) as log:
        log.record(Decision(action=Action.ALLOW), {})
    assert _count(engine) == 1  # still usable after close
    engine.dispose()
