"""The approval state machine as pure functions: what a vote, a timeout or a use of an
approval does to a request, and why a step is refused. `ApprovalQueue` persists the result.

pending -> approved (min_approvals approve votes; when several rules hold the action, each
        rule's own count of its own approvers) | rejected (any reject vote: a veto)
        | expired (deadline passed, on_timeout deny, or an escalation that timed out too)
        | cancelled (by the app or an operator)
approved -> expired (not used by its use-by deadline, `use_deadline`)
Escalation keeps the request pending once, with new approvers (one group: the rules'
own requirements are cleared) and a new deadline, `timeout_s` past the one missed (not
past whenever the queue is next read); votes already cast by authorized reviewers still
count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from charter._shown import shown
from charter.approvals._identity import asked_by, other_key, same_person
from charter.approvals.authz import Authorizer
from charter.approvals.models import (
    ApprovalRequest,
    ApprovalState,
    Reviewer,
    Vote,
    describe_approvers,
)
from charter.approvals.standing import Vetting, counted_for
from charter.decision import ApprovalSpec, Approvers, Requirement
from charter.errors import (
    ActionMismatch,
    ApprovalError,
    ApprovalPending,
    ApprovalRejected,
    NotAuthorized,
)
from charter.pseudonyms import UNKEYED, Pseudonyms

Origin = tuple[str, str]
"""Where a request was made: (tenant, app)."""


def stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def vote_refusal(
    request: ApprovalRequest,
    reviewer: Reviewer,
    authorizer: Authorizer,
    pseudonyms: Pseudonyms = UNKEYED,
) -> ApprovalError | None:
    """Why `reviewer` may not vote on `request` now, or None when they may. `pseudonyms`:
    the queue's, under which its requesters were stored (`charter.pseudonyms`)."""
    rid, tid = reviewer.id, request.id
    if request.state is ApprovalState.EXPIRED:
        # From its history (the caller loads it): votes alone said "approved" of a request
        # whose escalation cleared the other rule's count (found by review).
        approved = any(h.to_state is ApprovalState.APPROVED for h in request.history)
        how = "approved but unused" if approved else "without a decision"
        return ApprovalError(
            f"request {tid} expired at {stamp(request.expires_at)} {how}; it can "
            "no longer be approved or rejected. The app must submit the action again."
        )
    if request.state is not ApprovalState.PENDING:
        return ApprovalError(f"request {tid} is already {request.state}; it takes no more votes")
    if other_key(request.requester, pseudonyms):
        return NotAuthorized(
            f"request {tid} was made under another pseudonym key, so this process cannot "
            f"tell its requester from a reviewer; {_key_advice(pseudonyms)}"
        )
    if asked_by(rid, request.requester, pseudonyms):
        return NotAuthorized(
            f"reviewer {shown(rid)} made request {tid} and cannot decide their own request "
            "(four-eyes rule); ask another reviewer"
        )
    prior = next((v for v in request.votes if same_person(v.reviewer, rid)), None)
    if prior is not None:
        return NotAuthorized(
            f"reviewer {shown(rid)} already voted ({prior.verdict}) on request {tid} at "
            f"{stamp(prior.at)}; each reviewer has one vote"
        )
    verdict = authorizer.authorize(reviewer, request)
    if not verdict.allowed:
        why = "; ".join(verdict.reasons) or "the approval policy does not allow it"
        return NotAuthorized(f"reviewer {shown(rid)} may not decide request {tid}: {why}")
    if len(request.requirements) > 1 and not counted_for(request, reviewer, authorizer):
        rules = ", ".join(r.rule for r in request.requirements)
        return NotAuthorized(
            f"reviewer {shown(rid)} may not decide request {tid}: they are an approver of none "
            f"of the rules that hold it ({rules})"
        )
    return None


def unmet(request: ApprovalRequest, also: Vote | None = None) -> list[Requirement]:
    """The holding rules' requirements that the approve votes (with `also`, about to be
    cast) do not meet yet. A union of the rules' approvers let one approval from either
    group release a call two rules held (found by probing), so each rule counts the
    distinct reviewers authorized for it. None with fewer than two rules: the request's
    own count decides, as it always did."""
    if len(request.requirements) < 2:
        return []
    votes = [v for v in (*request.votes, *([also] if also else [])) if v.verdict == "approve"]
    return [
        r
        for i, r in enumerate(request.requirements)
        if _persons([v.reviewer for v in votes if i in v.counts_for]) < r.min_approvals
    ]


def _persons(reviewers: list[str]) -> int:
    seen: list[str] = []
    for rid in reviewers:
        if not any(same_person(rid, p) for p in seen):
            seen.append(rid)
    return len(seen)


def cast_vote(request: ApprovalRequest, vote: Vote) -> tuple[ApprovalState, str]:
    """The state after `vote` (its `counts_for` from `counted_for`), and its history line:
    the count so far and, when several rules hold the request, those still waiting."""
    count = request.approvals + (vote.verdict == "approve")
    rules = len(request.requirements)
    of = f"approvals for {rules} rules" if rules > 1 else f"of {request.min_approvals} approvals"
    why = f"{vote.verdict} ({count} {of})"
    if vote.verdict == "reject":
        state = ApprovalState.REJECTED
    elif waiting := unmet(request, vote):
        state = ApprovalState.PENDING
        why += "; still needs " + ", ".join(describe_requirement(r) for r in waiting)
    else:
        done = count >= request.min_approvals
        state = ApprovalState.APPROVED if done else ApprovalState.PENDING
    return state, why + (f": {vote.reason}" if vote.reason else "")


def describe_requirement(requirement: Requirement) -> str:
    return (
        f"{requirement.min_approvals} of {describe_approvers(requirement.approvers)} "
        f"for rule {requirement.rule}"
    )


@dataclass(frozen=True)
class TimeoutStep:
    """What the deadline does: escalate (new approvers and deadline) or expire."""

    why: str
    escalate_to: Approvers | None = None
    new_deadline: datetime | None = None

    @property
    def escalates(self) -> bool:
        return self.escalate_to is not None


def use_deadline(request: ApprovalRequest, now: datetime) -> datetime:
    """Until when an approval given `now` can be used: the later of the decision deadline
    and `timeout_s` after the approval, so a late approval still leaves the app the whole
    window. Before, an approval never used stayed usable for ever (found by probing: used
    400 days later). Stored as the approved request's `expires_at`."""
    return max(request.expires_at, now + timedelta(seconds=request.timeout_s))


def timeout_step(request: ApprovalRequest, now: datetime) -> TimeoutStep | None:
    """None while the request is decided (approved: and still usable, or used) or still
    inside its deadline. An escalation's deadline counts from the deadline missed, so the
    outcome does not depend on when the queue is read; one already past is a further
    step (`ApprovalStore.expire_if_due`)."""
    if request.expires_at > now:
        return None
    if request.state is ApprovalState.APPROVED and request.consumed_at is None:
        return TimeoutStep(f"approved but not used by {stamp(request.expires_at)}; expired")
    if request.state is not ApprovalState.PENDING:
        return None
    missed = f"no decision by {stamp(request.expires_at)}"
    target = request.escalate_to
    if request.on_timeout == "escalate":
        if request.escalations > 0:
            return TimeoutStep(f"{missed} after escalation; denied")
        if target is None or not (target.roles or target.users):
            return TimeoutStep(f"{missed}; on_timeout is escalate but escalate_to is empty; denied")
        return TimeoutStep(
            f"{missed}; escalated to {describe_approvers(target)}",
            escalate_to=target,
            new_deadline=request.expires_at + timedelta(seconds=request.timeout_s),
        )
    return TimeoutStep(f"{missed}; on_timeout is deny")


@dataclass(frozen=True)
class UseCheck:
    """The outcome of presenting an approval for an action; `record` marks refusals that
    belong in the audit history (misuse), as opposed to "not approved (yet)"."""

    error: ApprovalError | None
    record: bool = False


def use_check(
    request: ApprovalRequest,
    presented_hash: str,
    scope: Origin | None = None,
    pseudonyms: Pseudonyms = UNKEYED,
    vetting: Vetting | None = None,
) -> UseCheck:
    """Whether `request` may be used for the action hashed `presented_hash`. `vetting`:
    the using queue's directory and authorizer; a vote they would not accept does not
    count (`charter.approvals.standing`)."""
    tid = request.id
    if scope is not None and scope != (request.tenant, request.app):
        return UseCheck(
            NotAuthorized(
                f"request {tid} was made in another tenant or app; it can be used only by "
                "the app that made it"
            ),
            record=True,
        )
    if request.state is ApprovalState.PENDING:
        return UseCheck(ApprovalPending(tid))
    if request.state is not ApprovalState.APPROVED:
        last = request.transitions[-1] if request.transitions else None
        by = f" by {last.by}" if last and request.state is not ApprovalState.EXPIRED else ""
        return UseCheck(
            ApprovalRejected(
                f"request {tid} was {request.state}{by}; the action must not run "
                f"(details: charter approvals show {tid})"
            )
        )
    unbacked = unbacked_approval(request, pseudonyms)
    if unbacked is not None:
        return UseCheck(ApprovalError(unbacked), record=True)
    if request.consumed_at is not None:
        return UseCheck(
            ApprovalError(
                f"approval {tid} was already used at {stamp(request.consumed_at)}; an approval "
                "is used once: submit the action again for a new approval"
            ),
            record=True,
        )
    standing = vetting.standing(request) if vetting is not None else None
    if standing is not None and standing.dropped:
        short = unbacked_approval(standing.request, pseudonyms)
        if short is not None:
            dropped = ", ".join(standing.dropped)
            why = f"votes this app's policy does not accept do not count: {dropped}; {short}"
            return UseCheck(NotAuthorized(why), record=True)
    if presented_hash != request.action_hash:
        return UseCheck(
            ActionMismatch(
                f"approval {tid} was granted for a different action (approved "
                f"{request.action_hash[:12]}…, presented {presented_hash[:12]}…); an approval is "
                "valid only for the exact action reviewed: submit this action for approval"
            ),
            record=True,
        )
    return UseCheck(None)


def _key_advice(pseudonyms: Pseudonyms) -> str:
    """What to do about a request under another key: this process has a `vault_key` the
    app lacks, or the app's key file was lost or replaced (then no reviewer can decide
    it), or kept beside another path to the database (found by probing: a symlink), or the
    app has a `vault_key` this process lacks."""
    if pseudonyms.file is None:
        return "decide it with the app's vault_key (CHARTER_VAULT_KEY), or with none if it had none"
    return (
        f"restore the store's pseudonym key {pseudonyms.file} from a backup if it was lost or "
        "replaced (else no reviewer can decide it); if the app's key is kept beside another "
        "path to this database (a symlink, or the file since moved), use the store URL the "
        "app uses; or decide it with the app's vault_key set (CHARTER_VAULT_KEY)"
    )


def unbacked_approval(request: ApprovalRequest, pseudonyms: Pseudonyms = UNKEYED) -> str | None:
    """Why an `approved` state is not backed by its recorded votes, or None when it is:
    min_approvals approve votes by distinct reviewers, none of them the requester, and no
    reject. A row edited by hand (found by probing: its state flipped with no vote) is
    then not obeyed."""
    persons: list[str] = []
    for vote in request.votes:
        if vote.verdict != "approve":
            return f"approved request {request.id} holds a reject vote by {vote.reviewer}"
        if asked_by(vote.reviewer, request.requester, pseudonyms):  # a pseudonym stored too
            return f"approved request {request.id} holds a vote by its requester"
        if not any(same_person(vote.reviewer, p) for p in persons):
            persons.append(vote.reviewer)
    needed = max(1, request.min_approvals)
    waiting = unmet(request)
    if len(persons) >= needed and not waiting:
        return None
    if waiting:
        return (
            f"request {request.id} is marked approved, but its votes do not meet "
            f"{'; '.join(describe_requirement(r) for r in waiting)}; it is not used (see "
            f"charter approvals show {request.id})"
        )
    return (
        f"request {request.id} is marked approved, but its votes hold {len(persons)} of the "
        f"{needed} approvals by distinct reviewers it needs; it is not used (see "
        f"charter approvals show {request.id})"
    )


def covers(request: ApprovalRequest, needed: ApprovalSpec) -> bool:
    """Whether an approval of `request` meets `needed`, what the policy asks for the same
    action now, rule by rule: each requirement `needed` holds is met by one of the
    request's that asked no fewer approvals, from reviewers (escalated: the escalation's
    too) that `needed`'s requirement accepts."""
    extra = needed.escalate_to if request.escalations and needed.escalate_to else Approvers()
    held = request.requirements or (
        Requirement(approvers=request.approvers, min_approvals=request.min_approvals),
    )
    wanted = needed.requirements or (
        Requirement(approvers=needed.approvers, min_approvals=needed.min_approvals),
    )
    return all(any(_as_strict(h, w, extra) for h in held) for w in wanted)


def _as_strict(held: Requirement, wanted: Requirement, extra: Approvers) -> bool:
    roles = {*wanted.approvers.roles, *extra.roles}
    users = {*wanted.approvers.users, *extra.users}
    return (
        wanted.min_approvals <= held.min_approvals
        and set(held.approvers.roles) <= roles
        and set(held.approvers.users) <= users
    )
