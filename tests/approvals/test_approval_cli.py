"""`charter approvals ...` through Typer's runner, on a real SQLite store and a real
policy bundle (regorus) that names the reviewers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.approvals import ApprovalState, EventKind
from charter.approvals.queue import ApprovalQueue
from charter.cli.approvals import app
from charter.decision import Approvers
from tests.approvals.helpers import (
    ACTION,
    APPROVALS_REGO,
    MAIN_REGO,
    REVIEWERS,
    ManualClock,
    copies,
    directory,
    opa_reviewed_by,
    submit,
)

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'charter.db'}"


@pytest.fixture
def policies(tmp_path: Path) -> str:
    root = tmp_path / "policies" / "charter"
    root.mkdir(parents=True)
    (root / "main.rego").write_text(MAIN_REGO)
    (root / "approvals.rego").write_text(APPROVALS_REGO)
    (root / "data.json").write_text(json.dumps({"reviewers": REVIEWERS}))
    return str(root.parent)


@pytest.fixture
def ticket(store: str) -> str:
    with ApprovalQueue(store) as queue:
        return submit(queue, min_approvals=2).id


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_list_shows_requests_and_filters_by_state(store: str, ticket: str) -> None:
    code, out, _ = _invoke("list", "--store", store)
    assert code == 0
    assert ticket in out and "pending" in out and "0/2" in out
    assert "tools.payment_over_limit" in out
    code, out, _ = _invoke("list", "--store", store, "--state", "approved")
    assert (code, out.strip()) == (
        0,
        f"no approved approval requests in store {store} (from --store)",
    )


def test_list_json_is_machine_readable(store: str, ticket: str) -> None:
    code, out, _ = _invoke("list", "--store", store, "--json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["id"], row["state"], row["min_approvals"]) == (ticket, "pending", 2)


def test_list_for_a_reviewer_shows_only_what_they_may_decide(
    store: str, policies: str, ticket: str
) -> None:
    """The CLI's inbox matches the console's: alice (finance) sees the request; carol (no
    finance role) and its requester do not, and are told how many wait for others."""
    common = ("--store", store, "--policies", policies)
    code, out, _ = _invoke("list", "--for", "alice", *common)
    assert code == 0 and ticket in out and "more wait" not in out
    for reviewer in ("carol", "user-7"):
        code, out, _ = _invoke("list", "--for", reviewer, *common)
        assert code == 0 and ticket not in out
        assert f"that {reviewer} may decide" in out and "1 more wait for other reviewers" in out
    code, out, _ = _invoke("list", "--for", "alice", "--json", *common)
    assert [row["id"] for row in json.loads(out)] == [ticket]
    code, _, err = _invoke("list", "--for", "alice", "--state", "approved", *common)
    assert code == 2 and "--for lists pending requests" in err


def test_list_for_a_reviewer_reads_past_requests_for_others(
    store: str, policies: str, ticket: str
) -> None:
    """Found by probing: `--for` filtered the newest --limit pending requests, so 60 newer
    ones for other reviewers hid alice's from her (and said she had none)."""
    with ApprovalQueue(store) as queue:
        crowd = submit(queue, approvers=Approvers(roles=("support",))).id
        copies(queue, crowd, 59)
    common = ("--store", store, "--policies", policies)
    code, out, _ = _invoke("list", "--for", "alice", *common)
    assert code == 0 and ticket in out  # before: "no pending approval requests that alice..."
    assert out.splitlines()[-1] == "60 more wait for other reviewers"
    code, out, _ = _invoke("list", "--for", "carol", "--limit", "10", *common)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 11 and all("pending" in line for line in lines[:10])
    assert (
        lines[-1] == "the newest 10 you may decide; older pending requests were not read (--limit)"
    )


def test_list_refuses_an_unknown_state(store: str) -> None:
    code, _, err = _invoke("list", "--store", store, "--state", "done")
    assert code == 2 and "done" in err


def test_show_gives_the_redacted_action_and_the_rule(store: str, ticket: str) -> None:
    code, out, _ = _invoke("show", ticket, "--store", store)
    assert code == 0
    assert "rule       tools.payment_over_limit" in out
    assert "<IBAN_CODE_1>" in out and "<PERSON_1>" in out
    assert "roles finance; 0 of 2 approvals" in out
    code, out, _ = _invoke("show", ticket, "--store", store, "--json")
    assert json.loads(out)["action"]["tool"]["arguments"]["iban"] == "<IBAN_CODE_1>"


def test_show_unknown_id_is_a_clean_error(store: str, ticket: str) -> None:
    code, out, err = _invoke("show", "apr_nope", "--store", store)
    assert code == 2
    assert err.strip() == (
        "error: no approval request 'apr_nope'; list requests with `charter approvals list`"
    )
    assert "Traceback" not in out + err


def test_approve_twice_reaches_m_of_n(store: str, policies: str, ticket: str) -> None:
    common = ("--store", store, "--policies", policies)
    code, out, _ = _invoke("approve", ticket, "--as", "alice", "--reason", "ok", *common)
    assert (code, out.strip()) == (0, f"approved {ticket}: 1 of 2 approvals; still pending")
    code, out, _ = _invoke("approve", ticket, "--as", "erin", *common)
    assert (code, out.strip()) == (
        0,
        f"approved {ticket}: request is now approved (2 of 2 approvals)",
    )


def test_list_and_show_say_when_an_approval_was_used(
    store: str, policies: str, ticket: str
) -> None:
    """An approved request the app has used cannot be used again: the reviewer sees it."""
    common = ("--store", store, "--policies", policies)
    for reviewer in ("alice", "erin"):
        assert _invoke("approve", ticket, "--as", reviewer, *common)[0] == 0
    assert "approved, used" not in _invoke("list", "--store", store)[1]
    with ApprovalQueue(store) as queue:
        queue.consume(ticket, queue.get(ticket).action_hash)
    code, out, _ = _invoke("list", "--store", store, "--state", "approved")
    assert code == 0 and f"{ticket}  approved, used" in out
    code, out, _ = _invoke("show", ticket, "--store", store)
    assert code == 0 and f"request    {ticket}  (approved, used)" in out


def test_show_and_list_say_an_approval_s_use_by_time_and_agree_past_it(store: str) -> None:
    """Found by review: `show` called an approved request's use-by time "expires ... (on
    timeout: deny)" and, past it, still said approved where `list` said expired."""
    clock = ManualClock(now=datetime.now(UTC) - timedelta(hours=1))
    with ApprovalQueue(store, directory=directory(), clock=clock) as queue:
        fresh, stale = (submit(queue, timeout_s=timeout).id for timeout in (7200, 600))
        for ticket in (fresh, stale):
            queue.approve(ticket, "alice")
        use_by = queue.get(fresh).expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    code, out, _ = _invoke("show", fresh, "--store", store)
    assert code == 0 and f"use by     {use_by}  (unused by then: expires)" in out
    assert "on timeout" not in out
    code, out, _ = _invoke("show", stale, "--store", store)
    assert code == 0 and f"request    {stale}  (expired)" in out  # before: (approved)
    listed = {line.split()[0]: line for line in _invoke("list", "--store", store)[1].splitlines()}
    assert "  expired  " in listed[stale]
    assert "  use by  " in listed[fresh] and "expires" not in listed[fresh]


@pytest.mark.parametrize(
    ("reviewer", "message"),
    [
        ("mallory", "unknown reviewer 'mallory'"),
        ("carol", "needs one of roles finance"),
        ("user-7", "cannot decide their own request"),
    ],
)
def test_approve_refusals_exit_1_and_are_recorded(
    store: str, policies: str, ticket: str, reviewer: str, message: str
) -> None:
    code, _, err = _invoke(
        "approve", ticket, "--as", reviewer, "--store", store, "--policies", policies
    )
    assert code == 1 and message in err
    with ApprovalQueue(store) as queue:
        request = queue.get(ticket)
    assert request.votes == ()
    assert request.history[-1].kind is EventKind.REFUSED and request.history[-1].by == reviewer


def test_reject_requires_a_reason(store: str, policies: str, ticket: str) -> None:
    code, _, err = _invoke(
        "reject", ticket, "--as", "alice", "--store", store, "--policies", policies
    )
    assert code == 2 and "--reason" in err
    code, out, _ = _invoke(
        "reject",
        ticket,
        "--as",
        "alice",
        "--reason",
        "not our supplier",
        "--store",
        store,
        "--policies",
        policies,
    )
    assert code == 0 and "request is now rejected" in out
    with ApprovalQueue(store) as queue:
        assert queue.get(ticket).state is ApprovalState.REJECTED


def test_a_reviewers_file_replaces_the_policy_directory(
    store: str, policies: str, ticket: str, tmp_path: Path
) -> None:
    reviewers = tmp_path / "reviewers.toml"
    reviewers.write_text('[reviewers.zoe]\nroles = ["finance"]\n')
    common = ("--store", store, "--policies", policies, "--reviewers", str(reviewers))
    code, _, err = _invoke("approve", ticket, "--as", "alice", *common)
    assert code == 1 and f"not in the reviewer directory ({reviewers})" in err
    code, out, _ = _invoke("approve", ticket, "--as", "zoe", *common)
    assert code == 0 and "1 of 2 approvals" in out


def test_approvals_are_authorized_by_the_configured_opa_server(
    store: str, policies: str, ticket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: with `engine` naming an OPA server whose bundle lists only bob,
    `charter approvals approve --as alice` asked the shipped local bundle (alice is a
    reviewer there), said approved, and the app's resume ran the refund."""
    monkeypatch.chdir(tmp_path)  # no charter.toml: the environment configures
    with opa_reviewed_by({"bob": REVIEWERS["bob"]}) as url:
        monkeypatch.setenv("CHARTER_ENGINE", url)
        code, _, err = _invoke("approve", ticket, "--as", "alice", "--store", store)
        assert code == 1 and "unknown reviewer 'alice'" in err
        code, out, _ = _invoke("list", "--for", "alice", "--store", store)
        assert code == 0 and ticket not in out
        mine = ("--store", store, "--policies", policies)  # a bundle given on purpose wins
        code, out, _ = _invoke("list", "--for", "alice", *mine)
        assert code == 0 and ticket in out
        code, out, _ = _invoke("approve", ticket, "--as", "bob", "--store", store)
        assert code == 0 and "1 of 2 approvals" in out
    monkeypatch.setenv("CHARTER_ENGINE", "http://127.0.0.1:9")  # nothing listens: refused
    code, out, err = _invoke("approve", ticket, "--as", "erin", "--store", store)
    assert code != 0 and "OPA query data.charter.reviewers at http://127.0.0.1:9 failed" in err
    assert "Traceback" not in out + err
    with ApprovalQueue(store) as queue:
        decided = queue.get(ticket)
    assert decided.state is ApprovalState.PENDING
    assert [v.reviewer for v in decided.votes] == ["bob"]


def test_watch_once_prints_pending_requests_and_applies_timeouts(store: str) -> None:
    with ApprovalQueue(store) as queue:
        waiting = submit(queue).id
        overdue = submit(queue, timeout_s=0.001).id
    code, out, _ = _invoke("watch", "--once", "--store", store)
    assert code == 0
    assert f"timeout    {overdue}  now expired" in out
    pending_lines = [line for line in out.splitlines() if "pending" in line]
    assert [line.split()[0] for line in pending_lines] == [waiting]


def test_watch_says_every_timeout_however_many_are_due(store: str) -> None:
    """Found by probing: with 150 overdue, `watch` said the first 100 (one `expire_due`
    page) and the listing after it expired the other 50 without a word."""
    with ApprovalQueue(store) as queue:
        first = submit(queue, timeout_s=0.001).id
        overdue = {first, *copies(queue, first, 149)}
    code, out, _ = _invoke("watch", "--once", "--store", store)
    assert code == 0
    said = {line.split()[1] for line in out.splitlines() if line.startswith("timeout")}
    assert said == overdue  # before: 100 of them


def test_watch_prints_every_pending_request_not_only_the_newest_page(store: str) -> None:
    """Found by review: `watch` read one page of pending requests (the newest 100), so
    with 151 pending the oldest 51 were never printed, on that poll or any later one."""
    with ApprovalQueue(store) as queue:
        first = submit(queue).id
        pending = {first, *copies(queue, first, 150)}
    code, out, _ = _invoke("watch", "--once", "--store", store)
    assert code == 0
    printed = [line.split()[0] for line in out.splitlines() if line.startswith("apr_")]
    assert sorted(printed) == sorted(pending)  # each once; before: 100 of them


@pytest.mark.parametrize("interval", ["inf", "1e10"])
def test_watch_refuses_an_interval_no_timer_can_wait(store: str, interval: str) -> None:
    code, _, err = _invoke("watch", "--interval", interval, "--store", store)
    assert code == 2 and "--interval" in err  # before: OverflowError after the first poll


def test_watch_json_lines(store: str, ticket: str) -> None:
    code, out, _ = _invoke("watch", "--once", "--json", "--store", store)
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [ticket]


@pytest.mark.parametrize("command", [["list"], ["show", "t-1"], ["watch", "--once"]])
def test_a_mistyped_sqlite_store_is_refused_not_created(
    tmp_path: Path, policies: str, command: list[str]
) -> None:
    """Found by probing: `approvals list --store sqlite:///typo/charter.db` created that
    database (schema and all), said "no approval requests" and exited 0; `audit verify`
    then called the new empty store OK."""
    typo = tmp_path / "typo" / "charter.db"
    code, _, err = _invoke(*command, "--store", f"sqlite:///{typo}")
    assert code == 2 and "no approval store at" in err and "does not exist" in err
    code, _, err = _invoke("approve", "t-1", "--as", "alice", "--store", f"sqlite:///{typo}",
                           "--policies", policies)  # fmt: skip
    assert code == 2 and "does not exist" in err
    assert not typo.parent.exists()


def test_a_bad_store_url_is_a_clean_error() -> None:
    code, _, err = _invoke("list", "--store", "mysql://nowhere/db")
    assert code == 2 and "not supported; use sqlite:///path or postgresql://" in err


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_watch_stops_cleanly_on_a_signal_even_started_with_sigint_ignored(
    store: str, ticket: str, how: signal.Signals
) -> None:
    """As a script's background job starts it: SIGINT ignored, so before `stop_on_signals`
    Ctrl-C (kill -INT) left it polling and SIGTERM killed it without a word."""
    charter = str(Path(sys.executable).with_name("charter"))
    watch = subprocess.Popen(
        [charter, "approvals", "watch", "--store", store, "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert watch.stdout is not None
        assert ticket in watch.stdout.readline()  # polling: the pending request is listed
        watch.send_signal(how)
        _, err = watch.communicate(timeout=30)
    finally:
        watch.kill()
    assert watch.returncode == 0, err
    assert "Traceback" not in err


def test_show_and_list_print_control_characters_as_escapes(store: str) -> None:
    """Found by probing (stop 34): a requester id holding an OSC sequence reached the
    reviewer's terminal as is, from `show` (where it can set the window title or, with OSC
    52, write the clipboard), and a bidirectional override can reorder what they read."""
    hostile = "u-7\x1b]0;pwned\x07\x1b[2J\u202e1000"
    action = {**ACTION, "text": "Pay \x1b]52;c;ZWNobyBoaQ==\x07 now"}
    with ApprovalQueue(store) as queue:
        ticket = submit(queue, requester=hostile, action=action).id
    for args in (("show", ticket), ("list",)):
        code, out, _ = _invoke(*args, "--store", store)
        assert code == 0
        assert not any(c in out for c in "\x1b\x07\u202e"), args  # main: printed as is
    _, shown, _ = _invoke("show", ticket, "--store", store)
    assert "u-7\\x1b]0;pwned\\x07\\x1b[2J\\u202e1000" in shown
    assert "\\u001b]52;c;" in shown  # the action is JSON: its escapes already
