# What the agent may do, all from data (config.tools), so a new tool is a reviewed data
# change, not Rego: only allow-listed tools run; some always wait for a human; some have a
# numeric argument (an amount, a count) with an approval limit and a hard limit.
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

# METADATA
# title: Tool needs a human approval
# description: >-
#   Tools listed in config.tools.approval_required act on the world in a way that cannot be
#   taken back (sending, deleting, paying). Every call waits for the approvers its entry
#   names; unanswered requests follow the entry's on_timeout.
# custom:
#   id: tools.needs_approval
#   principle: "Human oversight: irreversible or external actions need a reviewer's approval"
#   severity: medium
#   owner: platform-security
findings contains finding if {
	tool_call
	some entry in [config.tools.approval_required[tool_name]]
	finding := {
		"action": "require_approval",
		"rule": "tools.needs_approval",
		"principle": "Human oversight: irreversible or external actions need a reviewer's approval",
		"severity": "medium",
		"message": sprintf("%s needs an approval: %s", [tool_name, entry.reason]),
		"approval": entry.approval,
	}
}

# --- numeric limits ----------------------------------------------------------------------

limit := config.tools.limits[tool_name] if tool_call

value := lib.number(arguments[limit.argument])

valid_value if value > 0

# METADATA
# title: Limited argument must be a positive number
# description: >-
#   A call whose limited argument (config.tools.limits[tool].argument) is missing, zero,
#   negative or not a number cannot be checked against its limits, so it is refused
#   (fail closed).
# custom:
#   id: tools.invalid_argument
#   principle: "Controls: every limited action is checked against its limits"
#   severity: high
#   owner: platform-security
findings contains finding if {
	limit
	not valid_value
	finding := {
		"action": "deny",
		"rule": "tools.invalid_argument",
		"principle": "Controls: every limited action is checked against its limits",
		"severity": "high",
		"message": sprintf(
			"%s needs arguments.%s as a positive number; the call was refused",
			[tool_name, limit.argument],
		),
	}
}

# METADATA
# title: Above the approval limit
# description: >-
#   A limited argument above approval_limit (and up to hard_limit) waits for the approvers
#   the tool's entry names (four-eyes principle).
# custom:
#   id: tools.over_approval_limit
#   principle: "Four-eyes principle: actions above the approval limit need an approval"
#   severity: medium
#   owner: platform-security
findings contains finding if {
	valid_value
	value > limit.approval_limit
	value <= limit.hard_limit
	finding := {
		"action": "require_approval",
		"rule": "tools.over_approval_limit",
		"principle": "Four-eyes principle: actions above the approval limit need an approval",
		"severity": "medium",
		"message": sprintf(
			"%s with %s %v is above the approval limit of %v and needs an approval",
			[tool_name, limit.argument, value, limit.approval_limit],
		),
		"approval": limit.approval,
	}
}

# METADATA
# title: Above the hard limit
# description: >-
#   A limited argument above hard_limit is never acted on by the assistant, with or
#   without approval: it goes through the team's manual process.
# custom:
#   id: tools.over_hard_limit
#   principle: "Controls: actions above the hard limit are never automated"
#   severity: high
#   owner: platform-security
findings contains finding if {
	valid_value
	value > limit.hard_limit
	finding := {
		"action": "deny",
		"rule": "tools.over_hard_limit",
		"principle": "Controls: actions above the hard limit are never automated",
		"severity": "high",
		"message": sprintf(
			"%s with %s %v is above the hard limit of %v; it must go through the manual process",
			[tool_name, limit.argument, value, limit.hard_limit],
		),
	}
}
