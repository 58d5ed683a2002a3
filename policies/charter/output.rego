# What comes back: the model's answer (output) and what tools return (tool_result). The
# answer must not leak the system prompt, and personal data in it is redacted.
package charter.output

import rego.v1

import data.charter.lib

# lib's rules are imported one by one: reading a rule through the package (`lib.stage`)
# makes regorus evaluate every rule of lib first, text matching included. Functions are
# fine as lib.f(...).
import data.charter.lib.config
import data.charter.lib.pii_types
import data.charter.lib.stage
import data.charter.lib.text

# Canaries are unique tokens planted in the system prompt: seeing one in an answer proves
# a leak. Matched as case-insensitive substrings.
canary_leaked if {
	some canary in config.output.system_prompt_canaries
	contains(lower(text), lower(canary))
}

leak_phrase_used if {
	lib.mentions_any(config.output.leak_phrases)
}

leaks_system_prompt if canary_leaked

leaks_system_prompt if leak_phrase_used

# METADATA
# title: System prompt leak
# description: >-
#   The answer contains a canary token planted in the system prompt, or says "my system
#   prompt is ..." and the like. The answer is withheld: system instructions can reveal
#   internal procedures and help attackers craft jailbreaks.
# custom:
#   id: output.system_prompt_leak
#   principle: "Confidentiality: system instructions are never disclosed (OWASP LLM07)"
#   severity: critical
#   owner: security
findings contains finding if {
	stage == "output"
	leaks_system_prompt
	finding := {
		"action": "deny",
		"rule": "output.system_prompt_leak",
		"principle": "Confidentiality: system instructions are never disclosed (OWASP LLM07)",
		"severity": "critical",
		"message": "the answer appears to reveal the assistant's system instructions; it was withheld",
	}
}

stage_nouns := {"output": "answer", "tool_result": "tool result"}

redactable := {t | some t in pii_types; config.redact_operators[t]}

# METADATA
# title: Personal data in an answer or tool result
# description: >-
#   Personal data the model or a tool produced (not restored placeholders) is redacted
#   with the operators in config.redact_operators before anyone sees it, so an answer
#   never discloses another person's details by accident.
# custom:
#   id: output.pii_in_answer
#   principle: "GDPR art. 5(1)(f) integrity and confidentiality"
#   severity: medium
#   owner: privacy-office
findings contains finding if {
	stage in {"output", "tool_result"}
	count(redactable) > 0
	finding := {
		"action": "redact",
		"rule": "output.pii_in_answer",
		"principle": "GDPR art. 5(1)(f) integrity and confidentiality",
		"severity": "medium",
		"message": sprintf("personal data (%s) in the %s is redacted", [
			concat(", ", sort(redactable)),
			stage_nouns[stage],
		]),
		"redact": {t: config.redact_operators[t] | some t in redactable},
	}
}
