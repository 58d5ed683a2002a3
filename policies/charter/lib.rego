# Shared helpers for the rule packages: which stage is evaluated, whether the model
# provider is external, which PII entity types are present, and phrase matching that
# works for English and Turkish text.
#
# Every helper tolerates missing or mistyped input fields (it is then "absent"), so a
# malformed input never makes the decision undefined; the rules decide what absence means.
package charter.lib

import rego.v1

import data.charter.config

# The stage under evaluation. Schema-1 inputs without a stage are input-stage, like the
# SDK's PolicyInput default.
default stage := "input"

stage := input.stage

known_stages := {"input", "output", "tool_call", "tool_result"}

# --- model provider --------------------------------------------------------------------

# The model provider, lowercased; "" when absent.
default provider := ""

provider := lower(input.model.provider) if is_string(input.model.provider)

lowered(names) := {lower(n) | some n in names}

known_external if provider in lowered(config.external_providers)

known_internal if provider in lowered(config.internal_providers)

# Data leaves our infrastructure when the provider is a known third party, or, failing
# closed, when nobody has classified it (`unknown_providers_are_external`).
external_provider if known_external

external_provider if {
	not known_internal
	config.unknown_providers_are_external == true
}

# --- PII summary -----------------------------------------------------------------------

# Entity types the detector reported (types only: the policy never sees values). A missing
# score or count counts as certain, so a sloppy summary cannot hide an entity.
pii_types contains entry.type if {
	is_array(input.pii)
	some entry in input.pii
	is_object(entry)
	is_string(entry.type)
	object.get(entry, "score", 1) >= config.pii_min_score
	object.get(entry, "count", 1) > 0
}

# --- text matching ---------------------------------------------------------------------

default text := ""

text := input.text if is_string(input.text)

# Lowercase and fold Turkish letters to ASCII, so "Vergi KAÇIRMAK", "vergi kaçırmak" and
# "vergi kacirmak" all read the same. "İ" lowercases to "i" plus a combining dot (U+0307).
fold(s) := strings.replace_n(
	{
		"\u0307": "", "ı": "i", "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u",
		"â": "a", "î": "i", "û": "u",
	},
	lower(s),
)

# " word word ... ": folded words separated by single spaces, padded so that a phrase can
# only match whole words ("kill a process" never contains " skill ").
words(s) := concat("", [" ", concat(" ", tokens(s)), " "])

tokens(s) := [w | some w in regex.split(`[^\p{L}\p{N}]+`, fold(s)); w != ""]

text_words := words(text)

# mentions(phrase) is true when the text contains `phrase` as whole words. Phrases are
# written normalized (lowercase words separated by single spaces, see phrase_is_normalized)
# so that only the text, not every phrase, goes through the regex on each evaluation.
# A trailing "*" matches any word ending, for inflected forms: "silah*" matches "silahlar".
mentions(phrase) if {
	not endswith(phrase, "*")
	padded := concat("", [" ", fold(phrase), " "])
	padded != "  "
	contains(text_words, padded)
}

mentions(phrase) if {
	endswith(phrase, "*")
	stem := concat("", [" ", fold(trim_suffix(phrase, "*"))])
	stem != " "
	contains(text_words, stem)
}

# mentions_any(phrases) is mentions() for a whole list at once: one regex over the text
# instead of one string search per phrase, ~10x cheaper for the long topic lists. Phrases
# are normalized (letters, digits, single spaces, optional trailing "*"), so joining them
# with "|" cannot inject regex syntax; regorus caches the compiled pattern. Words in
# text_words hold no spaces, so `[^ ]*` completes a word (a Unicode class would blow the
# regex size limit).
mentions_any(phrases) if {
	count(phrases) > 0
	alternatives := strings.replace_n({"*": `[^ ]*`}, fold(concat("|", phrases)))
	regex.match(concat("", [` (?:`, alternatives, `) `]), text_words)
}

# True for "vergi kaçır*" and "another customer s account"; false for "Customer's" or
# "  two  spaces". The config's phrase lists are checked with it in lib_test.rego.
phrase_is_normalized(phrase) if {
	stem := trim_suffix(phrase, "*")
	words(stem) == concat("", [" ", fold(stem), " "])
	stem == lower(stem)
}

# --- signals ---------------------------------------------------------------------------

# A classifier score in [0, 1]; absent means 0. A present but non-numeric score counts as
# 1 (fail closed): a broken signal must not read as "harmless".
default signal(_) := 0

signal(name) := input.signals[name] if is_number(input.signals[name])

signal(name) := 1 if {
	is_object(input.signals)
	some key, value in input.signals
	key == name
	not is_number(value)
}

# A score rounded for messages (0.9300000001 -> 0.93).
two_decimals(score) := round(score * 100) / 100

# --- tools -----------------------------------------------------------------------------

default tool_name := ""

tool_name := input.tool.name if is_string(input.tool.name)
