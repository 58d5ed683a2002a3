# The decision: every finding of the packages relevant to the stage, folded into one
# answer (see DESIGN.md, "Policy decision contract"). Rule packages only emit findings;
# precedence, merging and the output shape live here alone.
package charter.main

import rego.v1

import data.charter.config
import data.charter.lib

# --- which packages speak for which stage -------------------------------------------------

findings contains finding if {
	lib.stage in {"input", "tool_call"}
	some finding in data.charter.privacy.findings
}

findings contains finding if {
	lib.stage == "input"
	some finding in data.charter.topics.findings
}

findings contains finding if {
	lib.stage in {"input", "tool_result"}
	some finding in data.charter.jailbreak.findings
}

findings contains finding if {
	lib.stage == "tool_call"
	some finding in data.charter.tools.findings
}

findings contains finding if {
	lib.stage in {"output", "tool_result"}
	some finding in data.charter.output.findings
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
	not lib.stage in lib.known_stages
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

# --- action: deny > require_approval > redact > allow ------------------------------------

action_names := ["allow", "redact", "require_approval", "deny"]

action_ranks := {name: rank | some rank, name in action_names}

# A finding with a misspelt action counts as deny (fail closed).
rank_of(name) := object.get(action_ranks, name, 3)

default action := "allow"

action := action_names[max({rank_of(f.action) | some f in findings})] if count(findings) > 0

# --- violations: an array, sorted by rule id then message --------------------------------

violation_keys := {key |
	some f in findings
	key := [
		f.rule,
		object.get(f, "message", ""),
		object.get(f, "severity", "medium"),
		object.get(f, "principle", ""),
	]
}

violations := [v |
	some key in sort(violation_keys)
	v := {"rule": key[0], "message": key[1], "severity": key[2], "principle": key[3]}
]

# --- redact: the stricter operator wins (drop > hash > mask > placeholder) ----------------

operator_names := ["placeholder", "mask", "hash", "drop"]

operator_ranks := {name: rank | some rank, name in operator_names}

# An unknown operator is treated as the strictest one (drop): better lose a value than
# leak it because of a typo.
operator_rank(name) := object.get(operator_ranks, name, 3)

redact_types := {t | some f in findings; some t, _ in f.redact}

redact := {t: operator_names[max(ranks)] |
	some t in redact_types
	ranks := {operator_rank(f.redact[t]) | some f in findings; f.redact[t]}
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
	"approvers": {
		"roles": sort({r | some spec in approval_specs; some r in approver_list(spec, "roles")}),
		"users": sort({u | some spec in approval_specs; some u in approver_list(spec, "users")}),
	},
	"min_approvals": max({object.get(spec, "min_approvals", 1) | some spec in approval_specs}),
	"timeout_s": min({object.get(spec, "timeout_s", 3600) | some spec in approval_specs}),
	"on_timeout": on_timeout,
}

escalation := {"escalate_to": {
	"roles": sort({r | some spec in approval_specs; some r in escalation_list(spec, "roles")}),
	"users": sort({u | some spec in approval_specs; some u in escalation_list(spec, "users")}),
}} if on_timeout == "escalate"

default escalation := {}

default approval := null

approval := object.union(merged_approval, escalation) if action == "require_approval"

# --- obligations ---------------------------------------------------------------------------

# Entity types whose placeholders the SDK may put back into the answer shown to the user.
obligations := {"restore_pii": sort(config.restore_pii)}

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
