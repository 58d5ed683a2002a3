"""`audit_mode="sync"` and the SIGTERM flush: the behaviour around the adversarial tests."""

from __future__ import annotations

import _thread
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from charter.audit import AuditLog, iter_records, verify
from charter.config import DEFAULT_POLICIES
from charter.decision import Action, Decision
from charter.errors import AuditError, ConfigurationError
from charter.testing import make_charter

ROOT = Path(__file__).resolve().parents[2]


def test_sync_mode_writes_before_record_returns(sqlite_url: str) -> None:
    with AuditLog(sqlite_url, mode="sync") as log:
        for i in range(3):
            log.record(Decision(action=Action.ALLOW), {"i": i})
            assert [r.input["i"] for r in iter_records(sqlite_url)] == list(range(i + 1))
        assert log.stats.written == 3 and log.stats.queued == 0
    assert verify(sqlite_url).ok


def test_sync_mode_raises_when_the_store_stays_down(sqlite_url: str) -> None:
    """The messages say what happened (found by probing): the error said "within 5.0s" of
    a call given up after 3.2 s (it stops when the next retry would end past the timeout),
    and `stats.last_error` ended "Nothing was lost." beside `lost=1`."""
    log = AuditLog(sqlite_url, mode="sync", write_timeout=0.3)
    admin = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    admin.execute("ALTER TABLE charter_decision_log RENAME TO hidden_log")
    try:
        with pytest.raises(AuditError) as raised:
            log.record(Decision(action=Action.ALLOW), {"i": 1})
        assert re.match(
            r"the decision could not be recorded: the store kept failing for \d+\.\ds, and "
            r"write_timeout is 0\.3s \(last store error: appending to the decision log failed "
            r".*no such table: charter_decision_log; retrying will not help: check the "
            r"database's schema, permissions and free space.\); audit_mode is 'sync', so the "
            r"call does not go ahead$",
            str(raised.value),
        ), raised.value
        assert log.stats.lost == 1 and log.stats.marked == 0  # no marker while the store is down
        assert log.stats.last_error is not None
        assert log.stats.last_error.endswith(
            "check the database's schema, permissions and free space."
        )
    finally:
        admin.execute("ALTER TABLE hidden_log RENAME TO charter_decision_log")
        admin.close()
    log.record(Decision(action=Action.ALLOW), {"i": 2})
    log.close()
    log.record(Decision(action=Action.ALLOW), {"i": 3})  # after close: written all the same
    assert [r.input["i"] for r in iter_records(sqlite_url)] == [2, 3]


def test_sync_mode_stops_trying_when_its_time_is_up(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing at stop 53: with the database locked, a sync call was held about 20 s
    against a 5 s `write_timeout`: after the batch failed, each record was tried twice more
    alone and then as a marker, each attempt waiting out SQLite's busy timeout, before the
    deadline was looked at. Counted in commit attempts (the busy timeout here is 0.2 s):
    one, the batch, when the deadline has passed by then."""
    from charter.audit import _append
    from charter.store import connect

    attempts: list[int] = []
    real = _append.append_batch

    def counted(*args: object, **kwargs: object) -> object:
        attempts.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    engine = connect(sqlite_url, busy_timeout_ms=200)
    log = AuditLog(engine, mode="sync", write_timeout=0.1)
    admin = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    admin.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(_append, "append_batch", counted)
    try:
        with pytest.raises(AuditError, match=r"write_timeout is 0\.1s"):
            log.record(Decision(action=Action.ALLOW), {"i": 1})
        assert len(attempts) == 1  # main: 4 (the batch, the record twice alone, a marker)
    finally:
        admin.execute("ROLLBACK")
        log.close()
        engine.dispose()


def _ctrl_c_during_the_next_write(
    sqlite_url: str, meanwhile: Callable[[], None] = lambda: None
) -> threading.Thread:
    """Another connection holds the store's write lock; a thread waits until the main thread
    is inside its sync write, calls `meanwhile`, sends a Ctrl-C, and only then lets the lock
    go: the interrupt always lands before the commit. Join the thread after the write."""
    other = sqlite3.connect(
        sqlite_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    main = threading.main_thread().ident
    assert main is not None

    def ctrl_c_while_the_write_waits() -> None:
        while sys._current_frames()[main].f_code.co_name != "_append_sqlite":
            time.sleep(0.001)
        meanwhile()
        _thread.interrupt_main()
        other.rollback()
        other.close()

    helper = threading.Thread(target=ctrl_c_while_the_write_waits)
    helper.start()
    return helper


def test_a_ctrl_c_during_a_sync_write_leaves_nothing_waiting(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by probing: a KeyboardInterrupt while a sync record was being written (the
    store busy) left `stats.queued` at 1 for ever: `flush()` never finished and `close()`
    reported a record lost. The record was never acknowledged (`record()` raised, the call
    did not go ahead) nor committed: it is withdrawn.

    The Ctrl-C comes while the write waits for another writer's lock, which is let go
    only after it: the interrupt always lands before the commit."""
    log = AuditLog(sqlite_url, mode="sync", write_timeout=600)
    log.record(Decision(action=Action.ALLOW), {"i": 0})
    helper = _ctrl_c_during_the_next_write(sqlite_url)
    with pytest.raises(KeyboardInterrupt):
        log.record(Decision(action=Action.ALLOW), {"i": 1})
    helper.join()
    stats = log.stats
    assert (stats.written, stats.queued, stats.lost) == (1, 0, 0), stats  # main: queued 1
    log.record(Decision(action=Action.ALLOW), {"i": 2})
    log.flush(timeout=60)
    log.close()
    assert [r.input["i"] for r in iter_records(sqlite_url)] == [0, 2]
    assert log.stats.written == 2 and "could not be written" not in caplog.text


def test_a_flush_waiting_on_another_thread_does_not_wait_for_a_withdrawn_record(
    sqlite_url: str,
) -> None:
    """Found by review: a flush that began while a sync write waited, then was interrupted
    before its commit, kept waiting for the withdrawn record (until its timeout; for ever
    without one), though the stats said nothing was queued."""
    log = AuditLog(sqlite_url, mode="sync", write_timeout=600)
    failed: list[BaseException] = []

    def flush() -> None:
        try:
            log.flush(timeout=20)
        except BaseException as exc:  # the assertion below reports it
            failed.append(exc)

    flusher = threading.Thread(target=flush)

    def start_a_flush_and_let_it_wait() -> None:
        flusher.start()
        while flusher.ident not in sys._current_frames() or "wait" not in (
            sys._current_frames()[flusher.ident].f_code.co_name
        ):
            time.sleep(0.001)

    helper = _ctrl_c_during_the_next_write(sqlite_url, start_a_flush_and_let_it_wait)
    with pytest.raises(KeyboardInterrupt):
        log.record(Decision(action=Action.ALLOW), {"i": 1})
    helper.join()
    flusher.join()
    log.close()
    assert failed == [] and log.stats.queued == 0  # main: AuditError after 20 s


def test_the_mode_is_a_setting(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, audit_mode="sync")
    assert charter.audit.mode == "sync"
    charter.close()
    with pytest.raises(ConfigurationError, match="audit_mode"):
        make_charter(DEFAULT_POLICIES, tmp_path, audit_mode="later")


def _run(script: str) -> subprocess.CompletedProcess[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def test_an_application_sigterm_handler_is_kept_and_still_called(sqlite_url: str) -> None:
    done = _run(
        f"""
        import signal, sys, time
        def mine(signum, frame):
            print("app handler", flush=True)
            sys.exit(3)
        signal.signal(signal.SIGTERM, mine)
        from charter.audit import AuditLog
        from charter.decision import Action, Decision
        log = AuditLog({sqlite_url!r})
        for i in range(200):
            log.record(Decision(action=Action.ALLOW), {{"i": i}})
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    assert done.returncode == 3, done.stderr
    assert "app handler" in done.stdout
    assert verify(sqlite_url).checked == 200


def test_an_ignored_sigterm_stays_ignored(sqlite_url: str) -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import signal, sys, time
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                from charter.audit import AuditLog
                log = AuditLog({sqlite_url!r})
                print("ready", flush=True)
                sys.stdin.readline()
                print("still here", flush=True)
                """
            ),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate("go\n", timeout=60)
    assert child.returncode == 0 and "still here" in out


@pytest.mark.parametrize("audit", [True, False])
def test_a_stream_left_open_at_exit_is_recorded_before_the_log_closes(
    tmp_path: Path, audit: bool
) -> None:
    """Found by probing: a sync stream read in part and still open when the program ended
    was closed by the interpreter's teardown, after the exit hook had closed the decision
    log: nothing was recorded of the text shown, and the exit printed "could not record a
    stream closed early (ImportError)" with a traceback (with the log off too)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(
            f"""
            from pathlib import Path
            from charter.config import DEFAULT_POLICIES
            from charter.testing import make_charter
            charter = make_charter(DEFAULT_POLICIES, Path({str(tmp_path)!r}), audit={audit})

            @charter.guard(model="m")
            def answer(prompt):
                yield from ["The weather is sunny and warm across the region. "] * 30

            stream = answer("weather?")
            print(len("".join(next(stream) for _ in range(10))))
            """
        )],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "could not" not in done.stderr, done.stderr
    if audit:
        url = f"sqlite:///{tmp_path / 'charter.db'}"
        [output] = [r for r in iter_records(url) if r.labels["stage"] == "output"]
        assert output.labels["stream"] == "closed_early"
        assert output.input["text_chars"] == int(done.stdout)
