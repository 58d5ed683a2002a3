"""The support-bot example's approval hints work as printed: each held call names
reviewers who may approve it, as many as it needs, and running those commands approves it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(
    args: list[str], cwd: Path, stdin: str = "", **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OTEL_"))}
    env.pop("OPENAI_API_KEY", None)
    env["CHARTER_TELEMETRY"] = "false"
    env.update(settings)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, input=stdin, capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_printed_approve_commands_approve_the_held_calls(tmp_path: Path) -> None:
    """Found by probing: it always printed `--as alice`, who may approve a refund but not
    an account closure ("role not authorized: needs one of [compliance, support_lead]")."""
    chat = _run(["-m", "examples.support_bot"], tmp_path, "/close ACC-1\n/refund A-1002 900\n")
    assert chat.returncode == 0, chat.stderr
    hints = re.findall(r"approvals approve (apr_\w+) --as (\w+)", chat.stdout)
    tickets = list(dict.fromkeys(ticket for ticket, _ in hints))
    assert len(tickets) == 2, chat.stdout
    for ticket in tickets:
        reviewers = [who for t, who in hints if t == ticket]
        assert len(set(reviewers)) == len(reviewers)
        for who in reviewers:
            vote = _run(
                ["-m", "charter.cli", "approvals", "approve", ticket, "--as", who], tmp_path
            )
            assert vote.returncode == 0, vote.stdout + vote.stderr
        assert "request is now approved" in vote.stdout, vote.stdout
    assert [who for t, who in hints if t == tickets[0]] == ["carol", "dave"]  # the closure


def test_a_held_call_is_always_reported_even_without_enough_reviewers(tmp_path: Path) -> None:
    """Found by review: with a reviewers file that lists no `finance` reviewer and one of the
    two a closure needs, `/refund` printed nothing (the user never learnt the call was held)
    and `/close` one command for two approvals needed."""
    people = {
        "erin": {"roles": ["security"], "tenants": ["*"]},
        "carol": {"roles": ["support_lead"], "tenants": ["*"]},
    }
    file = tmp_path / "reviewers.json"
    file.write_text(json.dumps({"reviewers": people}), "utf-8")
    chat = _run(
        ["-m", "examples.support_bot"], tmp_path, "/refund A-1002 900\n/close ACC-1\n",
        CHARTER_REVIEWERS_FILE=str(file),
    )  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    refund, close = re.findall(r"\[held for approval\] (apr_\w+) needs (\d) approval", chat.stdout)
    assert (refund[1], close[1]) == ("1", "2"), chat.stdout
    hints = re.findall(r"approvals approve (apr_\w+) --as (\w+)", chat.stdout)
    assert hints == [(close[0], "carol")], chat.stdout
    short = re.findall(
        r"only (\d) reviewer\(s\) in the directory may approve it, (\d) needed", chat.stdout
    )
    assert short == [("0", "1"), ("1", "2")], chat.stdout
