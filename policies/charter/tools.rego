# What the agent may do: only allow-listed tools, refunds within limits, and irreversible
# account actions only with two approvals. Limits and approver roles live in config.tools.
package charter.tools

import rego.v1

import data.charter.lib

# lib's rules are imported one by one: reading a rule through the package (`lib.stage`)
# makes regorus evaluate every rule of lib first, text matching included.
import data.charter.lib.config
import data.charter.lib.stage
import data.charter.lib.tool_name

tool_call if stage == "tool_call"

arguments := input.tool.arguments if is_object(input.tool.arguments)

default arguments := {}

# METADATA
# title: Unknown tool
# description: >-
#   Least privilege: the agent may call only the tools in config.tools.allowed. New tools
#   are added there after review, not discovered at run time.
# custom:
#   id: tools.unknown_tool
#   principle: "Least privilege: the assistant may only call approved tools (OWASP LLM06 excessive agency)"
#   severity: high
#   owner: platform-security
findings contains finding if {
	tool_call
	not tool_name in config.tools.allowed
	finding := {
		"action": "deny",
		"rule": "tools.unknown_tool",
		"principle": "Least privilege: the assistant may only call approved tools (OWASP LLM06 excessive agency)",
		"severity": "high",
		"message": unknown_tool_message,
	}
}

unknown_tool_message := "the tool call names no tool; it was refused" if tool_name == ""

unknown_tool_message := sprintf(
	"tool %q is not allowed for this assistant; add it to config.tools.allowed after review",
	[tool_name],
) if tool_name != ""

# --- calls an answer proposes -----------------------------------------------------------

# METADATA
# title: A call the model may not propose
# description: >-
#   An agent runs the calls the model's answer proposes (input.tool_calls, output stage).
#   Names listed in config.tools.refused_proposals are refused in the answer itself, before
#   any agent loop sees them; with config.tools.proposals_must_be_allowed, so is every
#   name outside config.tools.allowed. Both are off by default.
# custom:
#   id: tools.refused_proposal
#   principle: "Least privilege: the assistant may only call approved tools (OWASP LLM06 excessive agency)"
#   severity: high
#   owner: platform-security
findings contains finding if {
	stage == "output"
	some call in input.tool_calls
	refused_proposal(call.name)
	finding := {
		"action": "deny",
		"rule": "tools.refused_proposal",
		"principle": "Least privilege: the assistant may only call approved tools (OWASP LLM06 excessive agency)",
		"severity": "high",
		"message": sprintf("the answer proposes calling %q, which this assistant may not call", [call.name]),
	}
}

refused_proposal(name) if name in object.get(config.tools, "refused_proposals", [])

refused_proposal(name) if {
	object.get(config.tools, "proposals_must_be_allowed", false) == true
	not name in config.tools.allowed
}

# --- refunds ---------------------------------------------------------------------------

refund_call if {
	tool_call
	tool_name == "issue_refund"
}

amount := lib.number(arguments.amount)

valid_amount if amount > 0

currency := upper(arguments.currency) if is_string(arguments.currency)

# Limits per currency when config.tools.refund.currency_limits has an entry for the
# refund's currency, else the defaults.
limits := config.tools.refund.currency_limits[currency] if {
	config.tools.refund.currency_limits[currency]
} else := {
	"approval_limit": config.tools.refund.approval_limit,
	"hard_limit": config.tools.refund.hard_limit,
}

# METADATA
# title: Refund needs a valid amount
# description: >-
#   A refund whose amount is missing, negative, zero or not a number cannot be checked
#   against the limits, so it is refused (fail closed).
# custom:
#   id: tools.refund_invalid_amount
#   principle: "Financial controls: every refund is checked against its limits"
#   severity: high
#   owner: finance
findings contains finding if {
	refund_call
	not valid_amount
	finding := {
		"action": "deny",
		"rule": "tools.refund_invalid_amount",
		"principle": "Financial controls: every refund is checked against its limits",
		"severity": "high",
		"message": "issue_refund needs arguments.amount as a positive number; the refund was refused",
	}
}

# METADATA
# title: Refund above the approval limit
# description: >-
#   Refunds above config.tools.refund.approval_limit (and up to the hard limit) wait for
#   a finance reviewer (four-eyes principle). Unanswered requests deny.
# custom:
#   id: tools.refund_over_limit
#   principle: "Four-eyes principle: refunds above the approval limit need a finance approval"
#   severity: medium
#   owner: finance
findings contains finding if {
	refund_call
	valid_amount
	amount > limits.approval_limit
	amount <= limits.hard_limit
	finding := {
		"action": "require_approval",
		"rule": "tools.refund_over_limit",
		"principle": "Four-eyes principle: refunds above the approval limit need a finance approval",
		"severity": "medium",
		"message": sprintf(
			"a refund of %v is above the approval limit of %v and needs a finance approval",
			[amount, limits.approval_limit],
		),
		"approval": config.tools.refund.approval,
	}
}

# METADATA
# title: Refund above the hard limit
# description: >-
#   Refunds above config.tools.refund.hard_limit are never issued by the assistant, with
#   or without approval: they go through the bank's manual process.
# custom:
#   id: tools.refund_hard_limit
#   principle: "Financial controls: refunds above the hard limit are never automated"
#   severity: high
#   owner: finance
findings contains finding if {
	refund_call
	valid_amount
	amount > limits.hard_limit
	finding := {
		"action": "deny",
		"rule": "tools.refund_hard_limit",
		"principle": "Financial controls: refunds above the hard limit are never automated",
		"severity": "high",
		"message": sprintf(
			"a refund of %v is above the hard limit of %v; it must go through the manual refund process",
			[amount, limits.hard_limit],
		),
	}
}

# --- account closure -------------------------------------------------------------------

# METADATA
# title: Closing an account needs two approvals
# description: >-
#   Closing an account is irreversible. A support lead and a compliance officer (any two
#   distinct reviewers holding those roles) must approve; if nobody decides in time the
#   request escalates to compliance.
# custom:
#   id: tools.close_account
#   principle: "Four-eyes principle: irreversible account actions need two approvers"
#   severity: medium
#   owner: compliance
findings contains finding if {
	tool_call
	tool_name == "close_account"
	finding := {
		"action": "require_approval",
		"rule": "tools.close_account",
		"principle": "Four-eyes principle: irreversible account actions need two approvers",
		"severity": "medium",
		"message": "closing an account is irreversible and needs two approvals (support lead, compliance)",
		"approval": config.tools.close_account.approval,
	}
}
