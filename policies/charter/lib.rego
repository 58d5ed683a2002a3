# Shared helpers for the rule packages: which stage is evaluated, whether the model
# provider is external, which PII entity types are present, and phrase matching that
# works for English and Turkish text.
#
# Every helper tolerates missing or mistyped input fields (it is then "absent"), so a
# malformed input never makes the decision undefined; the rules decide what absence means.
package charter.lib

import rego.v1

# data.charter.config, read through a rule that every package imports (`import
# data.charter.lib.config`): regorus looks a `data` path up afresh on every access (~2 µs
# each), while a rule's value is computed once per evaluation.
config := data.charter.config

# The stage under evaluation. Schema-1 inputs without a stage are input-stage, like the
# SDK's PolicyInput default.
default stage := "input"

stage := input.stage

# --- model provider --------------------------------------------------------------------

# The model provider, lowercased; "" when absent.
default provider := ""

provider := lower(input.model.provider) if is_string(input.model.provider)

# The provider as messages name it: " (openai)", or nothing when the call names none (a
# guarded tool's arguments, going to the model that proposed the call).
default provider_named := ""

provider_named := sprintf(" (%s)", [provider]) if provider != ""

lowered(names) := {lower(n) | some n in names}

known_external if provider in lowered(config.external_providers)

known_internal if provider in lowered(config.internal_providers)

# Data leaves our infrastructure when the provider is a known third party, or, failing
# closed, when nobody has classified it (`unknown_providers_are_external`). The `else`
# chain stops at the first success; the first step settles the usual case (a provider
# listed in lowercase) with one lookup, before any list is lowercased.
external_provider := true if {
	provider in config.external_providers
} else := true if {
	known_external
} else := true if {
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
# Decomposed text (NFD, as macOS writes it: "ş" as "s" and a combining cedilla) loses its
# combining marks, so it folds like the composed letters; words() would otherwise split a
# word at each mark. The SDK sends composed text (policy_text); this is for other callers.
# The SDK's text also drops what draws as nothing (zero-width space, soft hyphen, word
# joiner), control characters but whitespace, and the accents of Latin letters but the
# Turkish ones folded here (charter.policy.plain): one inside a word kept the word from
# matching (found by probing). So write phrases without other accents: "depresion".
fold(s) := strings.replace_n(turkish_ascii, without_marks(lower(s)))

turkish_ascii := {
	"\u0307": "", "ı": "i", "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u",
	"â": "a", "î": "i", "û": "u",
}

without_marks(s) := s if {
	regex.match(`^[\x00-\x7f]*$`, s)
} else := regex.replace(s, `\p{M}+`, "")

# " word word ... ": folded words (runs of letters and digits) separated by single spaces,
# padded so that a phrase can only match whole words ("kill a process" never contains
# " skill "). One regex.replace turns every run of other characters into a space. Most
# text is ASCII once folded (Turkish letters included); the ASCII class gives the same
# words there and is several times cheaper than the Unicode one.
words(s) := concat("", [" ", trim(regex.replace(folded, `[^a-z0-9]+`, " "), " "), " "]) if {
	folded := fold(s)
	regex.match(`^[\x00-\x7f]*$`, folded)
} else := concat("", [" ", trim(regex.replace(fold(s), `[^\p{L}\p{N}]+`, " "), " "), " "])

text_words := words(text)

# The user's own words: at the input stage of a chat, the texts of the user's messages
# (`input.user_text`, without the app's instructions, the model's earlier answers and tool
# results); else the whole text. Rules about what the user asks (scope, special categories)
# read these, so a system prompt that says "never give investment advice" is not a request
# for investment advice.
user_text := input.user_text if is_string(input.user_text)

else := text

user_words := words(user_text)

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
# instead of one string search per phrase. Phrases are normalized (letters, digits, single
# spaces, optional trailing "*"), so joining them cannot inject regex syntax; regorus
# caches the compiled pattern.
mentions_any(phrases) if matches_phrases(phrases, text_words)

# The regex for phrases joined with " |": ` (?:phrase |phrase |stem)`. Every alternative
# ends with the space that closes its last word, except a starred one: its "*" is dropped,
# leaving a prefix, since text_words ends with a space and " stem" found anywhere is
# followed by the rest of its word and a space. No Unicode class ([^ ]*) per starred
# phrase keeps the regex small and fast. A "*" inside a phrase still matches [^ ]*.
phrase_pattern(joined) := concat("", [` (?:`, alternatives, `)`]) if {
	# Phrases are written normalized (lowercase, no combining marks: phrase_is_normalized),
	# so folding them is the Turkish letters alone; the whole fold() on every joined chunk
	# cost ~200 us an evaluation (measured on the bench's input).
	folded := concat("", [strings.replace_n(turkish_ascii, joined), " "])
	alternatives := replace(replace(trim_suffix(folded, "* "), "* |", "|"), "*", `[^ ]*`)
}

# Whether the text may mention a phrase of config.forbidden_topics or
# config.special_categories. Most messages mention none, and then topics and privacy skip
# their per-topic and per-category regexes. A pre-check only; the per-list
# user_mentions_any decides.
input_phrase_mentioned if {
	some group in [config.forbidden_topics, config.special_categories]
	matches_phrases([p | some list in group; some p in list], user_words)
}

# user_mentions_any(phrases) is mentions_any() over the user's own words (`user_words`).
user_mentions_any(phrases) if matches_phrases(phrases, user_words)

# Whether `words` (from words()) hold one of `phrases`: a regex per phrase_chunk phrases.
# In chunks, not one regex: regorus refuses a regex that compiles to more than 100 KB
# (2,000 to 2,700 characters of phrases, by their letters), and then every text that
# reaches the regex fails closed; a long list (an operator's 148 health phrases, found by
# review) must not. 40 phrases leave room for phrases of 45 characters on average.
matches_phrases(phrases, words) if {
	count(phrases) > 0
	some chunk in numbers.range(0, floor((count(phrases) - 1) / phrase_chunk))
	part := array.slice(phrases, chunk * phrase_chunk, (chunk + 1) * phrase_chunk)
	regex.match(phrase_pattern(concat(" |", part)), words)
}

phrase_chunk := 40

# True for "vergi kaçır*" and "another customer s account"; false for "Customer's" or
# "  two  spaces". The config's phrase lists are checked with it in lib_test.rego.
phrase_is_normalized(phrase) if {
	stem := trim_suffix(phrase, "*")
	words(stem) == concat("", [" ", fold(stem), " "])
	stem == lower(stem)
	stem == without_marks(stem)
}

# --- signals ---------------------------------------------------------------------------

# A classifier score in [0, 1]; absent means 0. A present but non-numeric score counts as
# 1 (fail closed): a broken signal must not read as "harmless". An `else` chain, so a
# numeric score (the usual case) settles it in one step.
# A classifier that crashed is reported by the SDK as "<signal>.error": 1. Its scores are
# missing, and missing must not read as harmless either: every signal then counts as 1.
default signal(_) := 0

signal(name) := 1 if {
	signal_failed
	is_string(name)
} else := score if {
	score := input.signals[name]
	is_number(score)
} else := 1 if {
	is_object(input.signals)
	name in object.keys(input.signals)
}

signal_failed if {
	is_object(input.signals)
	some key, _ in input.signals
	endswith(key, ".error")
}

# A score rounded for messages (0.9300000001 -> 0.93).
two_decimals(score) := round(score * 100) / 100

# --- tools -----------------------------------------------------------------------------

default tool_name := ""

tool_name := input.tool.name if is_string(input.tool.name)

# A tool argument as a number: a JSON number, or a plain decimal string ("750", "750.50");
# undefined for anything else, so a rule that needs the number can refuse what it cannot
# read (fail closed).
number(value) := value if {
	is_number(value)
} else := to_number(value) if {
	is_string(value)
	regex.match(`^[0-9]+(\.[0-9]+)?$`, value)
}
