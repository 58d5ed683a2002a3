"""Issue 14, finding 5: a slow policy blocked every thread for 13.2 s and then allowed.

Replayed with deliberately slow `decision` rules. regorus holds the GIL while it
evaluates, so the bound must come from the engine: the RVM's instruction budget stops a
runaway loop in-process; a single expensive builtin (one instruction) is stopped only by
evaluating in a worker process (`policy_isolation="process"`). Either way the decision is a
deny whose error says it ran out of time, and other threads keep running meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from charter.decision import Action, Decision
from charter.errors import PolicyViolation
from charter.policy.embedded import EmbeddedEngine
from charter.testing import RecordingModel, make_charter

HEAD = 'package charter.main\n\ndefault decision := {"action": "allow"}\n\n'
LOOP = HEAD + (
    'decision := {"action": "deny", "violations": [{"rule": "never"}]} if {\n'
    "\tcount([1 | some x in numbers.range(1, 4000); some y in numbers.range(1, 4000)]) < 0\n"
    "}\n"
)
BUILTIN = HEAD + (
    'decision := {"action": "deny", "violations": [{"rule": "never"}]} if {\n'
    "\tcount(numbers.range(1, 30000000)) < 0\n"
    "}\n"
)


def _engine(source: str, **options: object) -> EmbeddedEngine:
    return EmbeddedEngine.from_sources({"main.rego": source}, **options)


def _timed_out(decision: Decision) -> bool:
    return (
        decision.action is Action.DENY
        and decision.rules == ("charter.fail_closed",)
        and "timeout" in (decision.error or "")
    )


@contextmanager
def _ticker() -> Iterator[Callable[[], float]]:
    """Another thread ticking every millisecond; yields `longest_gap()` in seconds."""
    gaps: list[float] = [0.0]
    done = threading.Event()

    def tick() -> None:
        last = time.monotonic()
        while not done.is_set():
            time.sleep(0.001)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        yield lambda: max(gaps)
    finally:
        done.set()
        thread.join()


def test_a_runaway_loop_is_stopped_and_denied_in_process() -> None:
    # compiled=True: a rule of one's own that calls builtins keeps the interpreter by default
    # (analysis gap 4); the instruction budget is the RVM's
    engine = _engine(LOOP, compiled=True)
    assert engine.path == "rvm"
    with _ticker() as longest_gap:
        decisions = [engine.evaluate({"stage": "input", "text": str(i)}) for i in range(20)]
    assert all(_timed_out(d) for d in decisions), decisions[0]
    # Unbounded, one evaluation holds the GIL for seconds (16M iterations).
    assert longest_gap() < 1.0, longest_gap()


@pytest.mark.slow
def test_an_evaluation_over_its_time_budget_is_denied_even_when_it_finished() -> None:
    """The interpreter has no instruction budget: a slow run that completes is still
    denied, never allowed after the fact."""
    engine = _engine(LOOP.replace("4000", "700"), compiled=False, timeout_ms=50)
    decision = engine.evaluate({"stage": "input", "text": "hello"})
    assert _timed_out(decision) and "50 ms" in (decision.error or ""), decision


def test_time_spent_waiting_is_not_charged_to_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget is the evaluating thread's own CPU time: a call that waited 200 ms for a
    busy CPU or another thread (here: slept, using no CPU) is decided, not failed closed."""
    engine = _engine(HEAD, timeout_ms=50)
    evaluator = engine._evaluator(engine._snapshot)
    decide = evaluator.decide

    def waits_then_decides(input_json: str) -> str:
        time.sleep(0.2)
        return decide(input_json)

    monkeypatch.setattr(evaluator, "decide", waits_then_decides)
    decision = engine.evaluate({"stage": "input", "text": "hello"})
    assert decision.action is Action.ALLOW and decision.error is None, decision


@pytest.mark.slow
def test_an_expensive_builtin_is_stopped_at_the_deadline_in_a_worker_process() -> None:
    engine = _engine(BUILTIN, timeout_ms=300, isolation="process")
    try:
        with _ticker() as longest_gap:
            first = engine.evaluate({"stage": "input", "text": "a"})
            second = engine.evaluate({"stage": "input", "text": "b"})
        assert _timed_out(first) and _timed_out(second), (first, second)
        assert "300 ms" in (second.error or "")
        assert longest_gap() < 1.0, longest_gap()
        # A fast policy on the same pool still answers normally.
        fast = _engine(HEAD, isolation="process")
        try:
            assert fast.evaluate({"stage": "input"}).action is Action.ALLOW
        finally:
            fast.close()
    finally:
        engine.close()


@pytest.mark.slow
def test_a_runaway_loop_of_ones_own_on_the_default_path_is_stopped_in_a_worker() -> None:
    """By default a rule of one's own that calls builtins runs on the interpreter (analysis
    gap 4), which has no instruction budget: in-process the loop held the GIL for seconds. The
    README and `charter policy check` point to process isolation, which stops it at the
    deadline: the worker is killed, the answer is never awaited."""
    engine = _engine(LOOP, timeout_ms=300, isolation="process")
    try:
        assert engine.path.startswith("interpreter: charter.main.decision")
        decision = engine.evaluate({"stage": "input", "text": "a"})
        assert _timed_out(decision), decision
        assert "did not finish within its 300 ms" in (decision.error or ""), decision
    finally:
        engine.close()


def test_the_guard_refuses_the_call_and_never_reaches_the_model(tmp_path: Path) -> None:
    bundle = tmp_path / "policies"
    bundle.mkdir()
    (bundle / "main.rego").write_text(LOOP)
    charter = make_charter(bundle, tmp_path, policy_timeout_ms=100)
    model = RecordingModel("ok")
    ask = charter.guard(model="m", provider="openai")(model)
    with pytest.raises(PolicyViolation) as info:
        ask("What are your opening hours?")
    assert "timeout" in (info.value.decision.error or "")
    assert model.calls == []
    charter.close()


def test_a_script_without_a_main_guard_is_told_what_to_do(tmp_path: Path) -> None:
    """Found by a new user at stop 53: with `policy_isolation="process"`, a script whose
    guarded calls sit at its top level had every call denied by 'connection reset', and the
    spawned worker (which re-runs the script) said only "An attempt has been made to start
    a new process before the current process has finished its bootstrapping phase"."""
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "import charter\n"
        f"charter.configure(app='a', store_url='sqlite:///{tmp_path / 'x.db'}',"
        " policy_isolation='process', audit=False, telemetry=False)\n"
        "@charter.guard(model='m', provider='openai')\n"
        "def answer(prompt): return 'fine'\n"
        "try:\n    print(answer('hello'))\n"
        "except Exception as exc:\n    print('ERR', exc)\n"
    )
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert "keep the calls under `if __name__" in run.stdout + run.stderr, run.stdout


@pytest.mark.parametrize(
    ("just_over", "shown"), [("3600001", "3600001 ms"), ("3600000.25", "3600000.25 ms")]
)
def test_a_timeout_just_over_the_bound_is_printed_as_given(
    just_over: str, shown: str, tmp_path: Path
) -> None:
    """Found by probing: 3600001 was printed as "3.6e+06 ms is over the limit of 3600000
    ms", a value that reads as within the limit."""
    from charter.config import Settings
    from charter.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as caught:
        Settings.load(environ={"CHARTER_POLICY_TIMEOUT_MS": just_over}, cwd=tmp_path)
    assert f"{shown} is over the limit of 3600000 ms" in str(caught.value)


@pytest.mark.parametrize("too_long", ["inf", "1e300"])
def test_a_timeout_beyond_an_hour_is_refused_when_settings_load(
    too_long: str, tmp_path: Path
) -> None:
    """Found by probing: `policy_timeout_ms = inf` (or 1e300) was accepted, and with
    `policy_isolation = "process"` every call was then denied with 'OverflowError: cannot
    convert float infinity to integer'. The bound is an hour, and the bound itself works."""
    from charter.config import Settings
    from charter.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"policy_timeout_ms: .* \(one hour\)"):
        Settings.load(environ={"CHARTER_POLICY_TIMEOUT_MS": too_long}, cwd=tmp_path)
    bundle = tmp_path / "policies"
    bundle.mkdir()
    (bundle / "main.rego").write_text(HEAD)
    with pytest.raises(ConfigurationError, match="one hour"):
        make_charter(bundle, tmp_path, policy_timeout_ms=float(too_long))
    an_hour_ms = 60 * 60 * 1000.0
    charter = make_charter(
        bundle, tmp_path, policy_timeout_ms=an_hour_ms, policy_isolation="process"
    )
    try:
        decision = charter.check("What are your opening hours?")
        assert decision.action is Action.ALLOW and decision.error is None, decision
    finally:
        charter.close()
