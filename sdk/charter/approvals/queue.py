"""`ApprovalQueue`: durable human-in-the-loop approval requests on SQLite or PostgreSQL.

Composes `storage` (locked transactions), `lifecycle` (the pure state machine) and `notify`
(callbacks, waiting). Each read-then-write is one locked transaction, so processes can share
a queue: decided once, no vote lost, M-of-N exact, each refusal in history before raised.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import Engine

from charter._unicode import confusable_prototypes
from charter.approvals import _arguments, _records, models
from charter.approvals._fields import (
    check_fields,
    check_hash,
    keyed_ticket,
    new_ticket,
    parse_state,
    pending_key,
)
from charter.approvals._identity import requester_id
from charter.approvals._records import event
from charter.approvals.authz import Authorizer, PolicyAuthorizer, RoleAuthorizer
from charter.approvals.directory import ReviewerDirectory, resolve
from charter.approvals.inbox import Inbox, gather
from charter.approvals.lifecycle import Origin, cast_vote, use_check, vote_refusal
from charter.approvals.models import ApprovalRequest, ApprovalState, EventKind, Reviewer
from charter.approvals.notify import Announcer, SubmitCallback, Waiter
from charter.approvals.standing import Vetting, counted_for
from charter.approvals.storage import ANSWER_TIMEOUT_S, ApprovalStore, Clock, utcnow
from charter.decision import ApprovalSpec
from charter.errors import ApprovalError, NotAuthorized
from charter.policy.base import PolicyEngine
from charter.pseudonyms import Pseudonyms, pseudonyms_for
from charter.store import approval_repo as repo

DEFAULT_LEASE_S = 300.0


class ApprovalQueue:
    """Submit, decide, wait for and use approvals.

    `store` is a database URL (`sqlite:///.charter/charter.db`, `postgresql://...`) or an
    engine. Reviewers are resolved through `directory` when given (their roles come from
    configuration, not from the caller) and checked by `authorizer` (default: roles named
    in the request). `migrate=True` brings the schema up to date on first use.
    `store_content=True` keeps each request's action after it is settled (used, rejected,
    expired, cancelled); by default only its digest stays (`models.action_digest`).
    `answer_timeout_s`: how long each step may wait for a PostgreSQL server that stopped
    answering before it fails with `StoreError` (`charter.store.deadline`).
    `scope` (tenant, app): serve that app's requests only; another's are `NotAuthorized`
    (and left out of listings). None (`charter approvals`, the console): every app's.
    `step_threads`: the size of the step pool `wait_async` reads on (0: its default).
    `pseudonyms`: the key of requester pseudonyms (default: the one beside a SQLite store).
    """

    def __init__(
        self,
        store: str | Engine,
        *,
        authorizer: Authorizer | None = None,
        directory: ReviewerDirectory | None = None,
        clock: Clock = utcnow,
        migrate: bool = True,
        store_content: bool = False,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
        scope: Origin | None = None,
        step_threads: int = 0,
        pseudonyms: Pseudonyms | None = None,
    ) -> None:
        self._store_content = store_content
        self.pseudonyms = pseudonyms or pseudonyms_for("", store)
        self._store = ApprovalStore(
            store, clock=clock, migrate=migrate, answer_timeout_s=answer_timeout_s, scope=scope
        )
        self._authorizer: Authorizer = authorizer or RoleAuthorizer()
        self._directory = directory
        self._vetting = Vetting(directory, self._authorizer) if directory is not None else None
        self._clock = clock
        self._announcer = Announcer()
        self._waiter = Waiter(self._store.current, clock, step_threads)

    @classmethod
    def from_policy(
        cls,
        store: str | Engine,
        engine: PolicyEngine,
        *,
        reviewers_file: str | None = None,
        **kwargs: Any,
    ) -> ApprovalQueue:
        """Authorized by the policy's `can_approve`; reviewers from policy data or a file."""
        directory = (
            ReviewerDirectory.from_file(reviewers_file)
            if reviewers_file
            else ReviewerDirectory.from_policy(engine)
        )
        return cls(store, authorizer=PolicyAuthorizer(engine), directory=directory, **kwargs)

    @property
    def engine(self) -> Engine:
        return self._store.engine

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> ApprovalQueue:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- the app's side -------------------------------------------------------------------

    def on_submit(self, callback: SubmitCallback) -> None:
        """Call `callback(request)` after each submit (notify Slack, e-mail, ...). A failing
        callback is logged without content and never affects the queued request."""
        self._announcer.subscribe(callback)

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
    ) -> ApprovalRequest:
        """Queue `action` (canonical, already redacted) for review; returns the ticket.
        With `key`, submitting the same action under the same key again returns the first
        request (in whatever state it is now) instead of queueing another: for a framework
        that re-runs a step after a pause. Without one, with `reuse_in` (the guard's: the
        conversation, "" for none), the same action the same requester submits in it while
        its request is pending returns that request (a retry); once decided, used or
        expired it is never reused."""
        fields = {
            "requester": requester_id(requester, self.pseudonyms),
            "tenant": tenant,
            "app": app,
            "rule": rule,
            "decision_id": decision_id,
        }
        check_fields(fields)
        plain = models.canonical_action(action)
        now = self._clock()
        digest = models.action_hash(plain)
        ticket = new_ticket() if key is None else keyed_ticket(tenant, app, requester, key, digest)
        row = {
            "id": ticket,
            "state": ApprovalState.PENDING.value,
            "created_at": now,
            "updated_at": now,
            "expires_at": now + timedelta(seconds=spec.timeout_s),
            **fields,
            "reason": spec.reason,
            "approvers": spec.approvers.model_dump(mode="json"),
            "min_approvals": spec.min_approvals,
            "timeout_s": spec.timeout_s,
            "on_timeout": spec.on_timeout,
            "escalate_to": spec.escalate_to.model_dump(mode="json") if spec.escalate_to else None,
            "escalations": 0,
            "requirements": [r.model_dump(mode="json") for r in spec.requirements] or None,
            "action": plain,
            "keep_action": self._store_content,
            "action_hash": digest,
            "pending_key": pending_key(tenant, app, fields["requester"], key, reuse_in, digest),
            "consumed_at": None,
            "claimed_by": None,
            "claimed_until": None,
        }
        created = event(
            ticket,
            kind=EventKind.CREATED,
            by=fields["requester"],
            at=now,
            from_state=None,
            to_state=ApprovalState.PENDING,
            why=spec.reason or f"rule {rule} asked for approval",
        )
        existing = self._store.insert(row, created, once=key is not None)
        if existing is not None:
            return existing
        request = _records.request_from_rows(row, [], [created])
        self._announcer.announce(request)
        return request

    def consume(
        self, request_id: str, action_hash: str, *, by: str = "app", scope: Origin | None = None
    ) -> ApprovalRequest:
        """Use an approval for `action_hash`, once. Raises `ApprovalPending` while pending,
        `ApprovalRejected` when rejected/expired/cancelled, `ActionMismatch` for another
        action and `ApprovalError` when already used (the last two are recorded). With
        `scope` (tenant, app; default: the queue's), another tenant's or app's is refused."""
        _arguments.consume(request_id, action_hash, by)
        check_hash(action_hash)
        store = self._store
        with store.writing(f"using approval {request_id}", [request_id]) as conn:
            now = self._clock()
            locked = store.locked(conn, request_id, history=True)  # who decided, for messages
            request = store.expire_if_due(conn, locked, now)
            check = use_check(
                request, action_hash, scope or store.scope, self.pseudonyms, self._vetting
            )
            state = request.state
            history = _records.History(conn, request_id, now, self.pseudonyms)
            if check.error is None:
                used = {"consumed_at": now, "updated_at": now, **store.settled_action(request)}
                repo.update_request(conn, request_id, used)
                actor = requester_id(by, self.pseudonyms)
                history.add(EventKind.CONSUMED, actor, state, state, "approval used for the action")
                request = store.reload(conn, request_id)
            elif check.record:
                history.refused(by, state, str(check.error))
        if check.error is not None:
            raise check.error
        return request

    def wait(self, request_id: str, timeout_s: float) -> ApprovalRequest:
        """Block until decided or expired; after `timeout_s` `ApprovalTimeout` (still queued)."""
        _arguments.wait("wait", request_id, timeout_s)
        return self._waiter.wait(request_id, timeout_s)

    async def wait_async(self, request_id: str, timeout_s: float) -> ApprovalRequest:
        """`wait` for asyncio: database reads run on Charter's step threads."""
        _arguments.wait("wait_async", request_id, timeout_s)
        return await self._waiter.wait_async(request_id, timeout_s)

    # --- the reviewers' side --------------------------------------------------------------

    def get(self, request_id: str) -> ApprovalRequest:
        return self._store.get(request_id)

    def current(self, request_id: str) -> ApprovalRequest:
        """The request as it stands now: expired (or escalated) if its deadline passed."""
        return self._store.current(request_id)

    def refusal(self, request: ApprovalRequest, reviewer: Reviewer | str) -> ApprovalError | None:
        """Why `reviewer` may not vote on `request` now, or None when they may: what an
        inbox asks to show each reviewer only what they can decide. Votes check it again."""
        try:
            who = resolve(self._directory, reviewer)
        except ApprovalError as exc:
            return exc
        why = vote_refusal(request, who, self._authorizer, self.pseudonyms)
        return self._store.foreign(request) or why

    def list(
        self,
        state: ApprovalState | str | None = None,
        *,
        tenant: str | None = None,
        limit: int = 100,
    ) -> builtins.list[ApprovalRequest]:
        """Requests, newest first, optionally in `state` / for `tenant`; overdue ones settled
        first (`expire_due`): none shows as pending or keeps its action past its deadline."""
        _arguments.listing(tenant, limit)
        wanted = parse_state(state) if state is not None else None
        self._settle_due()
        return self._store.list(wanted, tenant, limit)

    def pending(self) -> Iterator[ApprovalRequest]:
        """Every pending request, newest first, a page at a time (overdue ones not settled)."""
        return self._store.pending()

    def approve(
        self, request_id: str, reviewer: Reviewer | str, reason: str = ""
    ) -> ApprovalRequest:
        return self._vote(request_id, reviewer, "approve", reason)

    def reject(self, request_id: str, reviewer: Reviewer | str, reason: str) -> ApprovalRequest:
        return self._vote(request_id, reviewer, "reject", reason)

    def cancel(self, request_id: str, by: str, reason: str) -> ApprovalRequest:
        """Withdraw a pending request (the app no longer needs it, or an operator stops it)."""
        _arguments.cancel(request_id, by, reason)
        refusal: ApprovalError | None = None
        store = self._store
        with store.writing(f"cancelling approval {request_id}", [request_id]) as conn:
            now = self._clock()
            request = store.expire_if_due(conn, store.locked(conn, request_id), now)
            state = request.state
            history = _records.History(conn, request_id, now, self.pseudonyms)
            refusal = store.foreign(request)
            if state is ApprovalState.PENDING and refusal is None:
                store.move(conn, request, ApprovalState.CANCELLED, now)
                actor = requester_id(by, self.pseudonyms)  # the app, often on its user's behalf
                history.add(EventKind.TRANSITION, actor, state, ApprovalState.CANCELLED, reason)
            else:
                refusal = refusal or ApprovalError(
                    f"request {request_id} is already {state.value}; only pending requests "
                    "can be cancelled"
                )
                history.refused(by, state, f"cancel: {refusal}")
            request = store.reload(conn, request_id)
        if refusal is not None:
            raise refusal
        return request

    def claim_next(
        self, reviewer: Reviewer | str, *, lease_s: float = DEFAULT_LEASE_S
    ) -> ApprovalRequest | None:
        """The oldest pending request this reviewer may decide that nobody else is looking
        at, claimed for `lease_s` (a vote releases it). None when the inbox is empty. The
        candidates are read page by page, however many others are ahead of it; only the
        one chosen is locked, and checked again then."""
        _arguments.claim(reviewer, lease_s)
        who = resolve(self._directory, reviewer)
        for candidate in self._store.claimable(who.id, self._clock()):
            if vote_refusal(candidate, who, self._authorizer, self.pseudonyms) is not None:
                continue
            with self._store.writing("claiming an approval request", [candidate.id]) as conn:
                now = self._clock()
                locked = repo.lock_if_claimable(conn, candidate.id, reviewer=who.id, now=now)
                if locked is None:
                    continue  # another reviewer took it meanwhile
                request = _records.load(conn, [locked], history=False)[0]
                if vote_refusal(request, who, self._authorizer, self.pseudonyms) is None:
                    return self._store.claim(conn, request, who.id, now, lease_s)
        return None

    def inbox(self, reviewer: Reviewer | str, *, limit: int = 100) -> Inbox:
        """The newest pending requests `reviewer` may decide now, up to `limit`, however
        many they may not decide come first (`charter.approvals.inbox`); overdue requests
        are settled first, as in `list`."""
        _arguments.inbox(reviewer, limit)
        self._settle_due()
        return gather(self._store.pending(), lambda r: self.refusal(r, reviewer) is None, limit)

    def expire_due(self, *, limit: int = 100) -> builtins.list[ApprovalRequest]:
        """Apply `on_timeout` to overdue pending requests (deny -> expired; escalate -> new
        approvers and deadline, once) and expire approved ones unused by their use-by
        (`lifecycle.use_deadline`); returns those changed (only the scoped app's, if any)."""
        _arguments.expiring(limit)
        changed: builtins.list[str] = []
        with self._store.writing("expiring overdue approval requests", changed) as conn:
            now = self._clock()
            rows = repo.due_requests(conn, now=now, limit=limit, of=self._store.scope)
            due = _records.load(conn, rows, history=False)
            changed.extend(r.id for r in due)
            return [self._store.expire_if_due(conn, r, now) for r in due]

    # --- internals ------------------------------------------------------------------------

    def _settle_due(self) -> None:
        while len(self.expire_due(limit=500)) == 500:  # 500 per transaction
            pass

    def _vote(
        self,
        request_id: str,
        reviewer: Reviewer | str,
        verdict: Literal["approve", "reject"],
        reason: str,
    ) -> ApprovalRequest:
        _arguments.vote(verdict, request_id, reviewer, reason)
        claimed_id = reviewer.id if isinstance(reviewer, Reviewer) else reviewer
        refusal: ApprovalError | None = None
        store = self._store
        # The four-eyes table, built on a process's first vote (up to a second), not under the
        # write lock, where concurrent votes on SQLite waited past their busy timeout.
        confusable_prototypes()
        with store.writing(f"recording a vote on {request_id}", [request_id]) as conn:
            now = self._clock()
            request = store.expire_if_due(conn, store.locked(conn, request_id), now)
            if request.state is ApprovalState.EXPIRED:  # the refusal says if it was approved
                request = store.reload(conn, request_id)
            state = request.state
            who: Reviewer | None = None
            try:
                who = resolve(self._directory, reviewer)
                by_rule = vote_refusal(request, who, self._authorizer, self.pseudonyms)
                refusal = store.foreign(request) or by_rule
            except NotAuthorized as exc:
                refusal = exc
            history = _records.History(conn, request_id, now, self.pseudonyms)
            if refusal is not None or who is None:
                history.refused(claimed_id, state, f"{verdict}: {refusal}")
            else:
                counts = list(counted_for(request, who, self._authorizer)) or None
                row = {"reviewer": who.id, "verdict": verdict, "reason": reason, "at": now}
                row["approvers"] = request.approvers.model_dump(mode="json")  # cast under
                vote = models.Vote.model_validate({**row, "counts_for": counts or ()})
                new_state, why = cast_vote(request, vote)
                repo.add_vote(conn, {"request_id": request_id, **row, "counts_for": counts})
                store.move(conn, request, new_state, now, release_claim_of=who.id)
                history.add(EventKind.VOTE, who.id, state, new_state, why)
            request = store.reload(conn, request_id)
        if refusal is not None:
            raise refusal
        return request
