"""Run a labelled corpus through the guard's checks (PII, signals, policy) without a model.

The guard is anything with `Charter.check`'s signature, so the eval measures exactly what
production enforces: the same detectors, signals and bundle, stage by stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict

from charter.decision import Action, Decision
from charter.errors import CharterError, PolicyViolation
from charter.evals.corpus import EvalItem, Label
from charter.policy.base import PolicyEngine

if TYPE_CHECKING:
    from charter.approvals import ApprovalQueue
    from charter.config import Settings
    from charter.guard import Charter


class Checker(Protocol):
    """What the eval needs from the guard: `Charter.check`, and the engine's revision."""

    @property
    def engine(self) -> PolicyEngine: ...

    def check(
        self,
        text: str,
        *,
        stage: Any = ...,
        model: str = ...,
        provider: str = ...,
        tool: str | None = ...,
        arguments: Mapping[str, Any] | None = ...,
    ) -> Decision: ...


class Outcome(StrEnum):
    """What happened to the prompt: refused or held (blocked), sent on with personal data
    removed (redacted), or sent on as it was (allowed)."""

    BLOCKED = "blocked"
    REDACTED = "redacted"
    ALLOWED = "allowed"


def outcome_of(action: Action) -> Outcome:
    """Revise counts as blocked: the text under evaluation (an answer) would not reach the
    user as it is; the model would be asked to rewrite it, or it would be refused."""
    if action in (Action.DENY, Action.REQUIRE_APPROVAL, Action.REVISE):
        return Outcome.BLOCKED
    return Outcome.REDACTED if action is Action.REDACT else Outcome.ALLOWED


class ItemResult(BaseModel):
    """One item's decision, without its text (corpora may hold personal data)."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: Label
    category: str
    stage: str
    action: Action
    outcome: Outcome
    rules: tuple[str, ...]
    expect_rules: tuple[str, ...] = ()
    family: str = ""
    lang: str = ""
    suite: str = ""
    error: str | None = None
    """Set when the policy could not be evaluated and the guard failed closed (or open), or
    when the guard denied the item unchecked (over a size limit, unreadable arguments)."""

    @property
    def counts_as_blocked(self) -> bool:
        return self.outcome is Outcome.BLOCKED

    @property
    def expected_rules_fired(self) -> bool | None:
        if not self.expect_rules:
            return None
        return set(self.expect_rules) <= set(self.rules)


def run_items(
    items: Iterable[EvalItem], guard: Checker, *, provider: str = "openai", model: str = ""
) -> list[ItemResult]:
    """Check every item; an item's own `provider`/`model`/`tool` win over the run's."""
    results = []
    for item in items:
        unchecked = None
        try:
            decision = guard.check(
                item.text,
                stage=item.stage,
                model=item.model if item.model is not None else model,
                provider=item.provider if item.provider is not None else provider,
                tool=item.tool,
                arguments=item.arguments or None,
            )
        except PolicyViolation as exc:  # denied unchecked (over a limit, unreadable): an error
            decision, unchecked = exc.decision, "denied unchecked"
        except CharterError as exc:
            exc.add_note(f"while checking corpus item {item.id} ({item.where})")
            raise
        results.append(
            ItemResult(
                id=item.id,
                label=item.label,
                category=item.category,
                stage=item.stage.value,
                action=decision.action,
                outcome=outcome_of(decision.action),
                rules=tuple(dict.fromkeys(decision.rules)),
                expect_rules=item.expect_rules,
                family=item.family,
                lang=item.lang,
                suite=item.suite,
                error=decision.error or unchecked,
            )
        )
    return results


def eval_charter(
    policies: str | None = None, *, pii_mode: str = "pattern", **settings: Any
) -> Charter:
    """A `Charter` for evals: the given bundle (default: the configured one), decisions not
    written to the audit log, no telemetry, and no store of its own: an eval must not look
    like production traffic. Found by probing: `charter eval revise` on a question the
    bundle holds put a real pending request in the configured store (the reviewers' inbox)
    and made a pseudonym key file beside it. A held call is queued in a throwaway in-memory
    store instead, and raises `ApprovalPending` (a configured `approval_mode = "wait"`
    would wait for a reviewer who can never see it)."""
    from charter.config import Settings
    from charter.guard import Charter

    overrides: dict[str, Any] = {
        "pii_mode": pii_mode,
        "audit": False,
        "telemetry": False,
        "store_url": "sqlite://",  # names no file: no pseudonym key is kept beside it
        "approval_mode": "raise",
    }
    if policies:
        overrides["policies"] = policies
    loaded = Settings.load(**overrides, **settings)
    charter = Charter(loaded, queue=_throwaway_queue(loaded))
    _ = charter.engine  # load the bundle now: a broken one is a bundle error, not an item's
    return charter


def _throwaway_queue(settings: Settings) -> ApprovalQueue:
    """An approval queue in memory, one connection for every thread (the flow may submit
    from a worker thread), gone with the eval's `Charter`."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from charter.approvals import ApprovalQueue
    from charter.pseudonyms import UNKEYED

    memory = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    return ApprovalQueue(memory, scope=(settings.tenant, settings.app), pseudonyms=UNKEYED)
