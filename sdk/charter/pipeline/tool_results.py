"""Stage `tool_result`: what a guarded tool hands back, checked before the agent sees it.

A tool returns its result whole (`finish_tool`) or yields it (a generator tool: its text is
checked window by window and then whole at its end, `charter.pipeline.windows`, with the
texts checked here). Both are the same stage, so the rules for tool results (indirect
injection, PII in what a tool fetched) judge both: a generator tool's windows used to be
checked as a model's answer, where no injection rule runs, and a page it yielded with an
injection reached the agent that the same page returned whole was denied to (found by
probing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from charter.decision import Action, Decision, Stage
from charter.pipeline.own_types import in_own_types
from charter.pipeline.stages import CallRun
from charter.privacy import Inspected, InspectedJson


def check_tool_texts(
    run: CallRun, texts: Sequence[str], what: str = "the tool result"
) -> tuple[Inspected, Decision]:
    """Stage `tool_result` on a tool's text (whole, or all a stream yielded): inspect,
    evaluate, record; nothing is enforced yet."""
    run.bounded(Stage.TOOL_RESULT, what, None, texts)
    inspected = run.inspect(list(texts))
    return inspected, run.evaluate(Stage.TOOL_RESULT, inspected)


def finish_tool(run: CallRun, result: Any) -> Any:
    """Stage `tool_result` on a whole result: denied (a hold too: a result cannot wait for
    a human), redacted in the result's own types, or handed back as it is."""
    inspected: Inspected | InspectedJson
    if isinstance(result, str):
        inspected, decision = check_tool_texts(run, [result])
    else:
        view = run.viewed(Stage.TOOL_RESULT, "the tool result", result, finite=False)
        inspected = run.inspect_json(view)
        decision = run.evaluate(Stage.TOOL_RESULT, inspected)
    if decision.action in (Action.DENY, Action.REQUIRE_APPROVAL):
        raise run.deny(decision)
    if not decision.redact:
        return result
    if isinstance(inspected, Inspected):
        return run.parts.privacy.apply(inspected, decision.redact)[0]
    return in_own_types(result, inspected.value, inspected.render(decision.redact))
