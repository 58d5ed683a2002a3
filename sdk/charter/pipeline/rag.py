"""What a RAG call's retrieved passages (`charter.context(retrieved=...)`) give the policy:
at the input stage, each passage's scores (`input.retrieved`); at the output stage, how much
of the answer they support (`input.grounding`). Never the passages themselves.

The passages were only read for grounding (found by probing): one that carried an
instruction for the assistant, which the same text returned by a guarded tool was withheld
for, reached a RAG app that put it in the system message, a role the prompt's signals do
not score. They are now read as a list-shaped tool result's items are (`best_scores`):
each alone, by the scores the signals settle without their costly stage, after the PII
detector (the signals read placeholders, never values).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from charter._canonical import valid_text
from charter._prose import prose
from charter.context import CallContext
from charter.decision import Stage
from charter.pipeline.parts import Parts, caller_item_scores

SCORED_PASSAGES = 64
"""Passages scored one by one, at most; the rest are scored joined, as one more text (a
tool result's items are bounded alike, `tool_results.SCORED_ITEMS`). Their characters are
bounded by `max_text_chars` before anything reads them."""


def rag_fields(
    parts: Parts, ctx: CallContext, span: Any, stage: Stage, answer: str | None
) -> dict[str, Any]:
    """The policy input's `retrieved` (input stage) or `grounding` (output stage, given the
    answer) for a call with retrieved passages; nothing otherwise."""
    passages = ctx.retrieved
    if not passages:
        return {}
    if stage is Stage.INPUT:
        return {"retrieved": retrieved_scores(parts, ctx, passages)}
    if stage is not Stage.OUTPUT or answer is None:
        return {}
    with span.stage("charter.grounding"):
        return {"grounding": parts.grounding.score(answer, passages).policy_input()}


def retrieved_scores(parts: Parts, ctx: CallContext, passages: Sequence[str]) -> dict[str, Any]:
    """`input.retrieved`: how many passages, each signal's highest score over them and the
    index of the passage that scored it (the first of the joined rest for that text)."""
    texts = list(passages[:SCORED_PASSAGES])
    if len(passages) > SCORED_PASSAGES:
        texts.append("\n".join(passages[SCORED_PASSAGES:]))
    privacy = parts.privacy
    inspected = privacy.inspect(texts, scope=None)
    if privacy.enabled and inspected.scope is not None:
        privacy.vault.discard(inspected.scope)  # its own, dropped: nothing here is restored
    read = [valid_text(prose(text)) for text in inspected.policy_texts]
    best: dict[str, float] = {}
    passage: dict[str, int] = {}
    for index, scores in enumerate(caller_item_scores(parts, ctx, read)):
        for name, value in scores.items():
            if value > best.get(name, -1.0):
                best[name], passage[name] = value, index
    return {"count": len(passages), "signals": best, "passage": passage}
