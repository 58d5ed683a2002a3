"""Turn the `decision` rule's JSON into a `Decision`, strictly: anything malformed raises
`PolicyEvaluationError`, which the engines turn into a fail-closed deny."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from charter.decision import INCOMPLETE_DECISION, Action, Decision, Stage
from charter.errors import PolicyEvaluationError

UNDEFINED_JSON = '"<undefined>"'
_ACTIONS = frozenset(a.value for a in Action)


def decode_decision_text(raw: str, *, stage: Stage, revision: str, eval_ms: float) -> Decision:
    """From the rule's JSON text as regorus returns it."""
    value = None if raw == UNDEFINED_JSON else json.loads(raw)
    return decode_decision(value, stage=stage, revision=revision, eval_ms=eval_ms)


def _shape(value: Any) -> str:
    """What a bad field holds, without its value: a policy may derive it from the input
    (`trim_prefix(input.text, ...)`), and the reason is stored as the decision's `error`."""
    return "nothing" if value is None else f"a {type(value).__name__}"


def decode_decision(value: Any, *, stage: Stage, revision: str, eval_ms: float) -> Decision:
    """From the rule's parsed JSON value; None means undefined."""
    if value is None:
        raise PolicyEvaluationError(
            "data.charter.main.decision is undefined for this input; "
            "give it a `default decision := {...}`"
        )
    if not isinstance(value, dict):
        raise PolicyEvaluationError(
            f"data.charter.main.decision must be an object, got {type(value).__name__}"
        )
    action = value.get("action")
    if action not in _ACTIONS:
        raise PolicyEvaluationError(
            f"decision.action must be one of {sorted(_ACTIONS)}, got {_shape(action)}"
        )
    try:
        decision = Decision.model_validate(
            {**value, "stage": stage, "policy_revision": revision, "eval_ms": eval_ms}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyEvaluationError(f"decision.{where}: {first['msg']}") from None
    if decision.violations and any(v.rule == INCOMPLETE_DECISION for v in decision.violations):
        reason = f"the decision could not be computed (its default, {INCOMPLETE_DECISION})"
        return decision.model_copy(update={"error": decision.error or reason})
    return decision
