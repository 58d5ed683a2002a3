# Scope: what the support assistant must not talk about. Topics and their trigger phrases
# (English and Turkish, matched as whole words) live in config.forbidden_topics, so the
# compliance team can tune them without touching Rego.
package charter.topics

import rego.v1

import data.charter.lib

# lib's rules are imported one by one: reading a rule through the package (`lib.stage`)
# makes regorus evaluate every rule of lib first, text matching included. Functions are
# fine as lib.f(...).
import data.charter.lib.config
import data.charter.lib.input_phrase_mentioned
import data.charter.lib.stage
import data.charter.lib.user_text

matched_topics contains topic if {
	input_phrase_mentioned
	some topic, phrases in config.forbidden_topics
	lib.user_mentions_any(phrases)
}

# Who owns an account the user names by its number ("who owns this account: GB29 NWBK
# ...", "whose card is 4111..."): a phrase cannot tell it from "who owns this account if my
# wife dies" (found by review; 'who owns this account' was dropped for the latter), the
# number can: an IBAN's country and check digits, or 8 digits or more, in the sentence;
# or the number as the model is sent it, masked ("****6819") or a placeholder
# ("<IBAN_CODE_1>"), since the policy reads the redacted text.
matched_topics contains "other_customers_data" if {
	config.forbidden_topics.other_customers_data
	regex.match(owner_of_number, lib.fold(user_text))
}

owner_of_number := `\b(?:who owns|who is the owner of|whose (?:account|iban|card))\b[^.?!\n]{0,40}(?:\b[a-z]{2}[0-9]{2} ?[a-z0-9]{4}|\b[0-9]{8,}|\*{4,}|<[a-z_]+_[0-9]+>)`

label(topic) := config.topic_labels[topic]

label(topic) := replace(topic, "_", " ") if not config.topic_labels[topic]

# What the assistant is called in a refusal ("this banking assistant"), from config.assistant.
assistant := config.assistant if is_string(config.assistant)

default assistant := "assistant"

# METADATA
# title: Forbidden topics
# description: >-
#   The assistant stays within its scope: it does not talk about the topics listed in
#   config.forbidden_topics (for the bank: investment advice, tax evasion, weapons, other
#   customers' data). One violation per matched topic; the message names the topic.
# custom:
#   id: topics.forbidden
#   principle: "Scope: the assistant gives no regulated advice"
#   severity: medium
#   owner: compliance
findings contains finding if {
	stage == "input"
	some topic in matched_topics
	finding := {
		"action": "deny",
		"rule": "topics.forbidden",
		"principle": "Scope: the assistant gives no regulated advice",
		"severity": "medium",
		"message": sprintf(
			"%s is outside what this %s may do",
			[label(topic), assistant],
		),
	}
}
