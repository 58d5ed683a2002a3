# The decision: every finding of the packages relevant to the stage, folded into one
# answer (see DESIGN.md, "Policy decision contract"). Rule packages only emit findings;
# precedence, merging and the output shape live here alone.
package charter.main

import rego.v1


# lib's rules are imported one by one: reading a rule through the package (`lib.stage`)
# makes regorus evaluate every rule of lib first, text matching included.
import data.charter.lib.config
import data.charter.lib.stage

# --- which packages speak for which stage -------------------------------------------------

# What the rule packages relevant to the stage ask for. They become `findings` below, where
# a `revise` outside the output stage turns into a deny.

asked contains finding if {
	stage in {"input", "tool_call"}
	some finding in data.charter.privacy.findings
}

asked contains finding if {
	stage == "input"
	some finding in data.charter.topics.findings
}

asked contains finding if {
	stage in {"input", "tool_result"}
	some finding in data.charter.jailbreak.findings
}

asked contains finding if {
	stage in {"tool_call", "output"} # output: the calls an answer proposes
	some finding in data.charter.tools.findings
}

asked contains finding if {
	stage in {"output", "tool_result"}
	some finding in data.charter.output.findings
}

asked contains finding if {
	stage in {"input", "output"}
	some finding in data.charter.harm.findings
}

# A revision rewrites the model's answer, so only the output stage can revise. Anywhere else
# (a prompt, a tool call, a tool result) a `revise` finding is enforced as a deny of the same
# rule: fail closed rather than let the text through unrevised.
revise_elsewhere(finding) if {
	finding.action == "revise"
	stage != "output"
}

findings contains finding if {
	some finding in asked
	not revise_elsewhere(finding)
}

findings contains denied if {
	some finding in asked
	revise_elsewhere(finding)
	denied := object.union(finding, {
		"action": "deny",
		"message": concat("", [
			object.get(finding, "message", ""),
			" (only the model's answer can be revised, so this is denied)",
		]),
	})
}

# --- the input contract ------------------------------------------------------------------

# METADATA
# title: Unsupported input schema
# description: >-
#   This bundle understands input schema 1. A different version means the SDK and the
#   policy disagree about field meanings, so nothing is allowed until they match.
# custom:
#   id: charter.unsupported_schema
#   principle: "Fail closed: input the policy does not understand is denied"
#   severity: high
#   owner: platform-security
findings contains finding if {
	object.get(input, "schema", 1) != 1
	finding := {
		"action": "deny",
		"rule": "charter.unsupported_schema",
		"principle": "Fail closed: input the policy does not understand is denied",
		"severity": "high",
		"message": "the input's schema version is not supported by this policy bundle (it reads schema 1); upgrade the bundle or the SDK so they match",
	}
}

# METADATA
# title: Unknown stage
# description: >-
#   A stage the bundle has no rules for would otherwise pass unchecked.
# custom:
#   id: charter.unknown_stage
#   principle: "Fail closed: input the policy does not understand is denied"
#   severity: high
#   owner: platform-security
findings contains finding if {
	not stage in {"input", "output", "tool_call", "tool_result"}
	finding := {
		"action": "deny",
		"rule": "charter.unknown_stage",
		"principle": "Fail closed: input the policy does not understand is denied",
		"severity": "high",
		"message": "the input's stage is not one of input, output, tool_call, tool_result; fix the caller",
	}
}

# The JSON type each top-level field must have when present. A field of the wrong type
# would make the rules read it as absent, so the request is refused instead.
field_types := {
	"schema": "number", "stage": "string", "app": "string", "tenant": "string",
	"environment": "string", "user": "object", "model": "object", "text": "string",
	"pii": "array", "signals": "object", "tool": "object", "metadata": "object",
	"grounding": "object",
}

malformed_fields contains name if {
	some name, expected in field_types
	type_name(input[name]) != expected
}

malformed_descriptions := [sprintf("%s (expected %s)", [name, field_types[name]]) |
	some name in sort(malformed_fields)
]

# METADATA
# title: Malformed input
# description: >-
#   A field of the wrong type (for example `pii` as a string) cannot be checked, so the
#   request is refused with the names of the fields to fix. The SDK's PolicyInput always
#   produces well-formed input; this protects hand-built inputs.
# custom:
#   id: charter.malformed_input
#   principle: "Fail closed: input the policy does not understand is denied"
#   severity: high
#   owner: platform-security
findings contains finding if {
	count(malformed_fields) > 0
	finding := {
		"action": "deny",
		"rule": "charter.malformed_input",
		"principle": "Fail closed: input the policy does not understand is denied",
		"severity": "high",
		"message": sprintf(
			"input fields with the wrong JSON type: %s; see the policy input schema 1",
			[concat(", ", malformed_descriptions)],
		),
	}
}

# --- action: deny > require_approval > revise > redact > allow ---------------------------

# The actions the findings ask for (a finding without an action asks for none).
finding_actions := {f.action | some f in findings}

# The strictest action asked for. A misspelt action counts as deny (fail closed). Revise
# ranks below a hold and a deny (rewording meets neither) and above redact (the revision is
# checked again, so the draft's redactions are moot).
default action := "allow"

action := "deny" if {
	count(finding_actions - {"allow", "redact", "revise", "require_approval"}) > 0
} else := "require_approval" if {
	"require_approval" in finding_actions
} else := "revise" if {
	"revise" in finding_actions
} else := "redact" if {
	"redact" in finding_actions
}

# --- violations: an array, sorted by rule id then message --------------------------------

# Each names the action its finding asked for, so a refusal gives the reason of a finding at
# the decision's action: sorted by rule id, a redaction or a logged finding came first and a
# forbidden topic was refused "because of" an email address (found by probing).
violations := [v |
	some key in sort({[
		f.rule,
		object.get(f, "message", ""),
		object.get(f, "severity", "medium"),
		object.get(f, "principle", ""),
		object.get(f, "action", ""),
	] | some f in findings})
	v := {"rule": key[0], "message": key[1], "severity": key[2], "principle": key[3], "action": key[4]}
]

# --- redact: the stricter operator wins (drop > hash > mask > placeholder) ----------------

# The strictest of the operators asked for one entity type (an `else` chain: the first
# that holds wins). An unknown operator counts as drop: better lose a value than leak it
# because of a typo.
strictest(operators) := "drop" if {
	count(operators - {"placeholder", "mask", "hash"}) > 0
} else := "hash" if {
	"hash" in operators
} else := "mask" if {
	"mask" in operators
} else := "placeholder" if {
	"placeholder" in operators
}

redact := {t: strictest({g.redact[t] | some g in findings; g.redact[t]}) |
	some f in findings
	some t, _ in f.redact
}

# --- approval: the union of what every approval finding asks for --------------------------

approval_findings := [f | some f in findings; f.action == "require_approval"]

approval_specs := [object.get(f, "approval", {}) | some f in approval_findings]

approver_list(spec, kind) := object.get(spec, ["approvers", kind], [])

escalation_list(spec, kind) := object.get(spec, ["escalate_to", kind], [])

# Escalate on timeout only when every finding agrees; otherwise a timeout denies.
on_timeout := "escalate" if {
	every spec in approval_specs {
		spec.on_timeout == "escalate"
	}
}

default on_timeout := "deny"

merged_approval := {
	"reason": concat("; ", sort({f.message | some f in approval_findings})),
	"rules": sort({f.rule | some f in approval_findings}),
	"approvers": {
		"roles": sort({r | some spec in approval_specs; some r in approver_list(spec, "roles")}),
		"users": sort({u | some spec in approval_specs; some u in approver_list(spec, "users")}),
	},
	"min_approvals": max({object.get(spec, "min_approvals", 1) | some spec in approval_specs}),
	"timeout_s": min({object.get(spec, "timeout_s", 3600) | some spec in approval_specs}),
	"on_timeout": on_timeout,
	"requirements": requirements,
}

# Each approval finding's own approvers and count: every one must be met, so one approval
# from either group of two holding rules does not release the call (found by probing).
requirements := [{
	"rule": f.rule,
	"approvers": {
		"roles": sort({r | some r in approver_list(object.get(f, "approval", {}), "roles")}),
		"users": sort({u | some u in approver_list(object.get(f, "approval", {}), "users")}),
	},
	"min_approvals": object.get(f, ["approval", "min_approvals"], 1),
} |
	some f in approval_findings
]

escalation := {"escalate_to": {
	"roles": sort({r | some spec in approval_specs; some r in escalation_list(spec, "roles")}),
	"users": sort({u | some spec in approval_specs; some u in escalation_list(spec, "users")}),
}} if on_timeout == "escalate"

default escalation := {}

default approval := null

approval := object.union(merged_approval, escalation) if action == "require_approval"

# --- revise: every critique, and the fewest rounds any rule allows -------------------------

revise_findings := [f | some f in findings; f.action == "revise"]

# One critique per rule (sorted by rule id): the principle, and the instruction the model is
# given to revise its draft (the finding's message when the rule gives none).
critiques := [c |
	some key in sort({[f.rule, object.get(f, "principle", ""), revise_instruction(f)] |
		some f in revise_findings
	})
	c := {"rule": key[0], "principle": key[1], "instruction": key[2]}
]

revise_instruction(f) := object.get(f, ["revise", "instruction"], object.get(f, "message", ""))

default revise := null

revise := {
	"critiques": critiques,
	"max_rounds": min({object.get(f, ["revise", "max_rounds"], 1) | some f in revise_findings}),
} if action == "revise"

# --- obligations: what the SDK must do with the decision ------------------------------------

# A supportive message with help resources (self-harm), for the refusal to show instead of
# a bare "can't help". The first by category name when several findings carry one.
supports := [s | some key in sort({f.support.category | some f in findings; f.support})
	some f in findings
	f.support.category == key
	s := f.support
]

# Entity types whose placeholders the SDK may put back into the answer shown to the user.
base_obligations := {"restore_pii": sort(config.restore_pii)}

obligations := object.union(base_obligations, {"support": supports[0]}) if {
	count(supports) > 0
} else := base_obligations

# --- the decision --------------------------------------------------------------------------

# METADATA
# title: Charter decision
# description: >-
#   The one rule the SDK evaluates. Always defined: when a part cannot be computed (for
#   example the bundle's data is missing) the default denies.
# custom:
#   fail_open: false
#   owner: platform-security
decision := {
	"action": action,
	"violations": violations,
	"redact": redact,
	"approval": approval,
	"revise": revise,
	"obligations": obligations,
}

default decision := {
	"action": "deny",
	"violations": [{
		"rule": "charter.incomplete_decision",
		"principle": "Fail closed: an unevaluable policy denies",
		"severity": "high",
		"message": "the decision could not be computed; check that the bundle's data.json is loaded",
	}],
	"redact": {},
	"approval": null,
	"obligations": {},
}
