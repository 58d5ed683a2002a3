package charter.approvals_test

import rego.v1

import data.charter.approvals

refund_request := {
	"id": "req-1",
	"requester": "u-7f3a",
	"tenant": "acme",
	"rule": "tools.refund_over_limit",
	"approvers": {"roles": ["finance"], "users": []},
	"state": "pending",
	"votes": [],
}

close_request := object.union(refund_request, {
	"rule": "tools.close_account",
	"approvers": {"roles": ["support_lead", "compliance"], "users": []},
})

ask(id, claimed_roles, request) := {"reviewer": {"id": id, "roles": claimed_roles}, "request": request}

can(id, request) if approvals.can_approve with input as ask(id, [], request)

why(id, claimed_roles, request) := reasons if {
	reasons := approvals.reasons with input as ask(id, claimed_roles, request)
}

test_finance_reviewer_can_approve_a_refund if {
	can("alice", refund_request)
	can("bob", refund_request)
	count(why("alice", [], refund_request)) == 0
}

test_roles_come_from_data_not_from_the_claim if {
	not can("carol", refund_request)
	not approvals.can_approve with input as ask("carol", ["finance"], refund_request)
	why("carol", ["finance"], refund_request) == {"role not authorized: needs one of [finance] or to be named as an approver"}
}

test_named_user_can_approve_without_the_role if {
	request := object.union(refund_request, {"approvers": {"roles": ["finance"], "users": ["erin"]}})
	can("erin", request)
}

test_two_role_request_accepts_either_role if {
	can("carol", close_request)
	can("dave", close_request)
	can("frank", close_request)
	not can("alice", close_request)
}

test_unknown_reviewer_is_refused if {
	not can("mallory", refund_request)
	"unknown reviewer: not listed in data.charter.reviewers" in why("mallory", ["finance"], refund_request)
	not approvals.can_approve with input as {"request": refund_request}
}

test_requester_cannot_approve_their_own_request if {
	request := object.union(refund_request, {"requester": "alice"})
	not can("alice", request)
	why("alice", [], request) == {"reviewer is the requester"}
}

test_request_without_requester_is_refused if {
	request := object.remove(refund_request, ["requester"])
	not can("alice", request)
	why("alice", [], request) == {"request has no requester"}
}

test_second_vote_by_the_same_reviewer_is_refused if {
	request := object.union(refund_request, {"votes": [{"reviewer": "alice", "verdict": "approve"}]})
	not can("alice", request)
	why("alice", [], request) == {"reviewer has already voted on this request"}
	can("bob", request)
}

test_only_pending_requests_can_be_voted_on if {
	request := object.union(refund_request, {"state": "expired"})
	not can("alice", request)
	why("alice", [], request) == {"request is not pending (state: expired)"}
	"request is not pending (state: missing)" in why("alice", [], object.remove(refund_request, ["state"]))
}

test_tenant_scoped_reviewer if {
	reviewers := {"gina": {"roles": ["finance"], "tenants": ["acme"]}}
	approvals.can_approve with input as ask("gina", [], refund_request) with data.charter.reviewers as reviewers
	other := object.union(refund_request, {"tenant": "globex"})
	not approvals.can_approve with input as ask("gina", [], other) with data.charter.reviewers as reviewers
	approvals.reasons == {"reviewer is not allowed for this tenant"} with input as ask("gina", [], other)
		with data.charter.reviewers as reviewers
}

test_empty_input_is_refused_with_reasons if {
	not approvals.can_approve with input as {}
	count(approvals.reasons) == 3 with input as {}
}
