"""The parts a guarded call is made of, as the narrow protocols the flow needs.

`Charter` builds the parts (lazily) and satisfies `Parts`; the flow depends on these
protocols only, never on `Charter`, so the two cannot form an import circle and tests can
hand the flow any part they like.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args

from charter._leaves import leaves_of
from charter._prose import prose
from charter._score_scope import caller_scope, enter_scope, leave_scope
from charter._shown import shown
from charter.config import Settings
from charter.context import CallContext
from charter.decision import ApprovalSpec, Decision
from charter.errors import ConfigurationError
from charter.grounding import SupportScorer
from charter.policy.base import PolicyEngine
from charter.policy.input import ModelRef
from charter.privacy import Privacy
from charter.pseudonyms import Pseudonyms
from charter.refused_turns import RefusedTurns

CallKind = Literal["llm", "tool"]
OnDeny = Literal["raise", "refuse"]
ON_DENY: tuple[OnDeny, ...] = get_args(OnDeny)


@dataclass(frozen=True)
class CallSpec:
    """What the decorator knows about the function it wraps."""

    kind: CallKind
    function: str
    """`module:qualname`, the key `charter.resume(ticket)` finds the function by."""
    model: ModelRef = field(default_factory=ModelRef)
    tool_name: str | None = None
    on_deny: OnDeny | None = None
    receiver: str | None = None
    """A tool method's `self`/`cls` parameter: passed on as it is, not a tool argument."""
    on_hold: Callable[[str], None] | None = field(default=None, compare=False, repr=False)
    """Told the ticket of a call held for approval: the guarded object that made it is the
    one `charter.resume(ticket)` runs in this process (its name can be another's too)."""


def call_spec(
    caller: str,
    kind: CallKind,
    function: str,
    *,
    model: object = "",
    provider: object = "",
    tool_name: object = None,
    on_deny: object = None,
    receiver: str | None = None,
) -> CallSpec:
    """A `CallSpec` from what an application passed to `caller` (`guard`, `guard.tool`,
    `Charter.check`), checked when it is built: a wrong value is one `ConfigurationError`
    naming the argument, not a validation error deep in the first call (`on_deny="rasie"`
    was silently taken as "refuse")."""
    for name, value in (("model", model), ("provider", provider)):
        if not isinstance(value, str):
            raise ConfigurationError(f"{caller}({name}=...) takes a str, got {shown(value)}")
    if tool_name is not None and not (isinstance(tool_name, str) and tool_name):
        raise ConfigurationError(
            f"{caller}: a tool's name must be a non-empty str, got {shown(tool_name)}"
        )
    return CallSpec(
        kind=kind,
        function=function,
        model=ModelRef(provider=str(provider), name=str(model)),
        tool_name=tool_name,
        on_deny=checked_on_deny(caller, on_deny),
        receiver=receiver,
    )


def checked_on_deny(caller: str, on_deny: object) -> OnDeny | None:
    """`on_deny` as passed to `caller`: 'raise', 'refuse', or None (the configured
    default). Anything else is a `ConfigurationError`: compared with "raise", a misspelt
    value read as "refuse"."""
    for allowed in ON_DENY:
        if on_deny == allowed:
            return allowed
    if on_deny is not None:
        raise ConfigurationError(
            f"{caller}(on_deny=...) must be 'raise' or 'refuse' (or None: the configured "
            f"default), got {shown(on_deny)}"
        )
    return None


class Scorer(Protocol):
    """Signals: named scores in [0, 1] for a text (`charter.signals.SignalSet` fits)."""

    def score(self, text: str) -> Mapping[str, float]: ...


class Approvals(Protocol):
    """The approval queue as the flow uses it (`charter.approvals.ApprovalQueue` fits)."""

    def submit(
        self,
        *,
        spec: ApprovalSpec,
        action: Mapping[str, Any],
        requester: str,
        tenant: str,
        app: str,
        rule: str,
        decision_id: str,
        key: str | None = None,
        reuse_in: str | None = None,
    ) -> Any: ...

    def wait(self, request_id: str, timeout_s: float) -> Any: ...

    async def wait_async(self, request_id: str, timeout_s: float) -> Any: ...

    def consume(
        self, request_id: str, action_hash: str, *, scope: tuple[str, str] | None = None
    ) -> Any: ...


class DecisionLog(Protocol):
    """Where decisions are recorded (`charter.audit.AuditLog` fits)."""

    def record(
        self,
        decision: Decision,
        input: Mapping[str, Any],
        *,
        trace_id: str,
        span_id: str,
        labels: Mapping[str, str],
    ) -> Any: ...


class Tracer(Protocol):
    """Opens the one span of a call (`charter.telemetry.Telemetry` fits)."""

    def call(
        self, *, operation: str, provider: str, model: str, user: str, tool: str | None = None
    ) -> Any: ...


class Parts(Protocol):
    """Everything one guarded call needs; `Charter` builds these on first use."""

    @property
    def settings(self) -> Settings: ...

    @property
    def privacy(self) -> Privacy: ...

    @property
    def engine(self) -> PolicyEngine: ...

    @property
    def signals(self) -> Scorer | None: ...

    @property
    def queue(self) -> Approvals: ...

    @property
    def audit(self) -> DecisionLog | None: ...

    @property
    def telemetry(self) -> Tracer | None: ...

    @property
    def stream_window(self) -> int: ...

    @property
    def grounding(self) -> SupportScorer: ...

    @property
    def pseudonyms(self) -> Pseudonyms: ...

    @property
    def refused_turns(self) -> RefusedTurns: ...


def signal_revisions(signals: object) -> str:
    """`name=revision,...` of the signals that expose a `revision` (e.g. a classifier's
    content hash), so a decision names the model version that scored it; "" if none do."""
    if signals is None:
        return ""
    members = getattr(signals, "signals", None)
    found: list[str] = []
    for signal in (signals, *(members if isinstance(members, tuple | list) else ())):
        revision = getattr(signal, "revision", None)
        if isinstance(revision, str) and revision:
            found.append(f"{getattr(signal, 'name', type(signal).__name__)}={revision}")
    return ",".join(found)


class NoSpan:
    """Stands in for a call span when telemetry is off: every record is a no-op."""

    trace_id = ""
    span_id = ""

    def stage(self, name: str) -> Any:
        return _NULL_CTX

    def suspended(self) -> Any:
        return _NULL_CTX

    def __getattr__(self, name: str) -> Any:
        return _noop


class _NullCtx:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


NO_SPAN = NoSpan()
_NULL_CTX = _NullCtx()


def output_parts(policy_texts: Sequence[str], own: int, arguments: Sequence[Any]) -> list[str]:
    """What the signals score in an answer, one by one: its own texts (joined), each piece
    of its reasoning, and each call's arguments (their strings joined), so that what one
    of them carries is not diluted by the others: an answer "Here you go." with the
    reasoning "The user wants a reminder." and a call whose argument is a plan to make
    toxic gas scored harm 0.69 as one text, under the output threshold (0.8); the
    argument alone scores 0.84. An answer with nothing but its text is scored whole, as
    before (each text read once, here, not again by `Inspected.signal_text`)."""
    sizes = [len(leaves_of(args)) for args in arguments]
    at = len(policy_texts) - sum(sizes)
    words = [*map(prose, policy_texts)]
    parts = ["\n".join(words[:own]), *words[own:at]]
    for size in sizes:
        parts.append("\n".join(words[at : at + size]))
        at += size
    parts = [part for part in parts if part]
    return parts if len(parts) > 1 else ["\n".join(words)]


def best_scores(
    signals: Scorer | None,
    texts: Sequence[str],
    refusal: bool | None = None,
    items: Sequence[str] = (),
) -> dict[str, float]:
    """Each signal's highest score over `texts` (valid Unicode, read by `charter._prose`,
    scored one by one; nothing to score reads as an empty text, so the policy always sees
    every signal); the lowest for `_EVERY_PART`. `refusal`, when given, replaces the
    refusal reader's score (a stream's reading of the whole answer so far). `items` are
    read too, by the scores the signals settle without their costly stage
    (`settled_scores`, when they have it): a tool result's items, one by one."""
    if signals is None:
        return {}
    settled = getattr(signals, "settled_scores", signals.score)
    merged: dict[str, float] = {}
    readings = [*((signals.score, t) for t in texts or [""]), *((settled, t) for t in items)]
    for read, text in readings:
        for name, value in read(text).items():
            seen = merged.get(name)
            if seen is None or (value < seen if name in _EVERY_PART else value > seen):
                merged[name] = value
    if refusal is not None and REFUSAL_SCORE in merged:
        merged[REFUSAL_SCORE] = 1.0 if refusal else 0.0
    return merged


def caller_scores(
    parts: Parts,
    ctx: CallContext,
    texts: Sequence[str],
    refusal: bool | None = None,
    items: Sequence[str] = (),
) -> dict[str, float]:
    """`best_scores` in the caller's scope: the signals' memos answer only from what this
    caller sent (`charter._score_scope`)."""
    if parts.signals is None:
        return {}
    token = enter_scope(caller_scope(parts.settings.tenant, ctx.user, ctx.conversation))
    try:
        return best_scores(parts.signals, texts, refusal, items)
    finally:
        leave_scope(token)


REFUSAL_SCORE = "refusal"
"""`charter.signals.refusal.SCORE`, named here so that the flow does not import the signals
(and their numpy) until a guard uses them."""
_EVERY_PART = frozenset({REFUSAL_SCORE})
"""Scores that hold for an answer only when they hold for each of its parts (minimum, not
maximum): a refusal beside a tool call whose arguments carry a harm is no refusal."""
