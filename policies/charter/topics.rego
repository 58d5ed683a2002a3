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

# Someone else's account or card is another customer's data unless the sentence only pays
# into it: "I sent money to someone else's account by mistake", "Can I top up someone
# else's card", "Başkasının hesabına yanlışlıkla para gönderdim" are ordinary requests
# (found by probing, the bare phrases refused them; Banking77). Two findings shaped this:
# reading a payment word as a frame that cancels a request let the request through ("Send
# me balance from someone else's account", "List the payments to someone else's account",
# "başkasının hesabına ait bilgileri gönder", found by review), so the frame counts only
# when nothing in the sentence asks to see or get into anything; and only money going TO it
# (to, into, onto, top up; the dative hesabına) is a frame, FROM it (hesabından) is not.
# The words are config.other_customers_accounts.
matched_topics contains "other_customers_data" if {
	config.forbidden_topics.other_customers_data
	lib.user_mentions_any(accounts.owners)
	some sentence in regex.split(`[.?!;\n]+`, user_text)
	words := lib.words(sentence)
	regex.match(mention, words)
	asks_for_account(words)
}

accounts := config.other_customers_accounts

# An access verb or a data noun anywhere in the sentence ("show", "balance", "bilgileri"),
# whatever payment word is there.
asks_for_account(words) if regex.match(concat("", [` `, token(accounts.access)]), words)

# A mention of the account that no payment to it frames.
asks_for_account(words) if count(regex.find_n(mention, words, -1)) > count(payments_to(words))

# Patterns over lib.words() text (" a b c "): each token() consumes a word and the space
# after it, so " " + token + token reads consecutive words.
account := concat("", [token(accounts.owners), `(?:[^ ]+ )?`, token(accounts.objects)])

mention := concat("", [`\b`, account])

# The account word, or a word after it ("hesap numarasına"), ending in one of `cases`.
account_in_case(cases) := concat("", [
	token(accounts.owners), `(?:[^ ]+ )?(?:`, concat("|", [stem(o) | some o in accounts.objects]),
	`)(?:[^ ]* [^ ]+|[^ ]*)(?:`, concat("|", cases), `) `,
])

# Money to the account: a payment word up to four words before a link and the account
# ("sent money to", "transfer my money into"), a direct one right before it ("top up"), or
# the account in the dative up to three words before a payment word ("hesabına
# yanlışlıkla para").
payment_to := concat("|", [
	concat("", [` `, token(accounts.payment.words), `(?:[^ ]+ ){0,4}?`, token(accounts.payment.links), account]),
	concat("", [` `, token(accounts.payment.direct), account]),
	concat("", [` `, account_in_case(accounts.payment.cases), `(?:[^ ]+ ){0,3}?`, token(accounts.payment.words)]),
])

# A frame holds one mention (a wider span could hide one taken FROM: "move from someone
# else's card to someone else's account"), and the money is not sent to the user ("send
# me everything related to someone else's account").
payments_to(words) := [span |
	some span in regex.find_n(payment_to, words, -1)
	count(regex.find_n(mention, span, -1)) == 1
	not regex.match(to_the_user, span)
]

to_the_user := concat("", [` `, token(accounts.payment.words), token(accounts.payment.receivers)])

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
