"""Every refusal is refused with a clear message AND recorded in the request's history."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import text as sql_text

from charter.approvals import ApprovalState, EventKind, Reviewer, action_hash
from charter.approvals._identity import requester_id, same_person
from charter.approvals.lifecycle import covers
from charter.approvals.queue import ApprovalQueue
from charter.decision import Approvers
from charter.errors import ActionMismatch, ApprovalError, NotAuthorized
from tests.approvals.helpers import (
    ACTION,
    ManualClock,
    directory,
    make_request,
    mark_approved,
    spec,
    submit,
)


def _last_refusal(queue: ApprovalQueue, ticket: str) -> tuple[str, str]:
    request = queue.get(ticket)
    assert request.history[-1].kind is EventKind.REFUSED
    assert request.history[-1].from_state == request.history[-1].to_state
    return request.history[-1].by, request.history[-1].why


def test_self_approval_is_refused_even_for_a_qualified_reviewer(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id  # requester user-7 is also a finance reviewer
    with pytest.raises(NotAuthorized, match="cannot decide their own request"):
        queue.approve(ticket, "user-7")
    by, why = _last_refusal(queue, ticket)
    assert by == "user-7" and "four-eyes" in why
    assert queue.get(ticket).votes == ()


def test_a_scoped_queue_serves_only_its_own_tenant_and_app(
    queue: ApprovalQueue, store_url: str
) -> None:
    """A Charter's queue (`scope`): another app on the same store may trust reviewers this
    one does not (found by probing: app B's queue approved app A's request). Its listings,
    inbox and claims leave others' requests out, in SQL, and a vote on one is refused and
    recorded; the unscoped queue (`charter approvals`) still sees them all."""
    mine = submit(queue).id  # tenant acme, app payments-bot
    theirs = submit(queue, tenant="globex").id
    scope = ("acme", "payments-bot")
    with ApprovalQueue(store_url, directory=directory(), scope=scope) as scoped:
        assert [r.id for r in scoped.list()] == [mine]
        assert [r.id for r in scoped.inbox("alice").requests] == [mine]
        assert scoped.inbox("alice").for_others == 0
        claimed = scoped.claim_next("alice")
        assert claimed is not None and claimed.id == mine
        with pytest.raises(NotAuthorized, match="another tenant or app"):
            scoped.approve(theirs, "alice")
        assert scoped.approve(mine, "alice").state is ApprovalState.APPROVED
    assert _last_refusal(queue, theirs)[0] == "alice"
    assert queue.get(theirs).state is ApprovalState.PENDING
    assert {r.id for r in queue.list()} == {mine, theirs}


def test_a_scoped_queue_expires_only_its_own_apps_requests(
    queue: ApprovalQueue, store_url: str, clock: ManualClock
) -> None:
    """Found by review: a queue scoped to globex expired acme's overdue request and handed
    it back, its action with it; another app's requests are left for that app's sweep."""
    mine = submit(queue, tenant="globex").id
    theirs = submit(queue).id  # tenant acme
    clock.advance(10 * 86400)
    with ApprovalQueue(store_url, scope=("globex", "payments-bot"), clock=clock) as scoped:
        assert [r.id for r in scoped.expire_due()] == [mine]
    assert queue.get(theirs).state is ApprovalState.PENDING
    assert queue.get(mine).state is ApprovalState.EXPIRED


def test_a_scoped_queue_refusing_another_apps_overdue_request_leaves_it_as_it_is(
    queue: ApprovalQueue, store_url: str, clock: ManualClock
) -> None:
    """Found by review: voting on or cancelling another app's overdue request was refused,
    but only after this queue had expired it and reduced its action to a digest."""
    theirs = submit(queue).id  # tenant acme
    clock.advance(10 * 86400)
    with ApprovalQueue(store_url, scope=("globex", "payments-bot"), clock=clock) as scoped:
        with pytest.raises(NotAuthorized):
            scoped.approve(theirs, Reviewer(id="bob", roles=("finance",)))
        with pytest.raises(NotAuthorized):
            scoped.cancel(theirs, "bob", reason="not mine")
    assert queue.get(theirs).state is ApprovalState.PENDING  # its own app's sweep expires it


def test_the_created_event_names_the_requester_by_its_pseudonym(store_url: str) -> None:
    """Found by review: a request submitted to the queue directly kept the requester's
    pseudonym in its row and the raw e-mail address as its CREATED event's actor."""
    email = "alice.smith@example.com"
    with ApprovalQueue(store_url) as q:
        request = q.get(submit(q, requester=email).id)
        assert email not in {event.by for event in request.history}
        assert request.history[0].by == request.requester == requester_id(email, q.pseudonyms)


@pytest.mark.parametrize("who", ["USER-7", "User-7 "])
def test_self_approval_check_ignores_case_and_padding(store_url: str, who: str) -> None:
    with ApprovalQueue(store_url) as trusting:  # no directory: reviewers are taken as given
        ticket = submit(trusting).id
        with pytest.raises(NotAuthorized, match="own request"):
            trusting.approve(ticket, Reviewer(id=who, roles=("finance",)))
        # recorded as given, or as its pseudonym when it reads as a name (the space)
        assert trusting.get(ticket).refusals[-1].by == requester_id(who, trusting.pseudonyms)


SPELLINGS_OF_ALICE = [
    "\uff41\uff4c\uff49\uff43\uff45",  # full-width
    "alice\u200b",  # zero-width space
    "alice\u00ad",  # soft hyphen
    "\u0430lice",  # Cyrillic a
    "alic\u0435",  # Cyrillic e
    "al\u0131ce",  # Turkish dotless i
    "\u0391LICE",  # Greek capital alpha
    "al\u00efce",  # an accent
    "alice\u3164",  # Hangul filler: a letter, yet default ignorable (drawn as nothing)
    "alice\u2800",  # Braille blank
    "\u1d00lice",  # small capital A
    "a\u01c0ice",  # Latin dental click
    "aIice",  # capital I for l
    "a\ua4f2ice",  # Lisu
    "\u13aa\u13de\u13a5\u13df\u13ac",  # Cherokee capitals: ALiCE
    "\u0251li\u1d04e",  # Latin alpha, small capital C
    "ALICE",
    "al\U0001d678ce",  # mathematical monospace capital I: no case until NFKC folds it
    "\u24d0lice",  # circled a
    "al\u1d35ce",  # modifier capital I
]


@pytest.mark.parametrize("spelled", SPELLINGS_OF_ALICE)
def test_self_approval_check_reads_other_spellings_of_one_id(
    queue: ApprovalQueue, store_url: str, spelled: str
) -> None:
    """Found by probing: a requester signed in as `alice` spelled with full-width letters,
    an invisible character or a Cyrillic/Greek/dotless letter approved their own refund as
    `alice`, and it ran. Ids are compared by their skeleton; a second vote under another
    spelling of one reviewer is refused the same way."""
    ticket = submit(queue, requester=spelled, min_approvals=2).id
    assert queue.refusal(queue.get(ticket), "alice") is not None  # not in alice's inbox
    with pytest.raises(NotAuthorized, match="cannot decide their own request"):
        queue.approve(ticket, "alice")
    queue.approve(ticket, "bob")
    assert [v.reviewer for v in queue.get(ticket).votes] == ["bob"]
    with ApprovalQueue(store_url) as trusting:  # no directory: reviewers are taken as given
        other = submit(trusting, min_approvals=2).id
        trusting.approve(other, Reviewer(id=spelled, roles=("finance",)))
        with pytest.raises(NotAuthorized, match="already voted"):
            trusting.approve(other, Reviewer(id="alice", roles=("finance",)))
        assert trusting.get(other).state is ApprovalState.PENDING


@pytest.mark.parametrize(
    "spelled",
    ["b\u0585b", "b\u2c9fb", "b\u1d0fb", "\u13fcob", "b\u043eb", "b\u03bfb", "bob\u00a0"],
)
def test_look_alikes_from_other_scripts_read_as_one_id(spelled: str) -> None:
    """Found by probing: `bօb` (Armenian o) approved a request of `bob`'s; the hand-made
    table of look-alikes also missed Coptic, Cherokee, Lisu, small capitals, Izhitsa and
    Armenian letters. Ids are compared by Unicode's confusable skeleton now."""
    assert same_person(spelled, "bob") and same_person("bob", spelled)
    assert same_person("da\u0475e", "dave") and same_person("eri\u0578", "eri\u057c")
    assert same_person("rnallory", "mallory")  # a prototype of two letters


def test_distinct_ids_stay_distinct() -> None:
    assert not same_person("alice", "alina") and not same_person("bob", "b0b")
    assert not same_person("user-7", "user-1") and not same_person("carol", "carl")
    assert not same_person("dave", "dove") and not same_person("erin", "eric")
    assert same_person("User-7 ", "\uff55ser-7")


def test_self_rejection_is_refused_too(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    with pytest.raises(NotAuthorized, match="own request"):
        queue.reject(ticket, "user-7", "changed my mind")
    assert queue.get(ticket).state is ApprovalState.PENDING


def test_unknown_reviewer_is_refused_and_recorded(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    with pytest.raises(NotAuthorized, match="unknown reviewer 'mallory'"):
        queue.approve(ticket, Reviewer(id="mallory", roles=("finance",)))
    assert _last_refusal(queue, ticket)[0] == "mallory"


@pytest.mark.parametrize("who", ["jane.doe@example.com", "Jane Doe", "+44 20 7946 0958"])
def test_an_unknown_reviewer_that_looks_personal_is_not_quoted_in_the_refusal(
    queue: ApprovalQueue, who: str
) -> None:
    """Found by probing: the raised message said "unknown reviewer 'jane.doe@example.com'"
    while the stored history kept the id hashed, as it promises for the message too."""
    ticket = submit(queue).id
    with pytest.raises(NotAuthorized, match="unknown reviewer") as raised:
        queue.approve(ticket, who, reason="ok")
    assert who not in str(raised.value)
    by, why = _last_refusal(queue, ticket)
    assert by == requester_id(who, queue.pseudonyms) and who not in why


def test_roles_come_from_the_directory_not_the_callers_claim(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    with pytest.raises(NotAuthorized, match="needs roles finance; reviewer has roles support"):
        queue.approve(ticket, Reviewer(id="carol", roles=("finance",)))  # carol is support
    by, why = _last_refusal(queue, ticket)
    assert by == "carol" and "needs roles finance" in why


def test_wrong_tenant_is_refused(queue: ApprovalQueue) -> None:
    ticket = submit(queue, tenant="globex").id
    with pytest.raises(NotAuthorized, match="not a reviewer for tenant 'globex'"):
        queue.approve(ticket, "bob")  # bob reviews acme only
    assert _last_refusal(queue, ticket)[0] == "bob"


def test_a_second_vote_by_the_same_reviewer_is_refused(queue: ApprovalQueue) -> None:
    ticket = submit(queue, min_approvals=2).id
    queue.approve(ticket, "alice")
    with pytest.raises(NotAuthorized, match="already voted"):
        queue.approve(ticket, "alice")
    with pytest.raises(NotAuthorized, match="already voted"):
        queue.reject(ticket, "alice", "flip-flop")
    request = queue.get(ticket)
    assert (request.state, request.approvals, len(request.votes)) == (ApprovalState.PENDING, 1, 1)
    assert [r.by for r in request.refusals] == ["alice", "alice"]


def test_replaying_an_approval_for_a_different_action_is_refused(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    queue.approve(ticket, "alice")
    bigger = copy.deepcopy(ACTION)
    bigger["tool"]["arguments"]["eur"] = 90_000
    with pytest.raises(ActionMismatch, match="granted for a different action"):
        queue.consume(ticket, action_hash(bigger))
    assert "different action" in _last_refusal(queue, ticket)[1]
    assert queue.get(ticket).consumed_at is None  # the real action may still use it
    queue.consume(ticket, action_hash(ACTION))


def test_reusing_a_used_approval_is_refused_and_recorded(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    queue.approve(ticket, "alice")
    queue.consume(ticket, action_hash(ACTION))
    with pytest.raises(ApprovalError, match="already used"):
        queue.consume(ticket, action_hash(ACTION), by="replayer")
    assert _last_refusal(queue, ticket)[0] == "replayer"


def test_approving_an_expired_request_is_refused(queue: ApprovalQueue, clock: ManualClock) -> None:
    ticket = submit(queue, timeout_s=60).id
    clock.advance(60)  # nobody swept: the vote applies the deadline first
    with pytest.raises(ApprovalError, match=r"expired .* can no longer be approved"):
        queue.approve(ticket, "alice")
    request = queue.get(ticket)
    assert request.state is ApprovalState.EXPIRED and request.votes == ()
    assert [h.kind for h in request.history[-2:]] == [EventKind.TRANSITION, EventKind.REFUSED]
    assert request.history[-1].by == "alice"


def test_an_empty_reviewer_id_is_refused(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    with pytest.raises(NotAuthorized, match="no reviewer given"):
        queue.approve(ticket, "")
    assert queue.get(ticket).votes == ()


def test_refusal_messages_carry_no_action_content(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    for reviewer in ("user-7", "mallory", "carol"):
        with pytest.raises(ApprovalError) as refused:
            queue.approve(ticket, reviewer)
        assert "IBAN" not in str(refused.value) and "invoice" not in str(refused.value)


@pytest.mark.parametrize("approve_votes", [0, 1])
def test_an_approved_state_without_its_votes_is_not_used(
    queue: ApprovalQueue, approve_votes: int
) -> None:
    """Found by probing: a row whose state was set to `approved` by hand, with no vote,
    was used and the action ran. An approved state counts only when its recorded votes
    make it: min_approvals approve votes by distinct reviewers, none the requester."""
    ticket = submit(queue, min_approvals=2).id
    for reviewer in ("alice", "bob")[:approve_votes]:
        queue.approve(ticket, reviewer)
    mark_approved(queue, ticket)
    with pytest.raises(ApprovalError, match=f"votes hold {approve_votes} of the 2 approvals"):
        queue.consume(ticket, action_hash(ACTION))
    assert "marked approved" in _last_refusal(queue, ticket)[1]
    assert queue.get(ticket).consumed_at is None


def test_an_approved_state_with_a_vote_by_its_pseudonymous_requester_is_not_used(
    queue: ApprovalQueue,
) -> None:
    """A requester stored as a pseudonym (an e-mail address as user id) is met by the
    four-eyes check's own comparison, not only by the plain one (found by review: a vote
    inserted under the requester's own id, the state flipped, was used)."""
    from charter.approvals._identity import requester_id

    user = "jane.doe@example.com"
    ticket = submit(queue, requester=requester_id(user), min_approvals=1).id
    with queue.engine.begin() as conn:
        conn.execute(
            sql_text(
                "insert into charter_approval_vote "
                "(request_id, reviewer, verdict, at, reason, approvers) "
                "values (:id, :actor, 'approve', :at, '', :approvers)"
            ),
            {
                "id": ticket,
                "at": queue.get(ticket).created_at,
                "actor": user,
                "approvers": queue.get(ticket).approvers.model_dump_json(),
            },
        )
    mark_approved(queue, ticket)
    with pytest.raises(ApprovalError, match="holds a vote by its requester"):
        queue.consume(ticket, action_hash(ACTION))


def test_an_approval_meets_a_hold_only_as_strict_as_its_own() -> None:
    request = make_request(approvers=Approvers(roles=("finance",)), min_approvals=1)
    assert covers(request, spec(approvers=Approvers(roles=("finance",))))
    assert covers(request, spec(approvers=Approvers(roles=("finance", "ops"))))
    assert not covers(request, spec(approvers=Approvers(roles=("security",))))
    assert not covers(request, spec(min_approvals=2))
    assert not covers(request, spec(approvers=Approvers(users=("zoe",))))
    escalated = make_request(approvers=Approvers(roles=("cfo",)), escalations=1)
    assert covers(escalated, spec(escalate_to=Approvers(roles=("cfo",)), on_timeout="escalate"))
    assert not covers(escalated, spec())
