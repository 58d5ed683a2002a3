"""`revise` in the decision contract: its rank, its decoding (embedded and over OPA's REST
API, the same), and a malformed revise spec failing closed."""

from __future__ import annotations

import pytest

from charter.config import DEFAULT_POLICIES
from charter.decision import Action, Decision, Stage, Violation, strictest
from charter.policy.decode import decode_decision
from charter.policy.embedded import EmbeddedEngine
from charter.policy.opa import OpaServerEngine

from .opa_server import serve_opa

PROMISE = {
    "schema": 1,
    "stage": "output",
    "model": {"provider": "openai", "name": "gpt-4o"},
    "text": "Good news, your loan will definitely be approved.",
    "pii": [{"type": "EMAIL_ADDRESS", "score": 0.99, "count": 1}],
}


def test_revise_ranks_between_redact_and_require_approval() -> None:
    order = [Action.ALLOW, Action.REDACT, Action.REVISE, Action.REQUIRE_APPROVAL, Action.DENY]
    assert sorted(Action, key=lambda a: a.rank) == order
    decisions = [Decision(action=a) for a in (Action.REDACT, Action.REVISE, Action.ALLOW)]
    assert strictest(decisions).action is Action.REVISE
    assert not Decision(action=Action.REVISE).allowed  # held back until a revision passes


def test_as_deny_keeps_the_rules_and_says_why() -> None:
    decision = Decision(
        action=Action.REVISE,
        violations=(Violation(rule="a.b", message="it promises"),),
        stage=Stage.OUTPUT,
    )
    denied = decision.as_deny("still so after 1 revision")
    assert denied.action is Action.DENY and denied.rules == ("a.b",)
    assert denied.violations[0].message == "it promises (still so after 1 revision)"
    assert denied.decision_id == decision.decision_id


def test_the_shipped_bundle_revises_with_its_critique_on_both_engines() -> None:
    embedded = EmbeddedEngine(DEFAULT_POLICIES)
    local = embedded.evaluate(PROMISE)
    assert local.action is Action.REVISE
    assert local.revise is not None and local.revise.max_rounds == 1
    [critique] = local.revise.critiques
    assert critique.rule == "output.unqualified_promise"
    assert critique.principle.startswith("Honesty: no promise")
    assert critique.instruction.startswith("Rewrite the answer without promising")
    assert local.redact == {"EMAIL_ADDRESS": "placeholder"}  # kept for the draft sent back
    with serve_opa(embedded) as (url, _):
        remote = OpaServerEngine(url)
        over_opa = remote.evaluate(PROMISE)
        remote.close()
    keep = {"action", "violations", "redact", "revise", "obligations"}
    assert over_opa.model_dump(include=keep) == local.model_dump(include=keep)


@pytest.mark.parametrize(
    ("revise", "error"),
    [
        ({"critiques": [], "max_rounds": 9}, "decision.revise.max_rounds"),
        ({"critiques": [{"principle": "no rule"}]}, "decision.revise.critiques.0.rule"),
        ("twice", "decision.revise"),
    ],
)
def test_a_malformed_revise_spec_is_an_evaluation_error(revise: object, error: str) -> None:
    from charter.errors import PolicyEvaluationError

    with pytest.raises(PolicyEvaluationError, match=error):
        decode_decision(
            {"action": "revise", "revise": revise}, stage=Stage.OUTPUT, revision="r", eval_ms=0.0
        )


def test_an_eval_counts_a_revised_answer_as_not_released() -> None:
    from charter.evals.runner import Outcome, outcome_of

    assert outcome_of(Action.REVISE) is Outcome.BLOCKED
