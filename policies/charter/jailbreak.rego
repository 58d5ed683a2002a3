# Attempts to subvert the assistant: jailbreaks in the user's message and prompt
# injection hidden in tool results. Scores come from the signal classifiers
# (input.signals, 0..1); thresholds live in config.jailbreak and config.injection.
package charter.jailbreak

import rego.v1

import data.charter.lib

# lib's rules are imported one by one: reading a rule through the package (`lib.stage`)
# makes regorus evaluate every rule of lib first, text matching included. Functions are
# fine as lib.f(...).
import data.charter.lib.config
import data.charter.lib.stage
import data.charter.lib.tool_name

jailbreak_score := lib.signal("jailbreak")

# METADATA
# title: Jailbreak detected
# description: >-
#   The jailbreak classifier is confident the message tries to override the assistant's
#   instructions or safety rules; the message is refused.
# custom:
#   id: jailbreak.detected
#   principle: "Robustness: the assistant resists attempts to override its instructions (OWASP LLM01)"
#   severity: high
#   owner: security
findings contains finding if {
	stage == "input"
	jailbreak_score >= config.jailbreak.deny_threshold
	finding := {
		"action": "deny",
		"rule": "jailbreak.detected",
		"principle": "Robustness: the assistant resists attempts to override its instructions (OWASP LLM01)",
		"severity": "high",
		"message": sprintf(
			"This message looks like an attempt to override the assistant's instructions (jailbreak score %v >= %v), so it was not processed.",
			[lib.two_decimals(jailbreak_score), config.jailbreak.deny_threshold],
		),
	}
}

# METADATA
# title: Jailbreak suspected
# description: >-
#   A middling jailbreak score is not enough to refuse, nor to let through unseen: a
#   security reviewer decides. Unanswered reviews deny.
# custom:
#   id: jailbreak.suspected
#   principle: "Robustness: the assistant resists attempts to override its instructions (OWASP LLM01)"
#   severity: medium
#   owner: security
findings contains finding if {
	stage == "input"
	jailbreak_score >= config.jailbreak.review_threshold
	jailbreak_score < config.jailbreak.deny_threshold
	finding := {
		"action": "require_approval",
		"rule": "jailbreak.suspected",
		"principle": "Robustness: the assistant resists attempts to override its instructions (OWASP LLM01)",
		"severity": "medium",
		"message": sprintf(
			"a security reviewer must confirm this message is not a jailbreak attempt (score %v >= review threshold %v)",
			[lib.two_decimals(jailbreak_score), config.jailbreak.review_threshold],
		),
		"approval": config.jailbreak.review_approval,
	}
}

injection_score := lib.signal("prompt_injection")

# METADATA
# title: Prompt injection in the user's message
# description: >-
#   The injection classifier is confident the message tries to replace the assistant's
#   instructions ("ignore the above and ...", fake system messages, prompt extraction).
#   The message is refused.
# custom:
#   id: injection.input
#   principle: "Robustness: the assistant resists attempts to override its instructions (OWASP LLM01)"
#   severity: high
#   owner: security
findings contains finding if {
	stage == "input"
	injection_score >= config.injection.input_deny_threshold
	finding := {
		"action": "deny",
		"rule": "injection.input",
		"principle": "Robustness: the assistant resists attempts to override its instructions (OWASP LLM01)",
		"severity": "high",
		"message": sprintf(
			"This message looks like an attempt to replace the assistant's instructions (prompt injection score %v >= %v), so it was not processed.",
			[lib.two_decimals(injection_score), config.injection.input_deny_threshold],
		),
	}
}

# The score a tool result is judged by: the classifier's `tool_injection` head, fitted on
# tool results alone, when the signals carry it; otherwise (a model without the head, a
# custom signal set) `prompt_injection` against the older threshold.
tool_result_score := {
	"signal": "tool_injection",
	"score": lib.signal("tool_injection"),
	"threshold": config.injection.tool_result_threshold,
} if {
	is_object(input.signals)
	"tool_injection" in object.keys(input.signals)
} else := {
	"signal": "prompt_injection",
	"score": injection_score,
	"threshold": config.injection.deny_threshold,
}

# METADATA
# title: Prompt injection in a tool result
# description: >-
#   Tool output is data, never instructions. A tool result that the injection classifier
#   scores above the threshold is withheld from the model (indirect prompt injection).
# custom:
#   id: injection.tool_result
#   principle: "Robustness: tool output is data, not instructions (OWASP LLM01 indirect prompt injection)"
#   severity: high
#   owner: security
findings contains finding if {
	stage == "tool_result"
	judged := tool_result_score
	judged.score >= judged.threshold
	finding := {
		"action": "deny",
		"rule": "injection.tool_result",
		"principle": "Robustness: tool output is data, not instructions (OWASP LLM01 indirect prompt injection)",
		"severity": "high",
		"message": sprintf(
			"the result of tool %q contains instructions aimed at the assistant (%s score %v >= %v); it was withheld from the model",
			[tool_name, judged.signal, lib.two_decimals(judged.score), judged.threshold],
		),
	}
}

exfiltration_score := lib.signal("exfiltration")

# METADATA
# title: Data exfiltration planted in a tool result
# description: >-
#   A tool result that asks the assistant to ship the user's data out: a markdown image or
#   link whose query is left for it ("?c=", "{{user.email}}"), an instruction to fill it
#   in, a send-to-address, keeping it from the user. The heuristic's exfiltration cues
#   read it whatever the injection classifier makes of it (a planted "reply footer" image
#   scored tool_injection 0.33, found by probing); the result is withheld from the model.
# custom:
#   id: injection.exfiltration
#   principle: "Robustness: tool output is data, not instructions (OWASP LLM01 indirect prompt injection)"
#   severity: high
#   owner: security
findings contains finding if {
	stage == "tool_result"
	exfiltration_score >= config.injection.exfiltration_threshold
	finding := {
		"action": "deny",
		"rule": "injection.exfiltration",
		"principle": "Robustness: tool output is data, not instructions (OWASP LLM01 indirect prompt injection)",
		"severity": "high",
		"message": sprintf(
			"the result of tool %q asks the assistant to send the user's data out (a link or image left for it, an address, keeping it from the user: exfiltration score %v >= %v); it was withheld from the model",
			[tool_name, lib.two_decimals(exfiltration_score), config.injection.exfiltration_threshold],
		),
	}
}
