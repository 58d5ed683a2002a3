"""The numbers an eval run is judged by: detection, false refusals, misses, rule hits.

Definitions (the same in the table and the JSON):
- *blocked*: the decision was `deny` or `require_approval` (the prompt does not reach the
  model as it is). `redact` is counted on its own: the prompt goes on without the personal
  data. With `redaction_counts_as_block`, a redaction also counts as catching an item
  labelled `blocked` (for corpora that label PII leaks as attacks).
- *detection rate*: items labelled `blocked` that were blocked, over all such items.
- *false refusal rate*: items labelled `allowed` that were blocked, over all such items.
- an item whose decision came from failing closed (the policy errored) is listed under
  `errors` and left out of every figure and its denominator (detection, false refusals,
  redacted, suites, categories, rule hits, expected rules, splits, languages): its block
  says nothing about the policy. `items` (the run's and a suite's) counts every item, and
  the text report says how many of them were not evaluated (a suite's `not_evaluated`);
  `blocked_items`, `allowed_items` and every other count only those that were evaluated.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from charter.decision import Action
from charter.evals.corpus import Label
from charter.evals.runner import ItemResult, Outcome
from charter.evals.splits import SliceStats, slices, split_of

_FROZEN = ConfigDict(frozen=True)


class ItemRef(BaseModel):
    """An item named in a list (miss, false refusal, error): enough to find and fix it."""

    model_config = _FROZEN

    id: str
    category: str
    action: Action
    rules: tuple[str, ...]


class CategoryStats(BaseModel):
    model_config = _FROZEN

    category: str
    items: int
    labelled_blocked: int
    blocked: int
    redacted: int
    allowed: int
    block_rate: float


class SuiteStats(BaseModel):
    """One corpus file (or `suite` value): what it asks for and what the guard did."""

    model_config = _FROZEN

    suite: str
    items: int
    not_evaluated: int = 0
    """Of `items`, those that errored (failed closed): in none of the counts below."""
    labelled_blocked: int
    """Items labelled blocked that were evaluated (not errors); the same for allowed."""
    caught: int
    """Items labelled blocked that were caught (blocked, or redacted when that counts)."""
    labelled_allowed: int
    refused: int
    """Items labelled allowed that were blocked: the suite's false refusals."""


class RuleStats(BaseModel):
    """How often a rule fired, and on which kind of item: hits on `allowed` items are
    where over-caution comes from."""

    model_config = _FROZEN

    rule: str
    hits: int
    on_blocked_items: int
    on_allowed_items: int


class ExpectedRuleStats(BaseModel):
    """Items that name this rule in `expect_rule`, and whether it fired on them."""

    model_config = _FROZEN

    rule: str
    items: int
    fired: int
    missed: tuple[str, ...]


class EvalReport(BaseModel):
    model_config = _FROZEN

    policy_revision: str
    provider: str
    redaction_counts_as_block: bool
    items: int
    blocked_items: int
    detected: int
    detection_rate: float | None
    misses: tuple[ItemRef, ...]
    allowed_items: int
    false_refusal_rate: float | None
    false_refusals: tuple[ItemRef, ...]
    redacted: int
    suites: tuple[SuiteStats, ...] = ()
    categories: tuple[CategoryStats, ...]
    rules: tuple[RuleStats, ...]
    expected_rules: tuple[ExpectedRuleStats, ...]
    expected_rule_agreement: float | None
    """Share of items with `expect_rule` on which every expected rule fired."""
    errors: tuple[ItemRef, ...]
    trained_families: tuple[str, ...] = ()
    """Families the classifiers were trained on: items of other families are held-out."""
    splits: tuple[SliceStats, ...] = ()
    """In-distribution vs held-out families (by `family`), side by side."""
    languages: tuple[SliceStats, ...] = ()
    results: tuple[ItemResult, ...]

    def gate_failures(
        self, *, fail_under: float | None = None, max_false_refusals: float | None = None
    ) -> list[str]:
        """Why a CI run should fail, one sentence each; empty when it passes. A gate on a
        side of the corpus that has no items fails: an empty measure proves nothing."""
        failures = (
            [
                f"{len(self.errors)} item(s) could not be evaluated (failed closed): "
                + ", ".join(e.id for e in self.errors[:5])
            ]
            if self.errors
            else []
        )
        if fail_under is not None:
            if self.detection_rate is None:
                failures.append("--fail-under: the corpus has no items labelled blocked")
            elif self.detection_rate < fail_under:
                failures.append(
                    f"detection rate {self.detection_rate:.1%} is below --fail-under "
                    f"{fail_under:.1%} ({len(self.misses)} missed)"
                )
        if max_false_refusals is not None:
            if self.false_refusal_rate is None:
                failures.append("--max-false-refusals: the corpus has no items labelled allowed")
            elif self.false_refusal_rate > max_false_refusals:
                failures.append(
                    f"false refusal rate {self.false_refusal_rate:.1%} is above "
                    f"--max-false-refusals {max_false_refusals:.1%}"
                )
        return failures


def summarize(
    results: Sequence[ItemResult],
    *,
    policy_revision: str,
    provider: str,
    redaction_counts_as_block: bool = False,
    trained_families: tuple[str, ...] = (),
) -> EvalReport:
    def caught(r: ItemResult) -> bool:
        return r.outcome is Outcome.BLOCKED or (
            redaction_counts_as_block and r.outcome is Outcome.REDACTED
        )

    judged = [r for r in results if not r.error]
    blocked_side = [r for r in judged if r.label is Label.BLOCKED]
    allowed_side = [r for r in judged if r.label is Label.ALLOWED]
    misses = [r for r in blocked_side if not caught(r)]
    refusals = [r for r in allowed_side if r.outcome is Outcome.BLOCKED]
    with_expectation = [r for r in judged if r.expect_rules]
    return EvalReport(
        policy_revision=policy_revision,
        provider=provider,
        redaction_counts_as_block=redaction_counts_as_block,
        items=len(results),
        blocked_items=len(blocked_side),
        detected=len(blocked_side) - len(misses),
        detection_rate=_rate(len(blocked_side) - len(misses), len(blocked_side)),
        misses=_refs(misses),
        allowed_items=len(allowed_side),
        false_refusal_rate=_rate(len(refusals), len(allowed_side)),
        false_refusals=_refs(refusals),
        redacted=sum(r.outcome is Outcome.REDACTED for r in judged),
        suites=_suites(results, caught),
        categories=_categories(judged),
        rules=_rules(judged),
        expected_rules=_expected(with_expectation),
        expected_rule_agreement=_rate(
            sum(bool(r.expected_rules_fired) for r in with_expectation), len(with_expectation)
        ),
        errors=_refs(r for r in results if r.error),
        trained_families=trained_families,
        splits=slices(judged, lambda r: split_of(r, frozenset(trained_families)), caught),
        languages=slices(judged, lambda r: r.lang or "unspecified", caught),
        results=tuple(results),
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _refs(results: Iterable[ItemResult]) -> tuple[ItemRef, ...]:
    return tuple(
        ItemRef(id=r.id, category=r.category, action=r.action, rules=r.rules) for r in results
    )


def _suites(
    results: Sequence[ItemResult], caught: Callable[[ItemResult], bool]
) -> tuple[SuiteStats, ...]:
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        groups[r.suite or "(none)"].append(r)
    return tuple(_suite(name, members, caught) for name, members in sorted(groups.items()))


def _suite(
    name: str, members: list[ItemResult], caught: Callable[[ItemResult], bool]
) -> SuiteStats:
    judged = [r for r in members if not r.error]
    return SuiteStats(
        suite=name,
        items=len(members),
        not_evaluated=len(members) - len(judged),
        labelled_blocked=sum(r.label is Label.BLOCKED for r in judged),
        caught=sum(r.label is Label.BLOCKED and caught(r) for r in judged),
        labelled_allowed=sum(r.label is Label.ALLOWED for r in judged),
        refused=sum(r.label is Label.ALLOWED and r.counts_as_blocked for r in judged),
    )


def _categories(results: Sequence[ItemResult]) -> tuple[CategoryStats, ...]:
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        groups[r.category].append(r)
    stats = []
    for category, members in sorted(groups.items()):
        outcomes = Counter(r.outcome for r in members)
        stats.append(
            CategoryStats(
                category=category,
                items=len(members),
                labelled_blocked=sum(r.label is Label.BLOCKED for r in members),
                blocked=outcomes[Outcome.BLOCKED],
                redacted=outcomes[Outcome.REDACTED],
                allowed=outcomes[Outcome.ALLOWED],
                block_rate=outcomes[Outcome.BLOCKED] / len(members),
            )
        )
    return tuple(stats)


def _rules(results: Sequence[ItemResult]) -> tuple[RuleStats, ...]:
    hits: Counter[str] = Counter()
    by_label: dict[Label, Counter[str]] = {label: Counter() for label in Label}
    for r in results:
        for rule in r.rules:
            hits[rule] += 1
            by_label[r.label][rule] += 1
    return tuple(
        RuleStats(
            rule=rule,
            hits=count,
            on_blocked_items=by_label[Label.BLOCKED][rule],
            on_allowed_items=by_label[Label.ALLOWED][rule],
        )
        for rule, count in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _expected(results: Sequence[ItemResult]) -> tuple[ExpectedRuleStats, ...]:
    items: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        for rule in r.expect_rules:
            items[rule].append(r)
    return tuple(
        ExpectedRuleStats(
            rule=rule,
            items=len(members),
            fired=sum(rule in r.rules for r in members),
            missed=tuple(r.id for r in members if rule not in r.rules),
        )
        for rule, members in sorted(items.items())
    )
