"""Found by probing: with `policy_isolation="process"`, one Ctrl-C while the caller waited
for a worker's answer gave the worker back to the pool with that answer unread, and every
later call was decided by the call before it: a refund over the approval limit ran with no
approval and an e-mail address reached the model unredacted.

The Ctrl-C is raised where the caller waits for the answer (its request already sent to a
real worker process), so the window is hit every time."""

from __future__ import annotations

from collections.abc import Iterator
from multiprocessing.connection import Connection

import pytest

from charter._canonical import valid_json
from charter.decision import Action
from charter.policy.embedded import EmbeddedEngine

POLICY = """package charter.main

default decision := {"action": "allow"}

decision := {"action": "deny", "violations": [{"rule": "forbidden"}]} if {
\tinput.text == "forbidden"
}
"""
HELLO = {"stage": "input", "text": "hello"}
FORBIDDEN = {"stage": "input", "text": "forbidden"}


@pytest.fixture
def engine() -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine.from_sources({"main.rego": POLICY}, isolation="process")
    # The worker has loaded the bundle: the next wait is an evaluation's.
    assert engine.evaluate(FORBIDDEN).rules == ("forbidden",)
    yield engine
    engine.close()


def _interrupt_next_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next wait for a worker's answer is cut short by a KeyboardInterrupt."""
    real = Connection.poll

    def poll(self: Connection, timeout: float | None = 0.0) -> bool:
        monkeypatch.setattr(Connection, "poll", real)
        raise KeyboardInterrupt

    monkeypatch.setattr(Connection, "poll", poll)


def test_a_call_after_a_ctrl_c_gets_its_own_decision(
    engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_next_wait(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        engine.evaluate(HELLO)
    decision = engine.evaluate(FORBIDDEN)
    assert decision.action is Action.DENY and decision.rules == ("forbidden",), decision
    assert engine.evaluate(HELLO).action is Action.ALLOW


def test_an_answer_to_another_request_fails_the_decision_closed(
    engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: even a worker handed back with an answer still owed (the pool
    never does so now) cannot decide a later request with it."""
    pool = engine._pool
    assert pool is not None
    worker = pool._take()
    _interrupt_next_wait(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        worker.ask(("eval", valid_json(HELLO)), 5.0)
    pool._give_back(worker)
    decision = engine.evaluate(FORBIDDEN)
    assert decision.rules == ("charter.fail_closed",), decision
    assert "answered request" in (decision.error or ""), decision.error
    assert not worker.process.is_alive()
    assert engine.evaluate(FORBIDDEN).rules == ("forbidden",)
    assert engine.evaluate(HELLO).action is Action.ALLOW
