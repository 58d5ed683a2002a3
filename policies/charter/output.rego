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
# a leak. Matched as case-insensitive substrings of the text, and of what a reader sees of
# it (`input.folded_text`, the SDK's: invisible characters dropped, look-alike and
# full-width letters as Latin, lowercased, and the payloads it decodes, base64, hex or
# reversed text, a line each) as its letters and digits alone (a token spaced out, one
# character per line, in Markdown bold), forward or reversed; and as base64 or hex of the whole token in the
# text. A canary is a random token (written in ASCII): these other forms are looked for
# only for one of 8 characters or more, which no ordinary answer spells by accident.
canary_leaked if {
	some canary in config.output.system_prompt_canaries
	contains(lower(text), lower(canary))
}

canary_leaked if {
	some canary in config.output.system_prompt_canaries
	some form in canary_forms(canary)
	contains(seen_squeezed, form)
}

canary_leaked if {
	some canary in config.output.system_prompt_canaries
	count(canary) >= 8
	squeezed := regex.replace(text, `\s+`, "")
	some form in {trim_right(base64.encode(canary), "="), trim_right(base64url.encode(canary), "=")}
	contains(squeezed, form)
}

canary_leaked if {
	some canary in config.output.system_prompt_canaries
	count(canary) >= 8
	contains(lower(regex.replace(text, `[\s:]+`, "")), hex.encode(canary))
}

# Letters and digits only, on both sides: Markdown (`**CHARTER**-**CANARY**`), spaces or
# other dashes for the token's hyphens hid it as well as spacing did (found by review).
canary_forms(canary) := {token, strings.reverse(token)} if {
	token := regex.replace(lower(canary), `[^a-z0-9]`, "")
	count(token) >= 8
}

# `input.folded_text` as its letters and digits alone (absent for an input without it: an
# older SDK, a hand-built input; the text is then read as written).
seen_squeezed := regex.replace(input.folded_text, `[^a-z0-9]`, "") if is_string(input.folded_text)

leak_phrase_used if {
	lib.mentions_any(config.output.leak_phrases)
}

# The phrases in what a reader sees: "my sys\u200btem prompt is" is "my system prompt is".
leak_phrase_used if {
	count(config.output.leak_phrases) > 0
	is_string(input.folded_text)
	regex.match(lib.phrase_pattern(concat(" |", config.output.leak_phrases)), lib.words(input.folded_text))
}

# An answer that announces its instructions and lists them: "Here are my instructions:
# You are ...", "My instructions are as follows: 1. ...", "Talimatlarım şöyle: Sen ..."
# (found by review: they passed once 'my instructions' of a recipe stopped counting). The
# list must follow at once, a colon or "as follows" right after the words, so "here are my
# instructions for the brisket:" and "my instructions are simple:" stay how-tos; the
# Turkish one opens its sentence, so "Kek tarifi için talimatlarım şöyle:" stays a recipe.
leak_phrase_used if regex.match(instructions_listed, lib.fold(text))

instructions_listed := `(?:\b(?:here (?:are|is) my|my) (?:instructions|rules|system prompt)(?: are| is)?(?: *:| as follows)|(?:^|[.!?\n] *)talimatlarim (?:soyle|sunlar|sunlardir) *:)`

leaks_system_prompt if canary_leaked

leaks_system_prompt if leak_phrase_used

# METADATA
# title: System prompt leak
# description: >-
#   The answer contains a canary token planted in the system prompt, or says "my system
#   prompt is ..." and the like, as written or as a reader sees it (invisible characters,
#   look-alike letters, spaced out, reversed, base64 or hex). The answer is withheld:
#   system instructions can reveal internal procedures and help attackers craft jailbreaks.
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

# --- revise: answers the model is asked to rewrite against a principle -----------------------

# The principles, critique instructions, thresholds and round budget of the revise rules
# (policies/charter/revise/data.json, reviewed in git like the rules).
revising := data.charter.revise

# A finding that asks the guard to have the model revise its answer against the rule's
# principle, with the rule's critique instruction (the message when the data gives none).
# Only the output stage revises; main turns a revise anywhere else into a deny.
revise_finding(rule, severity, message) := {
	"action": "revise",
	"rule": rule,
	"principle": object.get(revising.critiques, [rule, "principle"], ""),
	"severity": severity,
	"message": message,
	"revise": {
		"instruction": object.get(revising.critiques, [rule, "instruction"], message),
		"max_rounds": object.get(revising, "max_rounds", 1),
	},
}

promise_pattern := lib.phrase_pattern(concat(" |", revising.unqualified_promise.phrases))

# A promise phrase the negation governs is a disclaimer: "no return is guaranteed", "no
# investment is completely risk free", "there is no such thing as zero risk" (found by
# probing: those were withheld). The negation must reach the phrase within its clause:
# only a determiner or adverb ("no such thing as"), or a subject with is/are ("no
# investment is"), between them. A negation of something else passed the promise after it
# ("No worries, your return is guaranteed", "Nothing beats it: guaranteed returns", "not
# only is it guaranteed to double": found by review). Negated phrases are cut out of each
# clause's words and the rest must still promise; Rust's regex has no look-behind.
negated_promise := concat("", [
	` (?:no|not|nothing|never|none|neither|nor|without|cannot|can t|isn t|aren t|won t)`,
	`(?: (?:investment|product|fund|plan|bond|loan|return|outcome|result|account|deposit|one|thing)s? (?:that |which )?(?:is|are))?`,
	`(?: (?:a|an|the|any|such|thing|things|as|really|truly|completely|absolutely|always|ever|be|is|are|it)){0,3}`,
	promise_pattern,
])

promise_not_negated if {
	some clause in regex.split(`[,;:.!?()\n\x{2013}\x{2014}]+`, text)
	regex.match(promise_pattern, regex.replace(lib.words(clause), negated_promise, " "))
}

# METADATA
# title: An unqualified promise in the answer
# description: >-
#   The answer promises an outcome nobody can guarantee ("your loan will definitely be
#   approved", "guaranteed returns"). The model is asked to revise its answer against the
#   principle; an answer that still promises after the allowed rounds is withheld. A
#   phrase list of promised outcomes (returns, profit, approval), so a promise in other
#   words passes and a quoted phrase can trip it; a phrase its negation governs, in the
#   same clause ("no return is guaranteed"), is a disclaimer, not a promise.
# custom:
#   id: output.unqualified_promise
#   principle: "Honesty: no promise of an outcome nobody can guarantee (fair, clear and not misleading)"
#   severity: medium
#   owner: compliance
findings contains finding if {
	stage == "output"
	lib.mentions_any(revising.unqualified_promise.phrases)
	promise_not_negated
	finding := revise_finding(
		"output.unqualified_promise",
		"medium",
		"the answer promises an outcome that cannot be guaranteed",
	)
}

# METADATA
# title: An answer the retrieved passages do not support
# description: >-
#   For a RAG call (`charter.context(retrieved=[...])`) the SDK scores how many of the
#   answer's sentences find no support in the retrieved passages (`input.grounding`, a
#   word-overlap heuristic: it misses a negation that reuses the sources' words). Above the
#   threshold the model is asked to answer from the sources only. Absent without passages.
# custom:
#   id: output.ungrounded
#   principle: "Honesty: an answer built on retrieved sources says only what they support"
#   severity: medium
#   owner: compliance
findings contains finding if {
	stage == "output"
	grounding := input.grounding
	grounding.sentences >= revising.ungrounded.min_sentences
	grounding.unsupported > revising.ungrounded.max_unsupported
	finding := revise_finding(
		"output.ungrounded",
		"medium",
		sprintf(
			"%d of %d sentences of the answer have no support in the retrieved passages",
			[grounding.unsupported_sentences, grounding.sentences],
		),
	)
}
