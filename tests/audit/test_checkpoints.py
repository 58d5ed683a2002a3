"""Checkpoint files: what the writer notes and when, and how bad files are answered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from charter.audit import AuditLog, read_checkpoints, verify
from charter.decision import Action, Decision
from charter.errors import AuditError


def test_the_writer_notes_the_head_every_n_records_and_at_close(tmp_path: Path) -> None:
    file = tmp_path / "cp.jsonl"
    with AuditLog(f"sqlite:///{tmp_path}/c.db", mode="sync", checkpoint_file=file,
                  checkpoint_every=4) as log:  # fmt: skip
        for i in range(10):
            log.record(Decision(action=Action.ALLOW), {"i": i})
        assert log.stats.checkpoints == 2
    seen = [c.head_seq for c in read_checkpoints(file)]
    assert seen == [4, 8, 10]  # the last one when the log closed
    assert oct(os.stat(file).st_mode & 0o777) == "0o600"
    result = verify(f"sqlite:///{tmp_path}/c.db", checkpoints=file)
    assert result.ok and result.checkpoints == 3


def test_an_unwritable_checkpoint_file_never_stops_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    url = f"sqlite:///{tmp_path}/c.db"
    with AuditLog(
        url, mode="sync", checkpoint_file=blocked / "cp.jsonl", checkpoint_every=1
    ) as log:
        for i in range(3):
            log.record(Decision(action=Action.ALLOW), {"i": i})
    assert log.stats.written == 3 and log.stats.checkpoints == 0
    assert "cannot write checkpoints" in caplog.text
    assert verify(url).checked == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n{}\n", "cp.jsonl:1: not JSON"),
        ('{"head_seq": -1, "head_hash": "' + "a" * 64 + '"}\n', "head_seq must be"),
        ('{"head_seq": 3, "head_hash": "short"}\n', "head_hash must be"),
        ("[1, 2]\n", "expected a JSON object"),
    ],
)
def test_a_bad_checkpoint_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "cp.jsonl"
    file.write_text(content)
    with pytest.raises(AuditError, match=message):
        read_checkpoints(file)


def test_a_last_line_cut_short_by_a_crash_is_ignored(tmp_path: Path) -> None:
    file = tmp_path / "cp.jsonl"
    good = json.dumps({"head_seq": 0, "head_hash": "0" * 64, "time": "t"})
    file.write_text(good + "\n" + good[:20])
    assert [c.head_seq for c in read_checkpoints(file)] == [0]


def test_after_a_line_cut_short_the_next_checkpoint_starts_a_line_of_its_own(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by probing: a crash cut the file's last line short, the restarted app appended
    its next checkpoint onto that line, and `verify --checkpoint` failed from then on ("not
    JSON" at line 1). The fragment is now named and skipped; every whole checkpoint holds."""
    url, file = f"sqlite:///{tmp_path}/c.db", tmp_path / "cp.jsonl"
    for run in range(2):
        with AuditLog(url, mode="sync", checkpoint_file=file, checkpoint_every=2) as log:
            for i in range(4):
                log.record(Decision(action=Action.ALLOW), {"run": run, "i": i})
        if run == 0:  # the crash: the last checkpoint written only in part
            file.write_bytes(file.read_bytes()[:-40])
    lines = file.read_text().split("\n")
    assert [c.head_seq for c in read_checkpoints(file)] == [2, 6, 8]
    assert "cp.jsonl:2: a checkpoint cut short" in caplog.text
    assert lines[1] and not lines[1].endswith("}")  # the fragment, on its own line
    result = verify(url, checkpoints=file)
    assert result.ok and result.checkpoints == 3


def test_a_short_write_goes_on_with_the_rest_of_the_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OS may write fewer bytes than asked (a signal, a quota): the rest follows."""
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:16])))
    url, file = f"sqlite:///{tmp_path}/c.db", tmp_path / "cp.jsonl"
    with AuditLog(url, mode="sync", checkpoint_file=file, checkpoint_every=2) as log:
        for i in range(4):
            log.record(Decision(action=Action.ALLOW), {"i": i})
    monkeypatch.undo()
    assert [c.head_seq for c in read_checkpoints(file)] == [2, 4]
    assert verify(url, checkpoints=file).checkpoints == 2


@pytest.mark.parametrize(
    "edited", ['{"head_seq": 2, "head_hash": "' + "a" * 64 + '"x}', '{"head_seq": 2} x']
)
def test_a_line_that_closes_but_is_not_json_is_still_an_error(tmp_path: Path, edited: str) -> None:
    """Only a line whose object never closed reads as cut short by a crash."""
    good = json.dumps({"head_seq": 0, "head_hash": "0" * 64, "time": "t"})
    file = tmp_path / "cp.jsonl"
    file.write_text(f"{edited}\n{good}\n")
    with pytest.raises(AuditError, match=r"cp\.jsonl:1: not JSON"):
        read_checkpoints(file)


def test_a_missing_checkpoint_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="does not exist"):
        read_checkpoints(tmp_path / "nope.jsonl")


def test_cli_warns_when_the_file_holds_no_checkpoints(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    with AuditLog(url) as log:
        log.record(Decision(action=Action.ALLOW), {})
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "charter.cli", "audit", "verify", "--store", url,
         "--checkpoint", str(empty)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert "holds no checkpoints" in done.stderr
