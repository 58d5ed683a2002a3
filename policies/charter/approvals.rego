# Who may vote on a held request. The approval queue asks `can_approve` before recording
# a vote and shows `reasons` when the answer is no. Reviewer roles and tenants come from
# data.charter.reviewers, never from the roles a reviewer claims in the input.
package charter.approvals

import rego.v1

reviewer_id := input.reviewer.id if is_string(input.reviewer.id)

reviewer := data.charter.reviewers[reviewer_id]

known_reviewer if reviewer

reviewer_roles := {r | some r in object.get(reviewer, "roles", [])}

request := input.request if is_object(input.request)

default request := {}

required_roles := {r | some r in object.get(request, ["approvers", "roles"], [])}

named_users := {u | some u in object.get(request, ["approvers", "users"], [])}

authorized if count(reviewer_roles & required_roles) > 0

authorized if reviewer_id in named_users

allowed_for_tenant if "*" in object.get(reviewer, "tenants", [])

allowed_for_tenant if request.tenant in object.get(reviewer, "tenants", [])

# Fail closed: a request without a requester cannot prove the reviewer is someone else.
distinct_from_requester if {
	is_string(request.requester)
	request.requester != reviewer_id
}

already_voted if {
	some vote in object.get(request, "votes", [])
	vote.reviewer == reviewer_id
}

pending if request.state == "pending"

# Every condition is checked positively, so a missing field can only refuse.
default can_approve := false

can_approve if {
	known_reviewer
	authorized
	allowed_for_tenant
	distinct_from_requester
	not already_voted
	pending
}

# --- why not -------------------------------------------------------------------------------

reasons contains "unknown reviewer: not listed in data.charter.reviewers" if not known_reviewer

reasons contains msg if {
	known_reviewer
	not authorized
	msg := sprintf("role not authorized: needs one of [%s] or to be named as an approver", [
		concat(", ", sort(required_roles)),
	])
}

reasons contains "reviewer is not allowed for this tenant" if {
	known_reviewer
	not allowed_for_tenant
}

reasons contains "reviewer is the requester" if request.requester == reviewer_id

reasons contains "request has no requester" if not is_string(request.requester)

reasons contains "reviewer has already voted on this request" if already_voted

reasons contains msg if {
	not pending
	msg := sprintf("request is not pending (state: %v)", [object.get(request, "state", "missing")])
}
