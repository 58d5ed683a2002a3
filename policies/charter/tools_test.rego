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

refund(amount) := call("issue_refund", {"amount": amount, "currency": "EUR"})

rules(inp) := {f.rule | some f in tools.findings with input as inp}

finding(inp, rule) := f if {
	some f in tools.findings with input as inp
	f.rule == rule
}

test_allowed_tool_passes if {
	count(rules(call("get_balance", {"account": "<IBAN_CODE_1>"}))) == 0
}

test_unknown_tool_is_denied_and_named if {
	f := finding(call("transfer_money", {"amount": 10}), "tools.unknown_tool")
	f.action == "deny"
	contains(f.message, "transfer_money")
}

test_tool_call_without_a_name_is_denied if {
	f := finding({"stage": "tool_call", "tool": {"arguments": {}}}, "tools.unknown_tool")
	contains(f.message, "names no tool")
	"tools.unknown_tool" in rules({"stage": "tool_call"})
}

test_small_refund_passes if {
	count(rules(refund(120))) == 0
	count(rules(refund(500))) == 0
}

test_refund_above_approval_limit_needs_finance if {
	f := finding(refund(750), "tools.refund_over_limit")
	f.action == "require_approval"
	f.approval.approvers.roles == ["finance"]
	f.approval.min_approvals == 1
	f.approval.timeout_s == 3600
	f.approval.on_timeout == "deny"
	contains(f.message, "750")
	rules(refund(500.01)) == {"tools.refund_over_limit"}
	rules(refund(10000)) == {"tools.refund_over_limit"}
}

test_refund_above_hard_limit_is_denied_not_queued if {
	rules(refund(10000.5)) == {"tools.refund_hard_limit"}
	f := finding(refund(25000), "tools.refund_hard_limit")
	f.action == "deny"
	contains(f.message, "manual refund process")
}

test_amount_as_decimal_string_is_understood if {
	rules(refund("750.50")) == {"tools.refund_over_limit"}
	count(rules(refund("99"))) == 0
}

test_invalid_amounts_are_refused if {
	rules(refund("seven hundred")) == {"tools.refund_invalid_amount"}
	rules(refund(-50)) == {"tools.refund_invalid_amount"}
	rules(refund(0)) == {"tools.refund_invalid_amount"}
	rules(refund("-50")) == {"tools.refund_invalid_amount"}
	rules(call("issue_refund", {})) == {"tools.refund_invalid_amount"}
	rules(call("issue_refund", "not an object")) == {"tools.refund_invalid_amount"}
}

test_currency_limits_override_the_defaults if {
	limits := {"TRY": {"approval_limit": 15000, "hard_limit": 300000}}
	count(rules(call("issue_refund", {"amount": 9000, "currency": "try"}))) == 0
		with data.charter.config.tools.refund.currency_limits as limits
	rules(call("issue_refund", {"amount": 9000, "currency": "EUR"})) == {"tools.refund_over_limit"}
		with data.charter.config.tools.refund.currency_limits as limits
}

test_closing_an_account_needs_two_approvals_and_escalates if {
	f := finding(call("close_account", {"account": "<IBAN_CODE_1>"}), "tools.close_account")
	f.action == "require_approval"
	f.approval.approvers.roles == ["support_lead", "compliance"]
	f.approval.min_approvals == 2
	f.approval.on_timeout == "escalate"
	f.approval.escalate_to.roles == ["compliance"]
}

test_tools_are_only_checked_on_tool_calls if {
	count(rules(object.union(call("transfer_money", {}), {"stage": "tool_result"}))) == 0
}

test_refund_over_limit_end_to_end if {
	d := main.decision with input as call("issue_refund", {"amount": 1200})
	d.action == "require_approval"
	d.approval.approvers.roles == ["finance"]
	d.approval.reason == "a refund of 1200 is above the approval limit of 500 and needs a finance approval"
}

answer_proposing(names) := {
	"schema": 1,
	"stage": "output",
	"app": "support-bot",
	"user": {"id": "u-7f3a", "roles": ["customer"]},
	"model": {"provider": "openai", "name": "gpt-4o"},
	"text": "On it.",
	"pii": [],
	"signals": {"jailbreak": 0.01},
	"tool_calls": [{"name": n} | some n in names],
}

test_proposed_calls_pass_by_default if {
	count(rules(answer_proposing(["delete_everything", "get_balance"]))) == 0
}

test_a_refused_proposal_is_denied_and_named if {
	f := finding(answer_proposing(["get_balance", "close_account"]), "tools.refused_proposal") with data.charter.config.tools.refused_proposals as ["close_account"]
	f.action == "deny"
	contains(f.message, "close_account")
}

test_proposals_can_be_held_to_the_allow_list if {
	inp := answer_proposing(["get_balance", "transfer_money"])
	f := finding(inp, "tools.refused_proposal") with data.charter.config.tools.proposals_must_be_allowed as true
	contains(f.message, "transfer_money")
	count(rules(answer_proposing(["get_balance"]))) == 0 with data.charter.config.tools.proposals_must_be_allowed as true
}

test_proposals_are_read_on_the_output_stage_only if {
	inp := object.union(answer_proposing(["close_account"]), {"stage": "input"})
	count(rules(inp)) == 0 with data.charter.config.tools.refused_proposals as ["close_account"]
}

test_a_refused_proposal_denies_the_answer if {
	d := main.decision with input as answer_proposing(["close_account"])
		with data.charter.config.tools.refused_proposals as ["close_account"]
	d.action == "deny"
	"tools.refused_proposal" in {v.rule | some v in d.violations}
}
