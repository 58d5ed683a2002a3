"""A held call that its approval request cannot store (an argument with no JSON form, a
method's receiver) completes in the process that held it, with the very objects it was
called with; and a resume that cannot run leaves the approval unused.

Found by probing: such a call could not be resumed even in its own process, and the
failed resume used the approval up ("already used" on the next try)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from charter.config import DEFAULT_POLICIES
from charter.errors import ActionMismatch, ApprovalError, ApprovalPending, ConfigurationError
from charter.guard import Charter
from charter.pipeline import held_calls
from charter.testing import make_charter

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Order:
    order_id: str


@pytest.fixture
def charter(tmp_path: Path) -> Charter:
    return make_charter(DEFAULT_POLICIES, tmp_path)


def _held(call: object) -> str:
    with pytest.raises(ApprovalPending) as info:
        call()  # type: ignore[operator]
    return info.value.ticket


def test_a_tool_call_with_a_dataclass_argument_resumes_in_its_process_once(
    charter: Charter,
) -> None:
    got: list[Order] = []

    @charter.guard.tool
    def issue_refund(order: Order, amount: float) -> str:
        got.append(order)
        return f"refunded {amount} on {order.order_id}"

    order = Order("A-17")
    ticket = _held(lambda: issue_refund(order, 900.0))
    assert "call" not in charter.queue.get(ticket).action  # no resume after a restart
    charter.queue.approve(ticket, "alice", reason="order verified")
    assert charter.resume(ticket) == "refunded 900.0 on A-17"
    assert got == [order] and got[0] is order
    assert held_calls.arguments(charter.queue.get(ticket)) == {}  # let go once used
    with pytest.raises(ApprovalError, match="already used"):
        charter.resume(ticket)
    assert len(got) == 1


def test_a_held_method_call_resumes_on_its_object(charter: Charter) -> None:
    class Payments:
        def __init__(self, account: str) -> None:
            self.account = account

        @charter.guard.tool
        def issue_refund(self, order_id: str, amount: float) -> str:
            return f"refunded {amount} on {order_id} from {self.account}"

    payments = Payments("ACC-1")
    assert payments.issue_refund("A-1", 10.0) == "refunded 10.0 on A-1 from ACC-1"
    ticket = _held(lambda: payments.issue_refund("A-17", 900.0))
    charter.queue.approve(ticket, "alice", reason="ok")
    assert charter.resume(ticket) == "refunded 900.0 on A-17 from ACC-1"


def test_arguments_changed_after_the_hold_are_not_run(charter: Charter) -> None:
    """The objects are the app's own: one edited after the hold would run an action the
    reviewer never saw."""
    ran: list[str] = []

    @charter.guard.tool
    def issue_refund(order: Order, amount: float) -> str:
        ran.append(order.order_id)
        return "refunded"

    order = Order("A-17")
    ticket = _held(lambda: issue_refund(order, 900.0))
    charter.queue.approve(ticket, "alice", reason="ok")
    order.order_id = "B-99"
    with pytest.raises(ActionMismatch, match="changed since"):
        charter.resume(ticket)
    assert ran == [] and charter.queue.get(ticket).consumed_at is None
    order.order_id = "A-17"
    assert charter.resume(ticket) == "refunded"
    assert ran == ["A-17"]


def test_a_rejected_hold_lets_its_arguments_go(charter: Charter) -> None:
    @charter.guard.tool
    def issue_refund(order: Order, amount: float) -> str:
        raise AssertionError("must not run")

    ticket = _held(lambda: issue_refund(Order("A-17"), 900.0))
    assert held_calls.arguments(charter.queue.get(ticket))["amount"] == 900.0
    charter.queue.reject(ticket, "alice", reason="no")
    with pytest.raises(ApprovalError, match="rejected"):
        charter.resume(ticket)
    assert held_calls.arguments(charter.queue.get(ticket)) == {}


def test_the_kept_calls_are_bounded_and_a_forgotten_one_keeps_its_approval(
    charter: Charter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(held_calls, "KEPT", 2)
    ran: list[str] = []

    @charter.guard.tool
    def issue_refund(order: Order, amount: float) -> str:
        ran.append(order.order_id)
        return "refunded"

    tickets = [_held(lambda i=i: issue_refund(Order(f"A-{i}"), 900.0)) for i in range(3)]
    for ticket in tickets:
        charter.queue.approve(ticket, "alice", reason="ok")
    with pytest.raises(ConfigurationError, match="only the process that held it"):
        charter.resume(tickets[0])  # the oldest was let go
    first = charter.queue.get(tickets[0])
    assert first.consumed_at is None and first.state.value == "approved"
    assert [charter.resume(t) for t in tickets[1:]] == ["refunded", "refunded"]
    assert ran == ["A-1", "A-2"]


APP = textwrap.dedent(
    """
    import sys, dataclasses, charter
    from charter.config import DEFAULT_POLICIES
    charter.configure(policies=str(DEFAULT_POLICIES), store_url=sys.argv[1], telemetry=False)

    @dataclasses.dataclass
    class Order:
        order_id: str

    @charter.guard.tool
    def issue_refund(order: Order, amount: float) -> str:
        open(sys.argv[2], "a").write(f"{order.order_id}:{amount}\\n")
        return "refunded"

    if sys.argv[3] == "call":
        try:
            issue_refund(Order("A-77"), 950.0)
        except charter.ApprovalPending as exc:
            print(exc.ticket, flush=True)
    else:
        print(charter.resume(sys.argv[3]))
    """
)


def test_another_process_cannot_resume_it_and_leaves_the_approval_unused(
    charter: Charter, tmp_path: Path
) -> None:
    app = tmp_path / "refund_app.py"
    app.write_text(APP)
    store = charter.settings.store_url
    effects = tmp_path / "effects.txt"
    env = {"PYTHONPATH": f"{ROOT / 'sdk'}:{ROOT}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def run(what: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, str(app), store, str(effects), what]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)

    held = run("call")
    assert held.returncode == 0, held.stderr[-2000:]
    ticket = held.stdout.strip()
    charter.queue.approve(ticket, "alice", reason="ok")
    resumed = run(ticket)  # a restart: the order object is gone with the first process
    request = charter.queue.get(ticket)
    assert request.consumed_at is None and request.state.value == "approved"
    assert not effects.exists()
    assert resumed.returncode != 0 and "only the process that held it" in resumed.stderr


def test_keys_that_write_the_same_text_are_all_shown_and_run_as_passed(
    charter: Charter,
) -> None:
    """Found by probing: `{1: 600, "1": 300}` reached the policy and the reviewer as
    `{"1": 300}` (JSON writes both keys "1"), was stored as resumable, and ran after a
    resume as `{"1": 300, "2.5": [1, 2], "null": 0}`: a value dropped, keys and tuples
    changed. Now every entry is seen (the twin as "1 (2)"), such a call is kept live
    rather than stored, and it runs with the very mapping it was called with."""
    got: list[dict[object, object]] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float, split: dict[object, object]) -> str:
        got.append(split)
        return "refunded"

    split: dict[object, object] = {1: 600, "1": 300, None: 0, 2.5: (1, 2)}
    ticket = _held(lambda: issue_refund("A-17", 900, split=split))
    request = charter.queue.get(ticket)
    assert request.action["tool"]["arguments"]["split"] == {
        "1": 600, "1 (2)": 300, "null": 0, "2.5": [1, 2]
    }  # fmt: skip
    assert "call" not in request.action  # not stored as JSON: it would not read back
    charter.queue.approve(ticket, "alice", reason="split checked")
    assert charter.resume(ticket) == "refunded"
    assert got == [split] and got[0] is split
