"""Found by probing: a policy runtime error quoted the input value it choked on, and the
decision kept the message as its `error`. A custom rule `input.tool.arguments.amount *
0.02` on an amount the model sent as text ("900 for <a name>") put the name in the decision
log, the audit export, `str(PolicyViolation)` and `explain()`. The error now keeps its kind,
builtin and file position and withholds the value, on every path that evaluates Rego."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from charter.config import DEFAULT_POLICIES
from charter.decision import Action
from charter.errors import PolicyViolation
from charter.policy.embedded import EmbeddedEngine
from charter.policy.error_text import withhold_values
from charter.testing import make_charter

NAME = "Quillon Abernathy-Prest"
VALUE = f"900 for {NAME}("
"""The marker, as the model sent it: the `(` also makes it a bad regex."""

# (rule body that fails on input.v, what the error must still say)
SHAPES = [
    ("x := input.v * 0.02", "`mul` expects numeric argument"),
    ("x := input.v + 1", "`add` expects numeric argument"),
    ('x := object.get(input.v, "k", 1)', "`object.get` expects object argument"),
    ("x := lower(input.l)", "`lower` expects string argument"),
    ('x := startswith(input.o, "a")', "`startswith` expects string argument"),
    ("x := array.concat(input.v, [1])", "`array.concat` expects array argument"),
    ("x := to_number(input.v)", "could not parse string as number"),
    ("x := json.unmarshal(input.v)", "could not deserialize json"),
    ('x := regex.match(input.v, "a")', "invalid regex"),
    ("x := sprintf(input.v, [1])", "extra arguments (1) specified for 0 format verbs"),
    ('x := net.cidr_contains(input.v, "1.2.3.4")', "invalid IP address syntax"),
    ("x := y if { some y in [input.v, 1] }", "rules must not produce multiple outputs"),
    ("f(a) := a\nf(a) := 1\nx := f(input.v)", "functions must not produce multiple outputs"),
]
INPUT = {"v": VALUE, "l": [NAME], "o": {"k": NAME}}


def _engine(body: str, **options: object) -> EmbeddedEngine:
    source = f"""package charter.main
import rego.v1

decision := {{"action": "allow", "violations": [{{"rule": "t", "message": sprintf("%v", [x])}}]}}

{body}
"""
    return EmbeddedEngine.from_sources({"m.rego": source}, compiled=False, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "kind"), SHAPES, ids=[k for _, k in SHAPES])
def test_the_error_keeps_its_kind_and_withholds_the_value(body: str, kind: str) -> None:
    engine = _engine(body)
    decision = engine.evaluate(INPUT)
    assert decision.action is Action.DENY and decision.error is not None
    for said in (decision.error, decision.explain(), str(PolicyViolation(decision))):
        assert NAME not in said and "Quillon" not in said, said
    assert kind in decision.error and "m.rego:" in decision.error, decision.error


@pytest.mark.parametrize(
    ("message", "kept"),
    [  # regorus shapes the rules above do not reach, and OPA's (its HTTP clients drop them)
        (f"path {NAME} does not exist in object", "does not exist in object"),
        (f"expected composite type, found value: {NAME}", "expected composite type"),
        (f"Error parsing {NAME} as CIDR: invalid", "Error parsing"),
        (f"neighbors for node `{NAME}` must be array/set.", "must be array/set"),
        (f"Invalid numeric string '{NAME}'", "Invalid numeric string"),
        (f'to_number: strconv.ParseFloat: parsing "{NAME}": invalid syntax', "invalid syntax"),
        (f"regex.match: error parsing regexp: missing closing ): `({NAME}`", "missing closing"),
    ],
)
def test_bare_and_quoted_values_are_withheld(message: str, kept: str) -> None:
    said = withhold_values(message)
    assert "Quillon" not in said and kept in said, said


def test_a_worker_process_withholds_it_too() -> None:
    engine = _engine(SHAPES[0][0], isolation="process", timeout_ms=60_000)
    try:
        decision = engine.evaluate(INPUT)
    finally:
        engine.close()
    assert decision.error is not None and "Quillon" not in decision.error, decision.error
    assert SHAPES[0][1] in decision.error and "m.rego:" in decision.error, decision.error


def test_a_custom_rule_on_a_text_amount_leaves_no_name_at_rest(tmp_path: Path) -> None:
    """The probe's case end to end: the shipped bundle plus one fee rule; the name is in
    no exception, explanation or row of the store."""
    bundle = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, bundle)
    with (bundle / "charter" / "tools.rego").open("a") as f:
        f.write(
            "\nfindings contains finding if {\n\trefund_call\n"
            "\tinput.tool.arguments.amount * 0.02 > 50\n"
            '\tfinding := {"action": "deny", "rule": "tools.refund_fee", "message": "fee"}\n}\n'
        )
    charter = make_charter(bundle, tmp_path, pii_mode="pattern", audit_mode="sync")

    @charter.guard.tool
    def issue_refund(order_id: str, amount: object) -> str:
        return "refunded"

    with pytest.raises(PolicyViolation) as denied:
        issue_refund("A-17", f"900 for {NAME}")
    charter.close()
    decision = denied.value.decision
    assert NAME not in str(denied.value) and NAME not in decision.explain()
    assert decision.error is not None and "`mul` expects numeric argument" in decision.error
    assert "tools.rego:" in decision.error
    engine = create_engine(charter.settings.store_url)
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        rows = [repr(tuple(r)) for t in tables for r in conn.execute(text(f'SELECT * FROM "{t}"'))]
    engine.dispose()
    assert any("expects numeric argument" in r for r in rows)  # the error is recorded...
    assert not [r for r in rows if NAME in r]  # ...without the value


@pytest.mark.parametrize(
    "expr",
    [
        'trim_prefix(input.v, "900 for ")',
        'replace(input.v, " ", "_")',
        "upper(input.v)",
    ],
)
def test_a_decision_action_derived_from_the_input_is_not_quoted(expr: str) -> None:
    """Found by review: a decision whose action was not one Charter knows quoted it ("got
    'Quillon Abernathy-Prest('"), and only verbatim input strings were withheld, so a
    transform of the input reached the decision's `error`. Now only its type is said."""
    src = f'package charter.main\nimport rego.v1\n\ndecision := {{"action": {expr}}}\n'
    decision = EmbeddedEngine.from_sources({"m.rego": src}, compiled=False).evaluate(INPUT)
    assert decision.action is Action.DENY
    assert decision.error is not None and "got a str" in decision.error
    for part in ("Quillon", "Abernathy", "QUILLON", "Quillon_Abernathy"):
        assert part not in decision.error
