"""Policy replay: what a candidate bundle would have decided on recorded traffic.

Each decision-log record holds the policy input and the decision it got; its text only as
a hash unless the app opted in to `store_content` (then redacted), so without the opt-in
rules that read the text cannot be replayed (`ReplayReport.without_text` counts them). Replay
evaluates every input with the candidate bundle and compares: which records change action
(allow -> deny, deny -> allow, new approvals, approvals removed, redaction changes, new
revises), and which rules newly fire or stop firing, each with a few example records.
This is the check a reviewer runs on a policy pull request: a change that tightens one
rule should list exactly the records that rule now catches, and nothing else.

By default the comparison is against what was recorded. With a `baseline` engine the same
inputs are evaluated with both bundles, so changes from earlier revisions in the log do
not show up as changes of the pull request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from charter.audit.content import content_withheld
from charter.decision import Action, Decision
from charter.errors import AuditError
from charter.policy.base import PolicyEngine

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from charter.audit import DecisionRecord

_FROZEN = ConfigDict(frozen=True)
SNIPPET_CHARS = 120

RuleChangeKind = Literal["newly firing", "no longer firing"]


class ComparedDecision(BaseModel):
    """The parts of a decision replay compares."""

    model_config = _FROZEN

    action: Action
    rules: tuple[str, ...]
    redact: dict[str, str]
    approval: dict[str, Any] | None
    revise: dict[str, Any] | None = None
    """What a `revise` asks: critiques (rule, principle, instruction) and the round budget."""
    error: str | None = None

    @property
    def approval_terms(self) -> dict[str, Any] | None:
        """Who must approve, how many, how long: the approval minus its wording."""
        if self.approval is None:
            return None
        return {k: v for k, v in self.approval.items() if k != "reason"}

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> ComparedDecision:
        """From a recorded result (`Decision.model_dump(mode="json")`)."""
        return cls.from_decision(Decision.model_validate(dict(result)))

    @classmethod
    def from_decision(cls, decision: Decision) -> ComparedDecision:
        approval = decision.approval.model_dump(mode="json") if decision.approval else None
        revise = decision.revise.model_dump(mode="json") if decision.revise else None
        return cls(
            action=decision.action,
            rules=tuple(sorted(set(decision.rules))),
            redact={k: v.value for k, v in sorted(decision.redact.items())},
            approval=approval,
            revise=revise,
            error=decision.error,
        )


class Example(BaseModel):
    """One affected record: how to find it, what it said (redacted), before and after."""

    model_config = _FROZEN

    decision_id: str
    seq: int
    timestamp: datetime
    stage: str
    tool: str = ""
    """The tool's name, for tool_call / tool_result records."""
    text: str
    """The start of the recorded, already redacted text, on one line."""
    before: ComparedDecision
    after: ComparedDecision


class TransitionGroup(BaseModel):
    """Records whose outcome changed the same way, e.g. `allow -> deny`."""

    model_config = _FROZEN

    transition: str
    before: Action
    after: Action
    kind: str
    """`stricter`, `looser`, `new approval`, `approval removed`, `redaction changed`,
    `approval changed`, `new revise`, `revise removed` or `revise changed` (its critiques
    or round budget)."""
    count: int
    decision_ids: tuple[str, ...]
    examples: tuple[Example, ...]


class RuleChange(BaseModel):
    model_config = _FROZEN

    rule: str
    change: RuleChangeKind
    count: int
    decision_ids: tuple[str, ...]
    examples: tuple[Example, ...]


class ReplayReport(BaseModel):
    model_config = _FROZEN

    candidate_revision: str
    baseline: str
    """`recorded` or the revision of the baseline bundle."""
    recorded_revisions: tuple[str, ...]
    records: int
    changed: int
    candidate_errors: int
    """Records on which the candidate failed closed (or open): a broken candidate."""
    without_text: int = 0
    """Records whose text was withheld (the app did not opt in to `store_content`): the
    candidate sees an empty text there, so rules that read `input.text` cannot be judged
    on them; findings, signal scores, tool names and numbers still replay."""
    transitions: tuple[TransitionGroup, ...]
    rules: tuple[RuleChange, ...]

    @property
    def changed_ids(self) -> set[str]:
        ids = {i for g in self.transitions for i in g.decision_ids}
        return ids | {i for r in self.rules for i in r.decision_ids}


class _ChangeGroup:
    """Accumulates one group's ids and its first few examples."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.ids: list[str] = []
        self.examples: list[Example] = []

    def add(self, example: Example) -> None:
        self.ids.append(example.decision_id)
        if len(self.examples) < self.limit:
            self.examples.append(example)


class _Changes:
    """Groups changed records by transition and by rule as they stream past."""

    def __init__(self, examples: int) -> None:
        self.count = 0
        self.transitions: dict[tuple[Action, Action, str], _ChangeGroup] = defaultdict(
            lambda: _ChangeGroup(examples)
        )
        self.rules: dict[tuple[str, RuleChangeKind], _ChangeGroup] = defaultdict(
            lambda: _ChangeGroup(examples)
        )

    def note(
        self, record: DecisionRecord, before: ComparedDecision, after: ComparedDecision
    ) -> None:
        kind = _transition_kind(before, after)
        added = sorted(set(after.rules) - set(before.rules))
        removed = sorted(set(before.rules) - set(after.rules))
        if kind is None and not added and not removed:
            return  # e.g. only a message changed: not a decision change
        self.count += 1
        example = _example(record, before, after)
        if kind is not None:
            self.transitions[(before.action, after.action, kind)].add(example)
        for rule in added:
            self.rules[(rule, "newly firing")].add(example)
        for rule in removed:
            self.rules[(rule, "no longer firing")].add(example)

    def transition_groups(self) -> tuple[TransitionGroup, ...]:
        """Largest group first."""
        ordered = sorted(self.transitions.items(), key=lambda kv: (-len(kv[1].ids), kv[0]))
        return tuple(
            TransitionGroup(
                transition=_transition_name(before, after, kind),
                before=before,
                after=after,
                kind=kind,
                count=len(group.ids),
                decision_ids=tuple(group.ids),
                examples=tuple(group.examples),
            )
            for (before, after, kind), group in ordered
        )

    def rule_changes(self) -> tuple[RuleChange, ...]:
        return tuple(
            RuleChange(
                rule=rule,
                change=change,
                count=len(group.ids),
                decision_ids=tuple(group.ids),
                examples=tuple(group.examples),
            )
            for (rule, change), group in sorted(self.rules.items())
        )


def replay(
    records: Iterable[DecisionRecord],
    candidate: PolicyEngine,
    *,
    baseline: PolicyEngine | None = None,
    examples: int = 3,
) -> ReplayReport:
    """Evaluate each record's input with `candidate` and group what changed; at most
    `examples` example records per group (every changed decision id is kept)."""
    changes = _Changes(examples)
    revisions: dict[str, None] = {}
    total = errors = without_text = 0
    for record in records:
        if record.is_marker:  # stands in for a record that could not be written: no input
            continue
        total += 1
        without_text += content_withheld(record.input)
        revisions[record.policy_revision] = None
        if baseline is None:
            before = _recorded(record)
        else:
            before = ComparedDecision.from_decision(baseline.evaluate(record.input))
        after = ComparedDecision.from_decision(candidate.evaluate(record.input))
        errors += after.error is not None
        if before != after:
            changes.note(record, before, after)
    return ReplayReport(
        candidate_revision=candidate.revision,
        baseline="recorded" if baseline is None else baseline.revision,
        recorded_revisions=tuple(revisions),
        records=total,
        changed=changes.count,
        candidate_errors=errors,
        without_text=without_text,
        transitions=changes.transition_groups(),
        rules=changes.rule_changes(),
    )


def replay_store(
    store: str | Engine,
    candidate: PolicyEngine,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    baseline: PolicyEngine | None = None,
    examples: int = 3,
) -> ReplayReport:
    """`replay` over the decision log in `store` (a URL or an engine), oldest first."""
    from charter.audit import iter_records

    records = iter_records(store, since=since, limit=limit)
    return replay(records, candidate, baseline=baseline, examples=examples)


def _recorded(record: DecisionRecord) -> ComparedDecision:
    try:
        return ComparedDecision.from_result(record.result)
    except ValidationError:
        raise AuditError(
            f"record seq {record.seq} (decision_id {record.decision_id}) holds a result that "
            "is not a decision; run `charter audit verify`, or replay with --baseline DIR"
        ) from None


def _transition_kind(before: ComparedDecision, after: ComparedDecision) -> str | None:
    """How the outcome changed; None when the action and its details are the same."""
    b, a = before.action, after.action
    if b is a:
        if a is Action.REDACT and before.redact != after.redact:
            return "redaction changed"
        if a is Action.REQUIRE_APPROVAL and before.approval_terms != after.approval_terms:
            return "approval changed"
        if a is Action.REVISE and before.revise != after.revise:
            return "revise changed"
        return None
    if a is Action.REQUIRE_APPROVAL:
        return "new approval"
    if b is Action.REQUIRE_APPROVAL:
        return "approval removed"
    if a is Action.REVISE and b is not Action.DENY:
        return "new revise"  # the model will be called again where it was not
    if b is Action.REVISE and a is not Action.DENY:
        return "revise removed"
    if Action.REDACT in (a, b) and Action.DENY not in (a, b):
        return "redaction changed"
    return "stricter" if a.rank > b.rank else "looser"


def _transition_name(before: Action, after: Action, kind: str) -> str:
    if before is after:
        return f"{before.value} ({kind})"
    return f"{before.value} -> {after.value}"


def _example(record: DecisionRecord, before: ComparedDecision, after: ComparedDecision) -> Example:
    text = record.input.get("text")
    snippet = " ".join(text.split()) if isinstance(text, str) else ""
    if content_withheld(record.input):
        snippet = "(text not stored)"
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[: SNIPPET_CHARS - 3] + "..."
    stage = record.input.get("stage")
    tool = record.input.get("tool")
    tool_name = tool.get("name") if isinstance(tool, dict) else None
    return Example(
        decision_id=record.decision_id,
        seq=record.seq,
        timestamp=record.timestamp,
        stage=stage if isinstance(stage, str) else "input",
        tool=tool_name if isinstance(tool_name, str) else "",
        text=snippet,
        before=before,
        after=after,
    )
