from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from charter.decision import Action
from charter.errors import PolicyLoadError
from charter.policy import _regorus
from charter.policy.embedded import EmbeddedEngine

MAIN = """package charter.main
import rego.v1
default decision := {"action": "allow"}
decision := {"action": "deny", "violations": [{"rule": "t.bad", "principle": "P"}]} if {
	input.text == "bad"
}
"""


def test_evaluates_the_bundle(minimal_engine: EmbeddedEngine) -> None:
    d = minimal_engine.evaluate({"text": "Where can I buy WEAPONS?"})
    assert d.action is Action.DENY
    assert d.rules == ("topics.blocked",)
    assert d.violations[0].message == "topic weapons is blocked"
    assert d.policy_revision == minimal_engine.revision != ""
    assert minimal_engine.evaluate({"text": "hello"}).action is Action.ALLOW


def test_approval_spec_is_decoded(minimal_engine: EmbeddedEngine) -> None:
    d = minimal_engine.evaluate({"stage": "tool_call", "tool": {"name": "refund"}, "text": ""})
    assert d.action is Action.REQUIRE_APPROVAL
    assert d.approval is not None and d.approval.approvers.roles == ("finance",)
    assert d.stage.value == "tool_call"


def test_each_thread_gets_its_own_regorus_objects(minimal_engine: EmbeddedEngine) -> None:
    inputs = [{"text": t} for t in ("casino night", "hello", "weapons", "hi")] * 50
    expected = [minimal_engine.evaluate(i).action for i in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda i: minimal_engine.evaluate(i).action, inputs))
    assert got == expected
    assert minimal_engine.query("data.charter.config.blocked") == ["weapons", "casino"]


def test_a_new_thread_loads_the_compiled_program_and_compiles_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread-per-request server evaluates each call on a new thread: each compiled the
    bundle and loaded the interpreter again (~45 ms a call). A new thread now loads the
    program compiled at load time, and builds an interpreter only when it needs one."""
    engine = EmbeddedEngine.from_sources(
        {"main.rego": MAIN, "config.rego": "package charter.config\nblocked := [1, 2]\n"}
    )
    assert engine.path == "rvm"
    inputs = [{"text": t} for t in ("bad", "hello", "bad")]
    expected = [engine.evaluate(i) for i in inputs]
    assert [d.action for d in expected] == [Action.DENY, Action.ALLOW, Action.DENY]
    built: list[str] = []
    compile_program, new_engine = _regorus.compile_program, _regorus.new_engine

    def compiling(*args: Any) -> Any:
        built.append("program")
        return compile_program(*args)

    def interpreting(*args: Any, **kwargs: Any) -> Any:
        built.append("interpreter")
        return new_engine(*args, **kwargs)

    monkeypatch.setattr(_regorus, "compile_program", compiling)
    monkeypatch.setattr(_regorus, "new_engine", interpreting)

    def on_a_new_thread(work: Callable[[], Any]) -> Any:
        out: list[Any] = []
        thread = threading.Thread(target=lambda: out.append(work()))
        thread.start()
        thread.join()
        return out[0]

    for given, want in zip(inputs, expected, strict=True):
        got = on_a_new_thread(lambda i=given: engine.evaluate(i))
        assert (got.action, got.rules, got.error) == (want.action, want.rules, want.error)
    assert built == []
    blocked = on_a_new_thread(lambda: engine.query("data.charter.config.blocked"))
    assert blocked == [1, 2] and built == ["interpreter"]


DAEMON = """
import queue, sys, threading
from charter.policy.embedded import EmbeddedEngine
engine = EmbeddedEngine.from_sources({"main.rego": sys.argv[1]})
jobs, done = queue.Queue(), queue.Queue()

def worker():
    while True:
        given = jobs.get()
        done.put((engine.evaluate(given).action.value, engine.query("data.charter.main")))

threading.Thread(target=worker, daemon=True).start()
jobs.put({"text": "bad"})
print(done.get()[0])
"""


def test_a_daemon_thread_still_alive_at_exit_leaves_no_unsendable_error() -> None:
    """A server's idle daemon worker that evaluated is alive at a normal exit: teardown
    dropped its regorus objects on the main thread and printed regorus's "unsendable, but
    is being dropped on another thread" errors."""
    run = subprocess.run(
        [sys.executable, "-c", DAEMON, MAIN], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and run.stdout.strip() == "deny", run.stderr
    assert "unsendable" not in run.stderr and "Error" not in run.stderr, run.stderr


def test_undefined_decision_fails_closed() -> None:
    engine = EmbeddedEngine.from_sources(
        {
            "m.rego": 'package charter.main\nimport rego.v1\ndecision := {"action": "allow"} if input.ok\n'
        }
    )
    d = engine.evaluate({"ok": False})
    assert d.action is Action.DENY
    assert d.error is not None and "undefined" in d.error


def test_non_object_decision_fails_closed() -> None:
    engine = EmbeddedEngine.from_sources({"m.rego": "package charter.main\ndecision := 42\n"})
    d = engine.evaluate({})
    assert d.action is Action.DENY and "must be an object" in (d.error or "")


def test_runtime_error_fails_closed_unless_marked_fail_open() -> None:
    # Conflicting values for a complete rule is a runtime (eval) error in Rego.
    body = """
decision := {"action": "allow"} if input.a
decision := {"action": "deny"} if input.b
"""
    closed = EmbeddedEngine.from_sources(
        {"m.rego": "package charter.main\nimport rego.v1\n" + body}
    )
    d = closed.evaluate({"a": True, "b": True})
    assert d.action is Action.DENY and d.error
    opened = EmbeddedEngine.from_sources(
        {
            "m.rego": "package charter.main\nimport rego.v1\n# METADATA\n# title: d\n# custom:\n"
            "#   fail_open: true\n" + body.lstrip()
        }
    )
    d = opened.evaluate({"a": True, "b": True})
    assert d.action is Action.ALLOW and d.error and "charter.fail_open" in d.rules


def test_missing_decision_rule_is_a_load_error() -> None:
    with pytest.raises(PolicyLoadError, match="no rule `decision`"):
        EmbeddedEngine.from_sources({"m.rego": "package charter.main\nallow := true\n"})


def test_syntax_error_names_file_line_col() -> None:
    with pytest.raises(PolicyLoadError) as info:
        EmbeddedEngine.from_sources(
            {"bad.rego": MAIN.replace('input.text == "bad"', "input.text ==")}
        )
    assert info.value.location is not None and info.value.location.startswith("bad.rego:")
    assert "Stack backtrace" not in str(info.value)


def test_crypto_and_jwt_fail_at_load_with_a_clear_message() -> None:
    for call in ('crypto.sha256("a") == "b"', 'io.jwt.decode("x")'):
        src = MAIN.replace('input.text == "bad"', call)
        with pytest.raises(PolicyLoadError, match="no crypto") as info:
            EmbeddedEngine.from_sources({"m.rego": src})
        assert info.value.location == "m.rego:5:2"


def test_reload_swaps_atomically_and_keeps_old_on_error(tmp_path: Path) -> None:
    (tmp_path / "charter").mkdir()
    main = tmp_path / "charter" / "main.rego"
    main.write_text(MAIN)
    engine = EmbeddedEngine(tmp_path)
    old = engine.revision
    assert engine.evaluate({"text": "bad"}).action is Action.DENY

    main.write_text(MAIN.replace('"bad"', '"worse"'))
    engine.reload()
    assert engine.revision != old
    assert engine.evaluate({"text": "bad"}).action is Action.ALLOW
    assert engine.evaluate({"text": "worse"}).action is Action.DENY

    good = engine.revision
    main.write_text("package charter.main\ndecision := {")  # broken
    with pytest.raises(PolicyLoadError):
        engine.reload()
    assert engine.revision == good
    assert engine.evaluate({"text": "worse"}).action is Action.DENY
    assert engine.last_reload_error


def test_reload_is_seen_by_other_threads(tmp_path: Path) -> None:
    (tmp_path / "charter").mkdir()
    main = tmp_path / "charter" / "main.rego"
    main.write_text(MAIN)
    engine = EmbeddedEngine(tmp_path)
    seen: list[str] = []
    first, go = threading.Event(), threading.Event()

    def worker() -> None:
        seen.append(engine.evaluate({"text": "bad"}).action.value)
        first.set()
        go.wait(5)
        seen.append(engine.evaluate({"text": "bad"}).action.value)

    t = threading.Thread(target=worker)
    t.start()
    assert first.wait(5)
    main.write_text(MAIN.replace('"bad"', '"worse"'))
    engine.reload()
    go.set()
    t.join()
    assert seen == ["deny", "allow"]


def test_query_returns_none_for_undefined(minimal_engine: EmbeddedEngine) -> None:
    assert minimal_engine.query("data.charter.main.nothing_here") is None
    assert json.dumps(minimal_engine.query("data.charter.main.decision", {"text": "casino"}))


def test_conflicting_values_fail_closed_like_opa(minimal_engine: EmbeddedEngine) -> None:
    """Two bindings of one complete rule with different values is an OPA eval error."""
    d = minimal_engine.evaluate({"text": "weapons and casino"})
    assert d.action is Action.DENY
    assert d.error is not None and "multiple outputs" in d.error


def test_compiled_path_gives_the_same_decisions(minimal_dir: Path) -> None:
    interpreted, compiled = EmbeddedEngine(minimal_dir), EmbeddedEngine(minimal_dir, compiled=True)
    for doc in (
        {"text": "hello"},
        {"text": "casino"},
        {"stage": "tool_call", "tool": {"name": "refund"}},
    ):
        a, b = interpreted.evaluate(doc), compiled.evaluate(doc)
        assert (a.action, a.violations, a.approval) == (b.action, b.violations, b.approval)
