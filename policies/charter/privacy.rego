# Personal data sent to the model: national identifiers never leave for an external
# provider, other PII is minimised by redaction, and special-category data is refused.
# Runs on what the user (input) or the agent (tool_call) is about to send to the model.
package charter.privacy

import rego.v1

import data.charter.lib

# lib's rules are imported one by one: reading a rule through the package (`lib.stage`)
# makes regorus evaluate every rule of lib first, text matching included. Functions are
# fine as lib.f(...).
import data.charter.lib.config
import data.charter.lib.external_provider
import data.charter.lib.input_phrase_mentioned
import data.charter.lib.pii_types
import data.charter.lib.provider_named
import data.charter.lib.stage

outbound_to_external if {
	stage in {"input", "tool_call"}
	external_provider
}

national_ids := {t | some t in pii_types; t in config.national_id_types}

# METADATA
# title: No national identifiers to external model providers
# description: >-
#   National identifiers (TC kimlik, US SSN, EU and UK national numbers, passports; the
#   list is config.national_id_types) identify a person for life and are the key to
#   identity fraud. They are never sent to a third-party model provider; the
#   request is refused so the customer can remove the number or reach a human agent.
# custom:
#   id: privacy.national_id_external
#   principle: "KVKK art. 9 / GDPR art. 44: no national identifiers to external processors"
#   severity: high
#   owner: privacy-office
findings contains finding if {
	outbound_to_external
	count(national_ids) > 0
	finding := {
		"action": "deny",
		"rule": "privacy.national_id_external",
		"principle": "KVKK art. 9 / GDPR art. 44: no national identifiers to external processors",
		"severity": "high",
		"message": sprintf(
			"Please don't share national ID numbers (%s) here: this assistant uses an external AI provider%s. Remove the number, or ask for a human agent for identity matters.",
			[concat(", ", sort(national_ids)), provider_named],
		),
	}
}

redactable := {t |
	some t in pii_types
	config.redact_operators[t]
	not t in config.national_id_types
}

# METADATA
# title: Minimise personal data sent to external model providers
# description: >-
#   E-mail addresses, phone numbers, names, card numbers, IBANs and similar entities are
#   replaced (placeholder, mask, hash or drop, per config.redact_operators) before the
#   text reaches an external provider. Placeholders are restored in the answer where
#   config.restore_pii allows.
# custom:
#   id: privacy.pii_external
#   principle: "GDPR art. 5(1)(c) data minimisation"
#   severity: medium
#   owner: privacy-office
findings contains finding if {
	outbound_to_external
	count(redactable) > 0
	finding := {
		"action": "redact",
		"rule": "privacy.pii_external",
		"principle": "GDPR art. 5(1)(c) data minimisation",
		"severity": "medium",
		"message": sprintf(
			"personal data (%s) is redacted before it is sent to the external AI provider%s",
			[concat(", ", sort(redactable)), provider_named],
		),
		"redact": {t: config.redact_operators[t] | some t in redactable},
	}
}

unread_attachments contains attachment.kind if {
	some attachment in object.get(input, "attachments", [])
	not attachment.read
}

# METADATA
# title: No attachments the guard cannot read to external model providers
# description: >-
#   A PDF statement, an office file or a photographed ID card reaches the model as it
#   came: the guard reads text, so it cannot minimise what such a file holds. Attachments
#   of the kinds in config.unread_attachments_denied (image, audio, video, file) that it
#   could not read are not sent to an external provider. Text files handed over inline
#   are read and redacted like the user's own words, so they pass.
# custom:
#   id: privacy.unread_attachment
#   principle: "GDPR art. 5(1)(c) / KVKK art. 4: only data that was minimised leaves for an external processor"
#   severity: medium
#   owner: privacy-office
findings contains finding if {
	stage == "input"
	external_provider
	denied := {kind | some kind in unread_attachments; kind in config.unread_attachments_denied}
	count(denied) > 0
	finding := {
		"action": "deny",
		"rule": "privacy.unread_attachment",
		"principle": "GDPR art. 5(1)(c) / KVKK art. 4: only data that was minimised leaves for an external processor",
		"severity": "medium",
		"message": sprintf(
			"This assistant cannot check attached %s for personal data before they reach the external AI provider%s. Please paste the text instead, or ask for a human agent.",
			[concat(", ", [sprintf("%ss", [k]) | some k in sort(denied)]), provider_named],
		),
	}
}

special_categories contains replace(category, "_", " ") if {
	input_phrase_mentioned
	some category, phrases in config.special_categories
	lib.user_mentions_any(phrases)
}

# A disclosure in other words than the phrase lists: a first-person (or a relative's) cue a
# few words before a topic term, "I have breast cancer", "I'm seven months pregnant", "As
# a Jewish customer", "here is my face scan"; in Turkish the term and, within a word, a
# first-person form after it, "Müslüman biriyim", "Hamile olduğum için", "Depresyon
# ilaçları kullanıyorum" (found by review: exact phrases missed the words in between).
# The term alone stays a topic ("How is HIV transmitted?", "the Great Depression", "Ocağın
# alevi söndü"), and so does a cue after it ("a depression ... for my savings").
special_categories contains replace(category, "_", " ") if {
	lib.user_mentions_any(disclosure_terms)
	some category, terms in config.special_category_terms
	lib.user_mentions_any(category_terms(terms))
	some pattern in disclosure_patterns(terms)
	regex.match(pattern, disclosure_words)
}

# Pre-checks: most texts name no term, and the disclosure patterns (a cue, up to two
# words, a term) cost ~1.1 ms an evaluation without them (the bench's input: 1,627 -> 549
# us a raw RVM evaluation). The words a pattern reads are the user's words with a phrase
# taken out, so a term it finds is in the user's words too.
disclosure_terms := [t | some terms in config.special_category_terms; some t in category_terms(terms)]

category_terms(terms) := array.concat(object.get(terms, "en", []), object.get(terms, "tr", []))

# "I have a question about cancer" asks; it discloses nothing.
disclosure_words := regex.replace(
	lib.user_words,
	` (?:have|ve got|got) (?:a |any |some )?(?:question|questions|query|queries) `,
	" - ",
)

disclosure_patterns(terms) := {p |
	some p in [
		concat("", [`(?:`, disclosure_cues[terms.cues], `)`, term_group(object.get(terms, "en", []))]),
		concat("", [term_group(object.get(terms, "tr", [])), `(?:[^ ]+ )?[^ ]*(?:im|um|imi|umu|ima|uma) `]),
	]
	not contains(p, "(?:)")
}

# Terms as one group of whole words, a starred one as a stem: ` (?:cancer|parmak izim[^ ]*) `.
term_group(terms) := concat("", [` (?:`, concat("|", [term_regex(t) | some t in terms]), `) `])

term_regex(term) := concat("", [lib.fold(trim_suffix(term, "*")), `[^ ]*`]) if endswith(term, "*")

else := lib.fold(term)

# Who the data is about, then up to two words ("a practising", "seven months"): the
# customer, or for a condition a relative ("my wife has"). A possessive takes one word
# ("my breast cancer", "my face scan"), so "my sign is Cancer" is not one.
disclosure_cues := {
	"condition": concat("", [
		`(?: i m| i am| i have| i ve got| i suffer from| i suffer with| i live with| i m living with`,
		`| i was diagnosed with| i ve been diagnosed with| i take| i m taking| i m on| i am on`,
		`| (?:he|she|wife|husband|son|daughter|mother|father|mum|mom|dad|partner|child)`,
		` (?:has|is|s|suffers from|was diagnosed with))(?: [^ ]+){0,2}|(?: my| his| her)(?: [^ ]+)?`,
	]),
	"identity": `(?: i m| i am| as a| as an| i m a member of| i am a member of)(?: [^ ]+){0,2}`,
	"membership": `(?: i m| i am| i pay| as a| i m a member of| i am a member of| my)(?: [^ ]+){0,2}`,
	"possession": `(?: my| his| her)(?: [^ ]+)?`,
}

# METADATA
# title: No special-category data to external model providers
# description: >-
#   Health, religion, ethnicity, political opinions, sexual orientation, biometric and
#   genetic data and trade-union membership need explicit consent and extra safeguards.
#   The chat is not the place for them: the customer is asked not to share such details
#   and pointed to a human agent. Matched by phrase lists (English and Turkish) in
#   config.special_categories that say the data is a person's own, mostly the customer's
#   ("I have diabetes", "my diagnosis", "Müslümanım", "she is pregnant"), and by a
#   first-person cue a few words before a term of config.special_category_terms ("I'm
#   seven months pregnant", "Hamile olduğum için"): a topic word alone ("the Great
#   Depression", "send money to Christian", "symptoms of diabetes") is an ordinary question.
# custom:
#   id: privacy.special_category
#   principle: "GDPR art. 9 / KVKK art. 6 special categories"
#   severity: high
#   owner: privacy-office
findings contains finding if {
	stage == "input"
	external_provider
	count(special_categories) > 0
	finding := {
		"action": "deny",
		"rule": "privacy.special_category",
		"principle": "GDPR art. 9 / KVKK art. 6 special categories",
		"severity": "high",
		"message": sprintf(
			"Please don't share %s details here: this assistant uses an external AI service. A human agent can help you with this securely.",
			[concat(", ", sort(special_categories))],
		),
	}
}
