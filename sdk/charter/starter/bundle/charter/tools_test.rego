package charter.tools_test

import rego.v1

import data.charter.main
import data.charter.tools

call(name, arguments) := {
	"schema": 1,
	"stage": "tool_call",
	"model": {"provider": "openai"},
	"tool": {"name": name, "arguments": arguments},
}

credit(amount) := call("issue_credit", {"amount": amount, "order": "A-1042"})

rules(inp) := {f.rule | some f in tools.findings with input as inp}

finding(inp, rule) := f if {
	some f in tools.findings with input as inp
	f.rule == rule
}

test_allowed_tools_pass if {
	count(rules(call("search_docs", {"query": "reset password"}))) == 0
	count(rules(call("get_order_status", {"order": "A-1042"}))) == 0
}

test_unknown_tool_is_denied_and_named if {
	f := finding(call("run_shell", {"cmd": "rm -rf /"}), "tools.unknown_tool")
	f.action == "deny"
	contains(f.message, "run_shell")
}

test_tool_call_without_a_name_is_denied if {
	f := finding({"stage": "tool_call", "tool": {"arguments": {}}}, "tools.unknown_tool")
	contains(f.message, "names no tool")
	"tools.unknown_tool" in rules({"stage": "tool_call"})
}

test_sending_an_email_waits_for_a_support_lead if {
	f := finding(call("send_email", {"to": "<EMAIL_ADDRESS_1>"}), "tools.needs_approval")
	f.action == "require_approval"
	f.approval.approvers.roles == ["support_lead"]
	f.approval.min_approvals == 1
	f.message == "send_email needs an approval: an email leaves the company in the user's name"
}

test_deleting_a_record_needs_two_approvals_and_escalates if {
	f := finding(call("delete_record", {"id": "r-9"}), "tools.needs_approval")
	f.approval.min_approvals == 2
	f.approval.on_timeout == "escalate"
	f.approval.escalate_to.roles == ["compliance"]
}

test_small_credit_passes if {
	count(rules(credit(20))) == 0
	count(rules(credit(100))) == 0
	count(rules(credit("99.50"))) == 0
}

test_credit_above_the_approval_limit_waits_for_finance if {
	f := finding(credit(250), "tools.over_approval_limit")
	f.action == "require_approval"
	f.approval.approvers.roles == ["finance"]
	f.message == "issue_credit with amount 250 is above the approval limit of 100 and needs an approval"
	rules(credit(1000)) == {"tools.over_approval_limit"}
	rules(credit("250.5")) == {"tools.over_approval_limit"}
}

test_credit_above_the_hard_limit_is_denied_not_queued if {
	rules(credit(1000.01)) == {"tools.over_hard_limit"}
	f := finding(credit(5000), "tools.over_hard_limit")
	f.action == "deny"
	contains(f.message, "manual process")
}

test_invalid_amounts_are_refused if {
	rules(credit("a hundred")) == {"tools.invalid_argument"}
	rules(credit(-5)) == {"tools.invalid_argument"}
	rules(credit(0)) == {"tools.invalid_argument"}
	rules(call("issue_credit", {})) == {"tools.invalid_argument"}
	rules(call("issue_credit", "not an object")) == {"tools.invalid_argument"}
}

test_a_new_limit_is_data_not_rego if {
	limits := {"create_ticket": {"argument": "priority", "approval_limit": 2, "hard_limit": 3, "approval": {}}}
	rules(call("create_ticket", {"priority": 3})) == {"tools.over_approval_limit"} with data.charter.config.tools.limits as limits
	count(rules(call("create_ticket", {"priority": 1}))) == 0 with data.charter.config.tools.limits as limits
}

test_tools_are_only_checked_on_tool_calls if {
	count(rules(object.union(call("run_shell", {}), {"stage": "tool_result"}))) == 0
	count(rules(object.union(call("send_email", {}), {"stage": "input"}))) == 0
}

test_held_credit_end_to_end if {
	d := main.decision with input as credit(400)
	d.action == "require_approval"
	d.approval.approvers.roles == ["finance"]
	d.approval.reason == "issue_credit with amount 400 is above the approval limit of 100 and needs an approval"
}
