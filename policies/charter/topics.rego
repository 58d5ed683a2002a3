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

# Someone else's account or card is another customer's data when the sentence asks to see
# or get into it ("show me someone else's account balance", "log into someone else's
# account", "baskasinin hesabini gorebilir miyim", "baskasinin kartiyla"), not when it is
# where a payment goes or comes from ("I sent money to someone else's account by mistake",
# "Can I top up someone else's card", "Başkasının hesabına yanlışlıkla para gönderdim"):
# found by probing, the bare phrases refused those ordinary requests (Banking77). A payment
# frame with a way in inside it ("money once I log into someone else's account",
# "hesabına girip para") is not one. The words are config.other_customers_accounts.
matched_topics contains "other_customers_data" if {
	config.forbidden_topics.other_customers_data
	lib.user_mentions_any(accounts.owners)
	some sentence in regex.split(`[.?!;\n]+`, user_text)
	words := lib.words(sentence)
	some pattern in account_access
	regex.match(pattern, words)
	not payment_frame(words)
}

accounts := config.other_customers_accounts

# Patterns over lib.words() text (" a b c "): each token() consumes a word and the space
# after it, so " " + token + token reads consecutive words.
account := concat("", [token(accounts.owners), `(?:[^ ]+ )?`, token(accounts.objects)])

# The account word, or a word after it ("hesap numarasina"), ending in one of `cases`.
account_in_case(cases) := concat("", [
	token(accounts.owners), `(?:[^ ]+ )?(?:`, concat("|", [stem(o) | some o in accounts.objects]),
	`)(?:[^ ]* [^ ]+|[^ ]*)(?:`, concat("|", cases), `) `,
])

account_access := [
	# A verb or data noun up to three words before ("show me", "balance of"), one up to two
	# words after ("account balance", "hesabini gorebilir").
	concat("", [` `, token(accounts.access.before), `(?:[^ ]+ ){0,3}`, account]),
	concat("", [` `, account, `(?:[^ ]+ ){0,2}`, token(accounts.access.after)]),
	# Turkish: the instrumental ("kartiyla"), or the dative followed by a way in ("hesabina gir").
	concat("", [` `, account_in_case(accounts.access.cases)]),
	concat("", [` `, account_in_case(accounts.payment.cases), `(?:[^ ]+ ){0,2}`, token(accounts.entry)]),
]

# The shortest span from a payment word to the account ("sent money to someone else's
# account") or from the account in the dative or ablative to a payment word ("hesabina
# yanlislikla para"), so a way in before the payment word is inside the span.
payment_spans := [
	concat("", [` `, token(accounts.payment.words), `(?:[^ ]+ ){0,3}?`, token(accounts.payment.links), account]),
	concat("", [` `, token(accounts.payment.direct), account]),
	concat("", [` `, account_in_case(accounts.payment.cases), `(?:[^ ]+ ){0,3}?`, token(accounts.payment.words)]),
]

payment_frame(words) if {
	some pattern in payment_spans
	some span in regex.find_n(pattern, words, -1)
	not regex.match(concat("", [` `, token(accounts.entry)]), span)
}

# Normalized phrases as one group of whole words and the space after the last one; a
# starred phrase ends in any ending: (?:someone else s|kart[^ ]*) .
token(phrases) := concat("", [`(?:`, concat("|", [word_regex(p) | some p in phrases]), `) `])

word_regex(phrase) := concat("", [stem(phrase), `[^ ]*`]) if endswith(phrase, "*")

else := lib.fold(phrase)

stem(phrase) := lib.fold(trim_suffix(phrase, "*"))

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
