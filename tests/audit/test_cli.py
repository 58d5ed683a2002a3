"""`charter audit verify` and `charter audit export`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from charter.audit import AuditLog, DecisionRecord, export
from charter.cli.main import app
from charter.decision import Action, Decision
from charter.errors import AuditError
from charter.store import connect

runner = CliRunner()


@pytest.fixture
def log_url(sqlite_url: str) -> tuple[str, list[str]]:
    ids = []
    with AuditLog(sqlite_url) as log:
        for i in range(6):
            decision = Decision(action=Action.ALLOW)
            log.record(decision, {"i": i})
            ids.append(decision.decision_id)
    return sqlite_url, ids


def _tamper(url: str, statement: str) -> None:
    engine = connect(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def test_verify_passes_an_untouched_log(log_url: tuple[str, list[str]]) -> None:
    url, _ = log_url
    result = runner.invoke(app, ["audit", "verify", "--store", url])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 6 records verified; chain head seq 6 hash ")


def test_verify_names_the_first_broken_record(log_url: tuple[str, list[str]]) -> None:
    url, ids = log_url
    _tamper(url, "UPDATE charter_decision_log SET input_json = '{\"i\":42}' WHERE seq = 3")
    result = runner.invoke(app, ["audit", "verify", "--store", url])
    assert result.exit_code == 1
    assert f"BROKEN at seq 3 (decision_id {ids[2]}): changed:" in result.stdout
    assert "2 records before it verified" in result.stdout


def test_verify_json_output(log_url: tuple[str, list[str]]) -> None:
    url, _ = log_url
    _tamper(url, "DELETE FROM charter_decision_log WHERE seq = 4")
    result = runner.invoke(app, ["audit", "verify", "--store", url, "--json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert (body["ok"], body["first_broken_seq"], body["problem"]) == (False, 4, "missing")


def test_verify_uses_the_store_from_the_environment(
    log_url: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = log_url
    monkeypatch.setenv("CHARTER_STORE_URL", url)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_verify_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", "--store", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2
    assert "error: no decision log at" in result.stderr
    assert "Traceback" not in result.output


def test_export_writes_json_lines(log_url: tuple[str, list[str]], tmp_path: Path) -> None:
    url, ids = log_url
    out = tmp_path / "siem" / "decisions.jsonl"
    out.parent.mkdir()
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"exported 6 records to {out}" in result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["decision_id"] for line in lines] == ids
    assert [line["input"]["i"] for line in lines] == list(range(6))
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind


def test_export_into_a_named_pipe_writes_through_it_and_leaves_it_a_pipe(
    log_url: tuple[str, list[str]], tmp_path: Path
) -> None:
    """`-o /dev/null` (or a FIFO) once had a regular file moved over it: the device was
    replaced. What is not a regular file is written in place."""
    url, ids = log_url
    (tmp_path / "siem").mkdir()
    pipe = tmp_path / "siem" / "decisions.fifo"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()), daemon=True)
    reader.start()
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(pipe)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert [json.loads(line)["decision_id"] for line in received[0].splitlines()] == ids
    assert list(pipe.parent.iterdir()) == [pipe]  # no temporary file left behind


def test_export_into_a_pipe_named_by_its_descriptor_writes_through_it(
    log_url: tuple[str, list[str]],
) -> None:
    """Found by review: `-o /dev/stdout | jq` or `-o /dev/fd/N` (bash's `>(gzip)`) failed:
    the path resolved to /proc/.../fd/pipe:[N], which does not exist, so the export made
    a temporary file in /proc. What the path names is now looked at as given."""
    url, ids = log_url
    read_end, write_end = os.pipe()
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(_read_all(read_end)), daemon=True)
    reader.start()
    try:
        target = f"/dev/fd/{write_end}"
        result = runner.invoke(app, ["audit", "export", "--store", url, "-o", target])
    finally:
        os.close(write_end)
    reader.join(timeout=30)
    os.close(read_end)
    assert result.exit_code == 0, result.output
    lines = received[0].decode().splitlines()
    assert [json.loads(line)["decision_id"] for line in lines] == ids


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_export_over_a_file_keeps_its_mode_and_a_new_one_is_private(
    log_url: tuple[str, list[str]], tmp_path: Path
) -> None:
    """Found by review: an export replacing a 0644 file (read by a SIEM's user) came back
    0600. The replaced file's mode is kept; a new file is 0600. The replacement is atomic,
    so another hard link to the file keeps the earlier export (as the docstring says)."""
    url, ids = log_url
    shared = tmp_path / "shared.jsonl"
    shared.write_text("previous export\n")
    shared.chmod(0o644)
    other_name = tmp_path / "hard.jsonl"
    os.link(shared, other_name)
    new = tmp_path / "new.jsonl"
    for target in (shared, new):
        result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert [json.loads(line)["decision_id"] for line in target.read_text().splitlines()] == ids
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644  # before: 0o600
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert other_name.read_text() == "previous export\n"


def test_export_through_a_symbolic_link_replaces_its_target(
    log_url: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, ids = log_url
    target = tmp_path / "siem" / "decisions.jsonl"
    target.parent.mkdir()
    target.write_text("previous export\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert [json.loads(line)["decision_id"] for line in target.read_text().splitlines()] == ids


def test_export_to_stdout_since(log_url: tuple[str, list[str]]) -> None:
    url, _ = log_url
    everything = runner.invoke(app, ["audit", "export", "--store", url])
    lines = [json.loads(line) for line in everything.stdout.splitlines()]
    assert len(lines) == 6
    cutoff = lines[3]["timestamp"]
    later = runner.invoke(app, ["audit", "export", "--store", url, "--since", cutoff])
    assert [json.loads(x)["seq"] for x in later.stdout.splitlines()] == [4, 5, 6]
    future = runner.invoke(app, ["audit", "export", "--store", url, "--since", "2999-01-01"])
    assert future.exit_code == 0 and future.stdout == ""
    # an age further back than dates go means everything (it was an OverflowError)
    ages_ago = runner.invoke(app, ["audit", "export", "--store", url, "--since", "99999999999d"])
    assert ages_ago.exit_code == 0 and len(ages_ago.stdout.splitlines()) == 6


def test_export_to_a_dash_writes_standard_output(
    log_url: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: `-o -` wrote a file named `-`."""
    url, ids = log_url
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", "-"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["decision_id"] for line in result.stdout.splitlines()] == ids
    assert result.stderr == "exported 6 records\n"
    assert not (tmp_path / "-").exists()


def test_export_into_a_pipe_closed_early_stops_quietly(sqlite_url: str) -> None:
    """Found by probing: `charter audit export | head -1` said "error: Broken pipe; check
    the path, the URL and that the service runs" with status 2 (its own error handling
    took the closed pipe for bad input). It now stops as every command does: quietly,
    status 1 (tests/cli/test_broken_pipe.py)."""
    with AuditLog(sqlite_url) as log:
        for i in range(300):  # about 300 kB of lines: more than a pipe holds
            log.record(Decision(action=Action.ALLOW), {"i": i, "note": "x" * 900})
    command = [sys.executable, "-m", "charter.cli", "audit", "export", "--store", sqlite_url]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(8) == b'{"seq":1'
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "error" not in stderr and "Traceback" not in stderr, stderr


def test_a_bare_number_is_a_date_or_an_error_never_seconds_ago(
    log_url: tuple[str, list[str]],
) -> None:
    """Found by probing: `--since 20270101` (ISO-8601's basic form) and `--since 2027` were
    read as that many seconds ago, so "since 2027" exported this year's records."""
    url, _ = log_url
    basic = runner.invoke(app, ["audit", "export", "--store", url, "--since", "29990101"])
    assert basic.exit_code == 0 and basic.stdout == ""  # 2999-01-01: nothing yet
    year = runner.invoke(app, ["audit", "export", "--store", url, "--since", "2027"])
    assert year.exit_code == 2 and year.stdout == ""
    assert "--since '2027' is neither" in year.stderr
    assert "(an age needs its unit: 2027s)" in year.stderr
    zero = runner.invoke(app, ["audit", "export", "--store", url, "--since", "0d"])
    assert zero.exit_code == 2 and "(an age must be more than 0)" in zero.stderr
    assert "needs its unit" not in zero.stderr  # found by review: "needs its unit: 0s"
    hours = runner.invoke(app, ["audit", "export", "--store", url, "--since", "24h"])
    assert hours.exit_code == 0 and len(hours.stdout.splitlines()) == 6
    audit = typer.main.get_command(app).commands["audit"]
    [since] = [p for p in audit.commands["export"].params if p.name == "since"]
    assert "UTC if no offset" in since.help  # as replay --help says


@pytest.mark.parametrize(
    ("since", "exported"), [("9999-12-31T23:00:00-01:00", 0), ("0001-01-01T00:30:00+01:00", 6)]
)
def test_a_time_past_the_last_or_first_utc_date_is_no_store_error(
    log_url: tuple[str, list[str]], since: str, exported: int
) -> None:
    """Found by probing: in UTC these are past the dates there are, and the store's own
    conversion failed: "store error: StatementError; check --store" blamed the store."""
    url, _ = log_url
    result = runner.invoke(app, ["audit", "export", "--store", url, "--since", since])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == exported


def test_export_bad_since_is_explained(log_url: tuple[str, list[str]]) -> None:
    url, _ = log_url
    result = runner.invoke(app, ["audit", "export", "--store", url, "--since", "yesterday"])
    assert result.exit_code == 2  # bad input: usage error
    assert "--since 'yesterday' is neither an ISO-8601 date/time" in result.stderr
    assert "nor an age (30m, 24h, 7d)" in result.stderr


def test_a_failed_export_leaves_the_previous_file_alone(
    log_url: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = log_url
    out = tmp_path / "decisions.jsonl"
    out.write_text("previous export\n")

    def fails_at_seq_5(record: DecisionRecord) -> dict[str, Any]:
        if record.seq == 5:
            raise OSError(28, "No space left on device")
        return exported(record)

    exported = DecisionRecord.to_export
    monkeypatch.setattr(DecisionRecord, "to_export", fails_at_seq_5)
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(out)])
    assert result.exit_code == 2
    assert "error: No space left on device" in result.stderr
    assert "Traceback" not in result.output
    assert out.read_text() == "previous export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".decisions.jsonl")]


@pytest.mark.parametrize(
    "edit",
    ["input_json = 'not json'", "timestamp = 'yesterday'", "timestamp = 1700000000"],
    ids=["json", "timestamp", "timestamp-number"],
)
def test_an_unreadable_record_is_named_and_the_others_exported(
    log_url: tuple[str, list[str]], tmp_path: Path, edit: str
) -> None:
    """Found by probing: one hand-edited row made export write nothing (a bad JSON column)
    or fail with "ValueError: Invalid isoformat string" (a bad timestamp), and verify too.
    Every readable record is now exported, the unreadable one named, and both exit 1."""
    url, ids = log_url
    out = tmp_path / "decisions.jsonl"
    out.write_text("previous export\n")
    _tamper(url, f"UPDATE charter_decision_log SET {edit} WHERE seq = 5")
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: record seq 5 (decision_id {ids[4]}) cannot be read: it was edited by hand; "
        "run `charter audit verify`",
        f"exported 5 records to {out}; 1 unreadable records left out",
    ]
    assert [json.loads(line)["seq"] for line in out.read_text().splitlines()] == [1, 2, 3, 4, 6]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".decisions.jsonl")]

    checked = runner.invoke(app, ["audit", "verify", "--store", url])
    assert checked.exit_code == 1, checked.output
    assert checked.stdout.startswith(f"BROKEN at seq 5 (decision_id {ids[4]}): changed:")


def test_a_seq_edited_to_text_is_named_and_the_others_exported(
    log_url: tuple[str, list[str]], tmp_path: Path
) -> None:
    """Found by probing: `seq = 'five'` (SQLite keeps text in any column) made export fail
    with "ValueError" and write nothing, and a row added with a text seq crashed verify.
    The row is now named as edited, the others exported, and both exit 1."""
    url, ids = log_url
    out = tmp_path / "decisions.jsonl"
    _tamper(url, "UPDATE charter_decision_log SET seq = 'five' WHERE seq = 5")
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0] == (
        f"error: record seq 'five' (decision_id {ids[4]}) cannot be read: it was edited by "
        "hand; run `charter audit verify`"
    )
    assert [json.loads(line)["seq"] for line in out.read_text().splitlines()] == [1, 2, 3, 4, 6]
    checked = runner.invoke(app, ["audit", "verify", "--store", url])
    assert checked.exit_code == 1, checked.output
    assert checked.stdout.startswith("BROKEN at seq 5: missing:")  # seq 5 is gone from the chain

    _tamper(url, "UPDATE charter_decision_log SET seq = 5 WHERE seq = 'five'")
    _tamper(url, "INSERT INTO charter_decision_log SELECT 'x', 'forged', timestamp, path, "
                 "input_json, result_json, policy_revision, trace_id, span_id, labels_json, "
                 "metrics_json, prev_hash, hash FROM charter_decision_log WHERE seq = 6")  # fmt: skip
    checked = runner.invoke(app, ["audit", "verify", "--store", url])
    assert checked.exit_code == 1, checked.output
    assert checked.stdout.startswith(
        "BROKEN at seq 7 (decision_id forged): changed: a record's stored seq ('x') is not a "
        "whole number: the row was edited; 6 records before it verified"
    )


def test_export_names_a_record_forged_before_seq_1(
    log_url: tuple[str, list[str]], tmp_path: Path
) -> None:
    """Found by review: a forged row at seq 0 went to the SIEM as an ordinary record and
    export said nothing (exit 0); only verify flagged it. It is still exported (the SIEM
    should see the forgery), named on stderr as out of place, and the exit status is 1."""
    url, _ = log_url
    out = tmp_path / "decisions.jsonl"
    _tamper(url, "INSERT INTO charter_decision_log SELECT 0, 'forged', timestamp, path, "
                 "input_json, result_json, policy_revision, trace_id, span_id, labels_json, "
                 "metrics_json, prev_hash, hash FROM charter_decision_log WHERE seq = 1")  # fmt: skip
    result = runner.invoke(app, ["audit", "export", "--store", url, "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        "error: record seq 0 (decision_id forged) is out of place: the log starts at seq 1, "
        "so it was added by hand; run `charter audit verify`",
        f"exported 7 records to {out}; 1 records out of place (exported as they are)",
    ]
    assert [json.loads(line)["seq"] for line in out.read_text().splitlines()] == [
        0, 1, 2, 3, 4, 5, 6
    ]  # fmt: skip
    with pytest.raises(AuditError, match="out of place"):
        list(export(url))


def test_verify_reports_a_dropped_head_table_as_broken(log_url: tuple[str, list[str]]) -> None:
    url, _ = log_url
    _tamper(url, "DROP TABLE charter_decision_log_head")
    result = runner.invoke(app, ["audit", "verify", "--store", url])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("BROKEN at seq 6 ")
    assert "the chain head table charter_decision_log_head was dropped" in result.stdout


def test_a_hand_edited_decision_id_reaches_the_terminal_escaped(
    log_url: tuple[str, list[str]],
) -> None:
    """Found by probing: verify and export printed a decision id read from the store as it
    was, so an id edited to hold an escape sequence (OSC 0 sets the window title) reached
    the terminal; both now print control characters as visible escapes."""
    url, _ = log_url
    evil = "d\x1b]0;pwned\x07"
    _tamper(url, f"UPDATE charter_decision_log SET decision_id = '{evil}', "
                 "timestamp = 'yesterday' WHERE seq = 5")  # fmt: skip
    exported = runner.invoke(app, ["audit", "export", "--store", url, "-o", "-"])
    checked = runner.invoke(app, ["audit", "verify", "--store", url])
    assert exported.exit_code == checked.exit_code == 1
    for printed in (exported.stderr, checked.stdout):
        assert "\x1b" not in printed and "\x07" not in printed, printed
        assert "d\\x1b]0;pwned\\x07" in printed


def test_a_newline_in_an_edited_value_cannot_fake_a_verdict_line(
    log_url: tuple[str, list[str]],
) -> None:
    """Found by probing: a decision id edited to end in a newline and `ok: 30 records
    verified` printed that as a line of its own after the BROKEN one, so a reader (or a
    script reading the last line) saw a pass. The verdict is now one line, breaks escaped."""
    url, _ = log_url
    _tamper(url, "UPDATE charter_decision_log SET decision_id = "
                 "'x' || char(10) || 'ok: 6 records verified' WHERE seq = 5")  # fmt: skip
    result = runner.invoke(app, ["audit", "verify", "--store", url])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [result.stdout.rstrip("\n")]
    assert result.stdout.startswith("BROKEN at seq 5 (decision_id x\\x0aok: 6 records verified)")
