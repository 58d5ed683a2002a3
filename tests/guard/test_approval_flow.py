"""Approval from the guard's side: `wait` mode unblocks when a reviewer approves, and a
ticket survives the app's death: a new process resumes it after a reviewer approved."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES
from charter.errors import (
    ApprovalPending,
    ApprovalRejected,
    ApprovalTimeout,
    NotAuthorized,
    PolicyViolation,
)
from charter.testing import make_charter

ROOT = Path(__file__).resolve().parents[2]


def test_wait_mode_runs_the_tool_once_approved(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, approval_mode="wait", approval_wait_s=30)
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return "done"

    def reviewer() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pending = charter.queue.list(state="pending")
            if pending:
                charter.queue.approve(pending[0].id, "alice", reason="verified")
                return
            time.sleep(0.05)

    t = threading.Thread(target=reviewer)
    t.start()
    assert issue_refund("A-9", 700.0) == "done"
    t.join()
    assert ran == [700.0]


def test_the_sdk_queue_takes_its_reviewers_from_the_reviewers_file(tmp_path: Path) -> None:
    """Found by probing: `Charter.queue` ignored `reviewers_file` (the CLI read it), so
    alice, a reviewer in the bundle's data but not in the file, approved a held refund
    through the SDK and it ran."""
    reviewers = tmp_path / "reviewers.json"
    reviewers.write_text(json.dumps({"bob": {"roles": ["finance"], "tenants": ["*"]}}))
    charter = make_charter(DEFAULT_POLICIES, tmp_path, reviewers_file=str(reviewers))
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return "done"

    try:
        with pytest.raises(ApprovalPending) as held:
            issue_refund("A-17", 900.0)
        ticket = held.value.ticket
        with pytest.raises(NotAuthorized, match=f"unknown reviewer 'alice'.*{reviewers}"):
            charter.queue.approve(ticket, "alice", reason="verified")
        assert ran == []
        charter.queue.approve(ticket, "bob", reason="verified")
        assert charter.resume(ticket) == "done" and ran == [900.0]
    finally:
        charter.close()


def test_wait_mode_rejection_stops_the_tool(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, approval_mode="wait", approval_wait_s=30)

    @charter.guard.tool
    def close_account(account_id: str, reason: str) -> str:
        raise AssertionError("must not run")

    def reviewer() -> None:
        for _ in range(400):
            pending = charter.queue.list(state="pending")
            if pending:
                charter.queue.reject(pending[0].id, "frank", reason="open loan")
                return
            time.sleep(0.05)

    t = threading.Thread(target=reviewer)
    t.start()
    with pytest.raises(ApprovalRejected):
        close_account("ACC-1", "moving")
    t.join()


APP = textwrap.dedent(
    """
    import sys, charter
    from charter.config import DEFAULT_POLICIES
    charter.configure(policies=str(DEFAULT_POLICIES), store_url=sys.argv[1], telemetry=False,
                      approval_mode=sys.argv[2], approval_wait_s=600)

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        open(sys.argv[3], "a").write(f"{order_id}:{amount}\\n")
        return "refunded"

    if __name__ == "__main__":
        if sys.argv[4] == "call":
            try:
                issue_refund("A-77", 950.0)
            except charter.ApprovalPending as exc:
                print(exc.ticket, flush=True)
        else:
            print(charter.resume(sys.argv[4]))
    """
)


def test_a_killed_app_resumes_after_restart(tmp_path: Path) -> None:
    app = tmp_path / "refund_app.py"
    app.write_text(APP)
    store = f"sqlite:///{tmp_path / 'charter.db'}"  # the same file make_charter uses
    effects = tmp_path / "effects.txt"
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    # 1. the app waits for approval and is killed while waiting
    waiting = subprocess.Popen(
        [sys.executable, str(app), store, "wait", str(effects), "call"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    charter = make_charter(DEFAULT_POLICIES, tmp_path)
    deadline = time.monotonic() + 60
    pending = []
    while not pending and time.monotonic() < deadline:
        pending = charter.queue.list(state="pending")
        time.sleep(0.1)
    assert pending, "the app never enqueued its request"
    waiting.kill()
    waiting.wait(10)
    assert not effects.exists()

    # 2. a reviewer approves with the CLI
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "charter.cli",
            "approvals",
            "approve",
            pending[0].id,
            "--as",
            "alice",
            "--reason",
            "ok",
            "--store",
            store,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert cli.returncode == 0, cli.stderr

    def restart_and_resume() -> subprocess.CompletedProcess[str]:
        """A new process of the app that resumes the ticket."""
        argv = ["x", store, "raise", str(effects), pending[0].id]
        return subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.argv = {argv!r};"
                f"import runpy; runpy.run_path({str(app)!r}, run_name='__main__')",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    # 3. the restarted app resumes the ticket: the refund runs exactly once
    resumed = restart_and_resume()
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "refunded" in resumed.stdout
    assert effects.read_text() == "A-77:950.0\n"
    again = restart_and_resume()
    assert again.returncode != 0 and effects.read_text() == "A-77:950.0\n"


@pytest.mark.parametrize("vault_key", ["", base64.b64encode(bytes(range(32))).decode()])
def test_a_keyed_approval_is_bound_to_the_real_values(tmp_path: Path, vault_key: str) -> None:
    """Found by probing: an action is bound in placeholder form, and a URL (which the
    policy does not redact) reads `<URL_1>` whatever it is; so a call under the same
    `approval_key` with another URL found the approved request and ran at once. The
    binding now carries a digest of the real values (keyed by the vault key when one is
    set): another value is another request; the same value, even in a new process, uses
    the approval; neither URL is stored."""
    import charter as charter_pkg

    jane, attacker = "https://pay.example.com/jane", "https://attacker.example/steal"
    ran: list[str] = []

    def refund_with(charter: Any) -> Any:
        @charter.guard.tool
        def issue_refund(order_id: str, amount: float) -> str:
            ran.append(order_id)
            return "refunded"

        return issue_refund

    settings = {"approval_mode": "wait", "approval_wait_s": 0.05, "vault_key": vault_key}
    first = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", **settings)
    refund = refund_with(first)
    with charter_pkg.context(user="u-9", approval_key="order-77"):
        with pytest.raises(ApprovalTimeout):
            refund(jane, 900.0)
        (held,) = first.queue.list(state="pending")
        assert held.action["tool"]["arguments"]["order_id"] == "<URL_1>"
        first.queue.approve(held.id, "alice", reason="the customer's own payment page")
        with pytest.raises(ApprovalTimeout):
            refund(attacker, 900.0)
    assert ran == []
    first.close()
    restarted = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", **settings)
    with charter_pkg.context(user="u-9", approval_key="order-77"):
        assert refund_with(restarted)(jane, 900.0) == "refunded"
    assert ran == [jane]
    restarted.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"example" not in stored


@pytest.mark.parametrize("timeout_s", ["3e11", "1e300"])
def test_an_approval_timeout_past_a_year_fails_closed_naming_it(
    tmp_path: Path, timeout_s: str
) -> None:
    """Found by probing: a policy's `timeout_s` of 3e11 put the deadline past the year
    9999 and the guarded call raised a raw OverflowError; 1e11 queued a request due in
    the year 5195. Over a year is refused when the bundle loads if it is in the data
    (tests/policy/test_shipped_data.py) and is an evaluation error when a rule computes
    it, as here: denied, nothing queued."""
    from tests.guard.test_drivers import hold_bundle

    main = f"""package charter.main

import rego.v1

decision := {{
	"action": "require_approval",
	"violations": [{{"rule": "t.hold"}}],
	"approval": {{"reason": "held", "approvers": {{"roles": ["ops"]}}, "timeout_s": 2 * {timeout_s}}},
}}
"""
    charter = make_charter(hold_bundle(tmp_path, main), tmp_path)
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return "done"

    with pytest.raises(PolicyViolation, match=r"approval\.timeout_s: .* over the limit"):
        issue_refund("A-17", 900.0)
    assert ran == [] and charter.queue.list() == []
    charter.close()
