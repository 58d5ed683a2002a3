"""A held call, approved, is checked by the policy again before it runs from its stored
arguments: the row it is read from lives in a database, and probing found that a row
edited by hand (a refund of 900 approved, its arguments set to 450,000 and its hash
recomputed) ran above the hard limit, because nothing checked a resumed call. Now the
input stage runs again on exactly what will be called: a deny refuses (fail closed); a
hold that this approval meets lets it run; a hold it does not meet refuses.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from charter.adapters import adapter_for
from charter.attachments import attachments_in
from charter.decision import Action, ApprovalSpec, Decision, Stage
from charter.errors import ApprovalRejected
from charter.pipeline import held_calls
from charter.pipeline.prompt_args import PromptArgs
from charter.pipeline.stages import CallRun


def recheck(run: CallRun, request: Any, prompt_param: str | None) -> None:
    """Evaluate an approved request's stored call again; raise when it must not run.
    Anything else (pending, refused, no stored arguments) is left to the flow's own steps."""
    from charter.approvals import ApprovalState
    from charter.approvals.lifecycle import covers

    if request.state is not ApprovalState.APPROVED:
        return
    arguments = (request.action.get("call") or {}).get("arguments")
    if not isinstance(arguments, Mapping):  # a call kept live (`held_calls`) is checked too
        kept = held_calls.arguments(request)
        arguments = {k: v for k, v in kept.items() if k != run.spec.receiver}
        if not arguments:
            return  # not held here: the flow refuses it before the approval is used
    if run.spec.kind == "tool":
        decision = _tool_call(run, dict(arguments))
    else:
        decision = _prompt(run, dict(arguments), prompt_param, str(request.action.get("text")))
    if decision.action is Action.DENY:
        raise run.deny(decision)
    if decision.action is Action.REQUIRE_APPROVAL:
        needed = decision.approval or ApprovalSpec()
        if not covers(request, needed):
            raise ApprovalRejected(
                f"approval {request.id} does not meet what the policy asks for its action "
                f"now (rules {', '.join(decision.rules) or '-'}); submit it again"
            )


def _tool_call(run: CallRun, arguments: dict[str, Any]) -> Decision:
    view = run.inspect_json(run.viewed(Stage.TOOL_CALL, "tool arguments", arguments, finite=True))
    return run.evaluate(Stage.TOOL_CALL, view, tool_args=view.policy_value)


def _prompt(
    run: CallRun, arguments: dict[str, Any], prompt_param: str | None, held_text: str
) -> Decision:
    """The input stage as a call's own reads it (`flow._prepare_llm`), without redacting:
    the stored arguments hold placeholders already. A prompt stored in a form only the
    function reads (a LangChain call's record) is read as the text it was held with."""
    if adapter_for(arguments.get(prompt_param or "")) is None:
        return run.evaluate(Stage.INPUT, run.inspect([held_text]))
    bound = inspect.Signature().bind()
    bound.arguments = arguments  # by name, as a resumed call passes them
    args = PromptArgs.read(bound, prompt_param, run.spec.function)
    run.bounded(Stage.INPUT, "the prompt", None, args.texts)
    inspected = run.inspect(args.texts)
    run.prompt = args.prompt  # a refusal takes the prompt's shape
    attached = getattr(args.adapter, "attachments", None)
    found = attached(args.prompt) if callable(attached) else attachments_in(args.prompt)
    run.attachments = [a.policy_value() for a in found]
    scored = args.scored(inspected.policy_texts, run.parts.settings.unscored_roles)
    return run.evaluate(Stage.INPUT, inspected, scored=scored)
