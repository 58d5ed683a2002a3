"""Stage `tool_result`: what a guarded tool hands back, checked before the agent sees it.

A tool returns its result whole (`finish_tool`) or yields it (a generator tool: its text is
checked window by window and then whole at its end, `charter.pipeline.windows`, with the
texts checked here). Both are the same stage, so the rules for tool results (indirect
injection, PII in what a tool fetched) judge both: a generator tool's windows used to be
checked as a model's answer, where no injection rule runs, and a page it yielded with an
injection reached the agent that the same page returned whole was denied to (found by
probing). A list-shaped result (search hits, rows) is scored item by item as well as whole
(`scored_items`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from charter._prose import json_words
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
        whole, *items = scored_items(inspected.policy_value) or [inspected.signal_text]
        decision = run.evaluate(Stage.TOOL_RESULT, inspected, scored=[whole], items=items)
    if decision.action in (Action.DENY, Action.REQUIRE_APPROVAL):
        raise run.deny(decision)
    if not decision.redact:
        return result
    if isinstance(inspected, Inspected):
        return run.parts.privacy.apply(inspected, decision.redact)[0]
    return in_own_types(result, inspected.value, inspected.render(decision.redact))


SCORED_ITEMS = 64
"""The items of a list-shaped result the signals score one by one, at most; the rest are
read only within the whole. Items are read by the scores the signals settle without their
costly stage (`settled_scores`: the classifier's `tool_injection` head, the one the shipped
rule for tool results reads, is stage 1's alone; ~0.3 ms an item): a contextual read of
each item cost ~7 ms apiece, six times a 20-item result's check."""


def scored_items(value: Any) -> list[str] | None:
    """What the signals score in a list-shaped result (a JSON array, or an object holding
    one: search hits, rows): the whole, as before, and each of its first `SCORED_ITEMS`
    items alone, the highest score counting, as a chat prompt's messages are scored one by
    one; None (the whole only) for any other result. Read as one text, an injection in one
    search snippet was diluted below the threshold by three short benign ones (probing)."""
    items = _items(value)
    if len(items) < 2:
        return None
    parts = [words for words in map(json_words, items[:SCORED_ITEMS]) if words]
    return [json_words(value), *parts]


def _items(value: Any) -> list[Any]:
    """The items of every array of two or more in the result, outer arrays first, nested
    ones too, up to `SCORED_ITEMS`: Elasticsearch's `{"hits": {"hits": [...]}}`, a list of
    result pages, and a LangChain `content_and_artifact` pair holding a list of hits were
    read as one diluted text when only the top level counted (review)."""
    found: list[Any] = []
    level = [value]
    while level and len(found) < SCORED_ITEMS:
        nested: list[Any] = []
        for node in level:  # each a list or a dict
            children = list(node.values()) if isinstance(node, dict) else node
            if isinstance(node, list) and len(node) > 1:
                found += node
            nested += [c for c in children if isinstance(c, list | dict)]
        level = nested
    return found[:SCORED_ITEMS]
