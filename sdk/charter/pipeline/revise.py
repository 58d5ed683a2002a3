"""Revise: the output stage answered `revise`, so the model rewrites its draft against the
critiques the policy cited (principle + instruction, from policy data), and the rewrite goes
through the same output checks again, for at most the policy's `max_rounds`.

Written once, for every mode: the flow asks a `Reviser` for the next model call
(`revise`), yields it like any call, and tells the reviser the verdict on the rewrite
(`close`). Each round lands on the call's span (event `charter.revise`), in the labels of
the rewrite's decision records (`revise_round`, `revise_rules`, tokens and call time when
known) and in the caller's `charter.reports()`.

The revision prompt is built in the prompt's own shape by its adapter (`FollowUp`): a str
prompt gets the draft and the request appended; OpenAI and LangChain messages get the
draft as an assistant turn and the request as a user turn. The draft is sent back with the
policy's redactions applied; the prompt is the one the model was sent (already redacted).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from charter.adapters import FollowUp, Usage, adapter_for
from charter.decision import Critique, Decision
from charter.pipeline.effects import Invoke
from charter.pipeline.stages import CallRun
from charter.reports import ReviseRound


def critiques_of(decision: Decision) -> tuple[Critique, ...]:
    """The critiques to revise against: the policy's, or (from an engine that sent none)
    one per violation, its message as the instruction."""
    spec = decision.revise
    if spec is not None and spec.critiques:
        return spec.critiques
    return tuple(
        Critique(rule=v.rule, principle=v.principle, instruction=v.message)
        for v in decision.violations
    )


def revision_request(critiques: Sequence[Critique], shown: str = "") -> str:
    """What the model is asked: revise the draft against each principle. When part of a
    streamed answer was already shown, only the rest may change."""
    lines = ["The draft answer must be revised before the user sees it."]
    for critique in critiques:
        principle = critique.principle or critique.rule
        lines.append(f"- Principle: {principle}. {critique.instruction}".rstrip())
    if shown:
        lines += [
            "The user has already seen the beginning of the answer, which stays as it is:",
            shown,
            "Write only the rest of the answer, continuing right after that text, without "
            "repeating it and with no preamble.",
        ]
    else:
        lines.append(
            "Reply with the revised answer only, with no preamble and no mention of this request."
        )
    return "\n".join(lines)


@dataclass
class _Open:
    round: int
    rules: tuple[str, ...]
    principles: tuple[str, ...]
    started: float
    usage: Usage | None = None


class Reviser:
    """The revision rounds of one call. `prompt` is the prompt as the model was sent it;
    `invoke_with(prompt)` is the call of the wrapped function with another prompt."""

    def __init__(self, run: CallRun, prompt: Any, invoke_with: Callable[[Any], Invoke]) -> None:
        self.run = run
        self.prompt = prompt
        self.invoke_with = invoke_with
        self.budget: int | None = None
        self._open: _Open | None = None

    def revise(self, decision: Decision, draft: str, *, shown: str = "") -> Invoke | Decision:
        """The model call that revises `draft` for `decision` (a `revise`), or, when no
        round is left or the prompt cannot carry a critique, the deny to enforce instead."""
        run = self.run
        if self._open is not None:  # the previous revision was sent back again
            self.close(decision)
        asked = decision.revise.max_rounds if decision.revise is not None else 1
        self.budget = asked if self.budget is None else min(self.budget, asked)
        done = len(run.rounds)
        if done >= self.budget:
            return self._refuse(decision, f"still so after {_revisions(done)}")
        critiques = critiques_of(decision)
        adapter = adapter_for(self.prompt)
        prompt = None
        if isinstance(adapter, FollowUp):
            prompt = adapter.follow_up(self.prompt, draft, revision_request(critiques, shown))
        if prompt is None:
            return self._refuse(
                decision, "the prompt's shape cannot carry a request to revise the answer"
            )
        opened = _Open(
            round=done + 1,
            rules=tuple(c.rule for c in critiques),
            principles=tuple(dict.fromkeys(c.principle for c in critiques if c.principle)),
            started=time.perf_counter(),
        )
        self._open = opened
        run.record_labels = {
            "revise_round": str(opened.round),
            "revise_rules": ",".join(opened.rules),
        }
        return self.invoke_with(prompt)

    def answered(self, usage: Usage, call_ms: float) -> None:
        """The revision's model call returned (not for streams): its cost, on the records
        of the checks that follow."""
        opened = self._open
        if opened is None:
            return
        opened.usage = usage
        labels = self.run.record_labels
        labels["revise_call_ms"] = f"{call_ms:.3f}"
        if usage.input_tokens is not None:
            labels["revise_input_tokens"] = str(usage.input_tokens)
        if usage.output_tokens is not None:
            labels["revise_output_tokens"] = str(usage.output_tokens)

    def close(self, verdict: Decision) -> None:
        """The policy's verdict on the open round's revision; records the round."""
        opened, self._open = self._open, None
        if opened is None:
            return
        usage = opened.usage or Usage()
        done = ReviseRound(
            round=opened.round,
            rules=opened.rules,
            principles=opened.principles,
            outcome=verdict.action,
            latency_ms=(time.perf_counter() - opened.started) * 1e3,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )
        self.run.rounds.append(done)
        self.run.span.record_revise_round(done)

    def _refuse(self, decision: Decision, note: str) -> Decision:
        self.run.refused_after_revision = True
        return decision.as_deny(note)


def _revisions(n: int) -> str:
    return "1 revision" if n == 1 else f"{n} revisions"
