"""Explain a decision from the rules' METADATA: what fired, why it exists, who owns it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from charter.decision import Decision, Violation
from charter.policy.metadata import RuleMeta


@dataclass(frozen=True)
class Explanation:
    violation: Violation
    meta: RuleMeta | None

    def lines(self) -> list[str]:
        v, m = self.violation, self.meta
        out = [f"- {v.rule} ({v.severity.value}): {v.message or '(no message)'}"]
        if v.principle:
            out.append(f"    principle: {v.principle}")
        if m is not None:
            if m.title:
                out.append(f"    rule: {m.title} — {m.file}:{m.line}")
            if m.description:
                out.append(f"    why: {m.description}")
            owner = m.custom.get("owner")
            if owner:
                out.append(f"    owner: {owner}")
        return out


def find_meta(rule_id: str, metas: Iterable[RuleMeta]) -> RuleMeta | None:
    """Match a violation's rule id to the annotated rule that emits it (`custom.id`, or
    `<package without charter.>.<rule>`)."""
    candidates = list(metas)
    for meta in candidates:
        if meta.custom.get("id") == rule_id:
            return meta
    for meta in candidates:
        if meta.rule_id == rule_id:
            return meta
    return None


def explain(decision: Decision, metas: Iterable[RuleMeta]) -> list[Explanation]:
    known = list(metas)
    return [Explanation(v, find_meta(v.rule, known)) for v in decision.violations]


def render(decision: Decision, metas: Iterable[RuleMeta]) -> str:
    head = f"decision: {decision.action.value}  (policy revision {decision.policy_revision})"
    if decision.error:
        head += f"\n  could not evaluate: {decision.error}"
    items = explain(decision, metas)
    if not items:
        return head + "\n  no rule fired"
    return "\n".join([head, *[line for e in items for line in e.lines()], *_revise_lines(decision)])


def _revise_lines(decision: Decision) -> list[str]:
    """What a `revise` asks of the model, so a reviewer sees the instruction it will get."""
    spec = decision.revise
    if spec is None:
        return []
    rounds = f"{spec.max_rounds} round{'s' if spec.max_rounds != 1 else ''}"
    out = [
        f"revise: the model rewrites its answer ({rounds} at most); still violating, it is refused"
    ]
    for c in spec.critiques:
        out.append(f"- {c.rule}: {c.instruction or '(no instruction)'}")
    return out
