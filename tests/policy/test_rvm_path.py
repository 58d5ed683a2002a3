"""The compiled RVM path is the default only where it keeps OPA's semantics: bundles with
a shape the RVM mishandles keep the interpreter for `decision`, a conflict still fails
closed, and an undefined value that leaks into an RVM result is re-decided."""

from __future__ import annotations

import shutil
from pathlib import Path

from charter.config import DEFAULT_POLICIES
from charter.decision import Action
from charter.policy.embedded import EmbeddedEngine

HEAD = 'package charter.main\n\ndefault decision := {"action": "allow"}\n\n'


def _engine(body: str, **options: object) -> EmbeddedEngine:
    return EmbeddedEngine.from_sources({"main.rego": HEAD + body}, **options)


def test_the_shipped_bundle_runs_on_the_rvm() -> None:
    assert EmbeddedEngine(DEFAULT_POLICIES).path == "rvm"


def test_a_conflict_keeps_the_interpreter_and_fails_closed() -> None:
    engine = _engine(
        'level := "low" if input.a\nlevel := "high" if input.b\n'
        'decision := {"action": "deny"} if level == "high"\n'
    )
    assert engine.path.startswith("interpreter: charter.main.level")
    assert "2 definitions" in engine.path
    both = engine.evaluate({"a": True, "b": True})
    assert both.action is Action.DENY and both.rules == ("charter.fail_closed",)
    assert engine.evaluate({"b": True}).action is Action.DENY
    assert engine.evaluate({"a": True}).action is Action.ALLOW


def test_a_conflict_below_non_ascii_text_is_still_seen() -> None:
    """Found by review: regorus's spans count UTF-8 bytes and were read as character
    positions, so one `ş` above a conflict shifted the texts compared, the two values read
    alike and the RVM ran the conflict (one value, where OPA fails closed)."""
    engine = _engine(
        "# başkasının hesabı: Turkish words in a comment\n"
        'level := "low" if input.a\nlevel := "high" if input.b\n'
        'decision := {"action": "deny"} if level == "high"\n'
    )
    assert engine.path.startswith("interpreter: charter.main.level"), engine.path
    both = engine.evaluate({"a": True, "b": True})
    assert both.action is Action.DENY and both.rules == ("charter.fail_closed",)
    exclusive = _engine(
        "# şu iki tanım birbirini dışlar\n"
        'level := "low" if input.a == 1\nlevel := "high" if input.a != 1\n'
        'decision := {"action": "deny"} if level == "high"\n'
    )
    assert exclusive.path == "rvm"


def test_exclusive_definitions_stay_on_the_rvm() -> None:
    engine = _engine(
        'level := "low" if input.a == 1\nlevel := "high" if input.a != 1\n'
        'decision := {"action": "deny"} if level == "high"\n'
    )
    assert engine.path == "rvm"
    assert engine.evaluate({"a": 2}).action is Action.DENY
    assert engine.evaluate({"a": 1}).action is Action.ALLOW


def test_an_else_after_iteration_keeps_the_interpreter() -> None:
    engine = _engine(
        'first_big := x if { some x in input.xs; x > 5 } else := "none"\n'
        'decision := {"action": "deny"} if first_big == "none"\n'
    )
    assert "`else` after a body that iterates" in engine.path
    assert engine.evaluate({"xs": [1, 2]}).action is Action.DENY
    assert engine.evaluate({"xs": [1, 9]}).action is Action.ALLOW


def test_an_object_rule_keeps_the_interpreter() -> None:
    engine = _engine(
        "by_id[k] := v if { some v in input.xs; k := v.id }\n"
        'decision := {"action": "deny"} if count(by_id) > 0\n'
    )
    assert "object rule" in engine.path


def test_an_undefined_value_leaking_into_an_rvm_result_is_redecided() -> None:
    engine = _engine(
        'decision := {"action": "allow", "obligations": {"a": [y | some x in input.xs; '
        "y := x.a]}} if true\n"
    )
    assert engine.path == "rvm"
    decision = engine.evaluate({"xs": [{"a": 1}, {"b": 2}]})
    assert decision.error is None
    assert decision.obligations == {"a": [1]}


def test_compiled_true_forces_the_rvm_and_false_the_interpreter() -> None:
    body = 'level := "low" if input.a\nlevel := "high" if input.b\n'
    assert _engine(body, compiled=True).path == "rvm"
    assert _engine("", compiled=False).path.startswith("interpreter: chosen")


def test_a_builtin_error_in_a_rule_of_ones_own_fails_closed() -> None:
    """The RVM turns a builtin's error into undefined: the rule did not fire and the call
    was allowed (found by probing). Own rules that call builtins keep the interpreter."""
    for expr in ('to_number("abc")', "1 / count([])", 'regex.match("(", "x")'):
        engine = _engine(f'decision := {{"action": "deny"}} if {{ n := {expr}; n == n }}\n')
        assert "charter.main.decision" in engine.path
        decision = engine.evaluate({"schema": 1, "stage": "input", "text": "abc"})
        assert decision.action is Action.DENY and decision.rules == ("charter.fail_closed",)


def test_operators_and_calls_into_shipped_functions_fail_closed(tmp_path: Path) -> None:
    """Found by probing: `input.amount * 35 > 10000` with the amount sent as a string, and
    `lib.mentions_any(<a string>)` (the error is inside the shipped function, on the own
    rule's argument) were undefined on the RVM and allowed."""
    for condition in ("input.amount * 35 > 1", "input.amount - 1 > 1", "count(input.s | {1}) > 0"):
        engine = _engine(f'decision := {{"action": "deny"}} if {condition}\n')
        assert "charter.main.decision" in engine.path
        decision = engine.evaluate({"amount": "1000", "s": "x"})
        assert decision.action is Action.DENY and decision.rules == ("charter.fail_closed",)
    shutil.copytree(DEFAULT_POLICIES / "charter", tmp_path / "charter")
    (tmp_path / "charter" / "acme.rego").write_text(
        "package charter.topics\n\nimport rego.v1\n\nimport data.charter.lib\n\n"
        'findings contains {"action": "deny", "rule": "acme.x", "message": "m"} if {\n'
        '\tinput.stage == "input"\n\tlib.mentions_any(data.charter.acme.phrases)\n}\n'
    )
    (tmp_path / "charter" / "acme").mkdir()
    (tmp_path / "charter" / "acme" / "data.json").write_text('{"phrases": "place my order"}')
    engine = EmbeddedEngine(tmp_path)
    assert "calls lib.mentions_any()" in engine.path
    decision = engine.evaluate({"schema": 1, "stage": "input", "text": "place my order"})
    assert decision.action is Action.DENY and decision.rules == ("charter.fail_closed",)


def test_own_functions_without_builtins_or_operators_stay_on_the_rvm() -> None:
    engine = _engine(
        'same(x) := y if { y := x }\nnamed(x) if same(x) == "b"\n'
        'decision := {"action": "deny"} if named(input.who)\n'
    )
    assert engine.path == "rvm"
    assert engine.evaluate({"who": "b"}).action is Action.DENY
    assert engine.evaluate({"who": "a"}).action is Action.ALLOW


def test_shipped_modules_with_crlf_or_trailing_blank_lines_stay_on_the_rvm(
    tmp_path: Path,
) -> None:
    """Found by probing: a checkout with CRLF endings (core.autocrlf) or one more newline
    at the end of lib.rego made every shipped module count as one's own: interpreter."""
    shutil.copytree(DEFAULT_POLICIES / "charter", tmp_path / "charter")
    for path in (tmp_path / "charter").glob("*.rego"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    lib = tmp_path / "charter" / "lib.rego"
    lib.write_bytes(lib.read_bytes() + b"\r\n\r\n")
    main = tmp_path / "charter" / "main.rego"
    main.write_bytes(main.read_bytes().replace(b"\r\n", b"  \r\n", 1))
    engine = EmbeddedEngine(tmp_path)
    assert engine.path == "rvm"
    decision = engine.evaluate({"schema": 1, "stage": "input", "text": "Which stock should I buy?"})
    assert decision.action is Action.DENY and decision.rules == ("topics.forbidden",)
