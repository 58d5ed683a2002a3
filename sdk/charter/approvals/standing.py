"""Which votes an approval's user accepts. A vote counts where it is used only if the using
app's own reviewer directory and authorizer accept its reviewer: the operator CLI is
unscoped, so app B's operator, with B's policy, could approve app A's request as a reviewer
only B trusts, and A ran the action (found by review). Also where a reviewer counts for
each of several rules (`counted_for`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from charter.approvals.authz import Authorizer
from charter.approvals.directory import ReviewerDirectory
from charter.approvals.models import ApprovalRequest, ApprovalState, EventKind, Reviewer, Vote
from charter.decision import Approvers, Requirement
from charter.errors import NotAuthorized


def counted_for(
    request: ApprovalRequest, reviewer: Reviewer, authorizer: Authorizer
) -> tuple[int, ...]:
    """The requirements (by index) `reviewer` may approve, each asked of the authorizer as
    if it were the request's only one: the roles behind the answer live where it reads
    them (the policy's data), not necessarily in `reviewer`. Empty with fewer than two."""
    if len(request.requirements) < 2:
        return ()
    return tuple(
        i
        for i, r in enumerate(request.requirements)
        if authorizer.authorize(reviewer, _as_only(request, r)).allowed
    )


def _as_only(request: ApprovalRequest, requirement: Requirement) -> ApprovalRequest:
    only = {"approvers": requirement.approvers, "min_approvals": requirement.min_approvals}
    return request.model_copy(update={**only, "rule": requirement.rule or request.rule})


@dataclass(frozen=True)
class Standing:
    """`request` with only the votes that stand; `dropped`: the others, each with why."""

    request: ApprovalRequest
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vetting:
    """The using queue's directory and authorizer, asked again of each approve vote: one
    authorizer call a vote (one a rule where several rules hold the request)."""

    directory: ReviewerDirectory
    authorizer: Authorizer

    def standing(self, request: ApprovalRequest) -> Standing:
        escalated = [h.at for h in request.history if h.kind is EventKind.ESCALATED]
        kept: list[Vote] = []
        dropped: list[str] = []
        for vote in request.votes:
            why, counts = self._recheck(request, vote, min(escalated, default=None))
            if why is None:
                kept.append(vote.model_copy(update={"counts_for": counts}))
            else:
                dropped.append(f"{vote.reviewer} ({why})")
        if not dropped:
            return Standing(request)
        return Standing(request.model_copy(update={"votes": tuple(kept)}), tuple(dropped))

    def _recheck(
        self, request: ApprovalRequest, vote: Vote, escalated_at: datetime | None
    ) -> tuple[str | None, tuple[int, ...]]:
        """Why `vote` does not stand (None: it does), and the rules it counts for. Asked of
        the request as it was when cast: pending, without this reviewer's vote, under the
        approvers stored with the vote (an escalation replaces the request's). A legacy
        vote stored without them, cast before an escalation, is asked as if its reviewer's
        roles and id were named, so the directory and tenant still decide."""
        if vote.verdict != "approve":
            return None, vote.counts_for
        try:
            reviewer = self.directory.get(vote.reviewer)
        except NotAuthorized:
            return f"not in this app's reviewer directory ({self.directory.source})", ()
        approvers = vote.approvers or request.approvers
        if vote.approvers is None and escalated_at is not None and vote.at < escalated_at:
            roles, users = (*approvers.roles, *reviewer.roles), (*approvers.users, reviewer.id)
            approvers = Approvers(roles=roles, users=users)
        others = tuple(v for v in request.votes if v.reviewer != vote.reviewer)
        update = {"state": ApprovalState.PENDING, "votes": others, "approvers": approvers}
        then = request.model_copy(update=update)
        if len(request.requirements) > 1:
            held = counted_for(then, reviewer, self.authorizer)
            counts = tuple(i for i in held if i in vote.counts_for)
            return (None, counts) if counts else ("this app's policy accepts none of its rules", ())
        verdict = self.authorizer.authorize(reviewer, then)
        if not verdict.allowed:
            return "; ".join(verdict.reasons) or "this app's policy does not accept them", ()
        return None, vote.counts_for
