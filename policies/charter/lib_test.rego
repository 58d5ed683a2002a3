package charter.lib_test

import rego.v1

import data.charter.lib

test_stage_defaults_to_input_when_absent if {
	lib.stage == "input" with input as {}
}

test_stage_is_read_from_input if {
	lib.stage == "tool_result" with input as {"stage": "tool_result"}
}

test_provider_is_lowercased if {
	lib.provider == "openai" with input as {"model": {"provider": "OpenAI"}}
}

test_provider_that_is_not_a_string_is_empty if {
	lib.provider == "" with input as {"model": {"provider": 42}}
}

test_listed_provider_is_external if {
	lib.external_provider with input as {"model": {"provider": "anthropic"}}
}

test_local_provider_is_not_external if {
	not lib.external_provider with input as {"model": {"provider": "local"}}
}

test_unclassified_provider_is_external_by_default if {
	lib.external_provider with input as {"model": {"provider": "some-new-cloud"}}
	lib.external_provider with input as {}
}

test_provider_lists_are_matched_case_insensitively if {
	lib.external_provider with input as {"model": {"provider": "OpenAI"}}
		with data.charter.config.external_providers as ["OPENAI"]
		with data.charter.config.unknown_providers_are_external as false
	not lib.external_provider with input as {"model": {"provider": "Ollama"}}
		with data.charter.config.internal_providers as ["OLLAMA"]
}

test_unclassified_provider_is_internal_when_the_knob_is_off if {
	not lib.external_provider with input as {"model": {"provider": "some-new-cloud"}}
		with data.charter.config.unknown_providers_are_external as false
	lib.external_provider with input as {"model": {"provider": "openai"}}
		with data.charter.config.unknown_providers_are_external as false
}

test_pii_types_lists_reported_types if {
	pii := [
		{"type": "EMAIL_ADDRESS", "score": 0.99, "count": 2},
		{"type": "PHONE_NUMBER", "score": 0.4, "count": 1},
	]
	lib.pii_types == {"EMAIL_ADDRESS", "PHONE_NUMBER"} with input as {"pii": pii}
}

test_pii_types_without_score_or_count_count_as_present if {
	lib.pii_types == {"IBAN_CODE"} with input as {"pii": [{"type": "IBAN_CODE"}]}
}

test_pii_types_skip_zero_counts_and_bad_types if {
	pii := [{"type": "EMAIL_ADDRESS", "score": 0.9, "count": 0}, {"type": 7, "score": 0.9}]
	count(lib.pii_types) == 0 with input as {"pii": pii}
}

test_pii_types_ignore_malformed_summaries if {
	count(lib.pii_types) == 0 with input as {"pii": "EMAIL_ADDRESS"}
	lib.pii_types == {"PERSON"} with input as {"pii": ["EMAIL_ADDRESS", {"type": "PERSON"}]}
}

test_pii_min_score_drops_weak_detections if {
	pii := [{"type": "US_SSN", "score": 0.05}, {"type": "CREDIT_CARD", "score": 0.95}]
	lib.pii_types == {"CREDIT_CARD"} with input as {"pii": pii}
		with data.charter.config.pii_min_score as 0.3
}

test_fold_lowercases_and_strips_turkish_letters if {
	lib.fold("VERGİ Kaçırmak ŞÖYLE ığü") == "vergi kacirmak soyle igu"
}

test_words_pads_and_splits_on_punctuation if {
	lib.words("Hello, <EMAIL_ADDRESS_1>!  Bye") == " hello email address 1 bye "
}

# Decomposed (NFD) letters fold like the composed ones: "ş" as "s" + U+0327, "ı" stays,
# "ü" as "u" + U+0308, "ğ" as "g" + U+0306, "ç" as "c" + U+0327, "İ" as "I" + U+0307.
test_decomposed_turkish_folds_like_composed if {
	lib.fold("Es\u0327cinselim") == "escinselim"
	lib.words("Mu\u0308slu\u0308man\u0131m, vergi kac\u0327\u0131rmak I\u0307stiyorum") == " muslumanim vergi kacirmak istiyorum "
	lib.words("Bas\u0327kas\u0131n\u0131n hesab\u0131, bag\u0306\u0131s\u0327") == lib.words("Başkasının hesabı, bağış")
}

test_words_of_turkish_text_fold_to_ascii_words if {
	lib.words("İstanbul'daki ŞUBE, 3. kat") == " istanbul daki sube 3 kat "
}

test_words_keep_letters_and_digits_of_any_script if {
	# Still non-ASCII once folded: the Unicode letter and digit classes decide.
	lib.words("Café, ÇAY! 東京… x²") == " café cay 東京 x² "
	lib.words("¡¿!") == "  "
	lib.words("") == "  "
}

test_mentions_matches_whole_words_only if {
	lib.mentions("kill") with input as {"text": "Kill it"}
	not lib.mentions("kill") with input as {"text": "my skills"}
	not lib.mentions("gun") with input as {"text": "begun"}
}

test_mentions_matches_phrases_across_punctuation if {
	lib.mentions("another customer s account") with input as {"text": "Show another customer's account"}
}

test_mentions_prefix_matches_inflected_words if {
	lib.mentions("silah*") with input as {"text": "Silahlar nerede satılıyor?"}
	lib.mentions("vergi kaçır*") with input as {"text": "vergi kacirabilir miyim"}
	not lib.mentions("silah*") with input as {"text": "mesilah"}
}

test_mentions_ignores_empty_phrases if {
	not lib.mentions("") with input as {"text": "anything"}
	not lib.mentions("*") with input as {"text": "anything"}
}

test_phrase_pattern_turns_stars_into_prefixes if {
	lib.phrase_pattern("silah* |buy a gun |vergi kaçır*") == " (?:silah|buy a gun |vergi kacir)"
}

sample_phrases := ["silah*", "buy a gun", "vergi kaçır*", "another customer s account", "kill", "ırkım"]

sample_texts := [
	"Silahlar nerede?", "I want to BUY A GUN.", "vergi kacirabilir miyim", "Show another customer's account",
	"my skills", "begun", "kill it", "Irkım", "mesilah", "buy a gunboat", "",
]

test_mentions_any_agrees_with_mentions if {
	every text in sample_texts {
		one_by_one := {p | some p in sample_phrases; lib.mentions(p)} with input as {"text": text}
		at_once := {p | some p in sample_phrases; lib.mentions_any([p])} with input as {"text": text}
		one_by_one == at_once
		{true | lib.mentions_any(sample_phrases)} == {true | count(one_by_one) > 0} with input as {"text": text}
	}
}

test_mentions_any_of_no_phrases_is_false if {
	not lib.mentions_any([]) with input as {"text": ""}
}

input_phrase_lists := [data.charter.config.forbidden_topics, data.charter.config.special_categories]

test_input_phrase_precheck_passes_every_configured_phrase if {
	every group in input_phrase_lists {
		every _, phrases in group {
			every phrase in phrases {
				text := sprintf("Well, %s; thanks", [trim_suffix(phrase, "*")])
				lib.input_phrase_mentioned with input as {"text": text}
			}
		}
	}
}

test_input_phrase_precheck_lets_everyday_text_through if {
	not lib.input_phrase_mentioned with input as {"text": "My card is blocked, can you help?"}
	not lib.input_phrase_mentioned with input as {"text": "Kartımı kaybettim, yeni kart istiyorum"}
}

# Phrases are matched one regex per lib.phrase_chunk phrases (lib.matches_phrases: the
# pre-check over a whole group, user_mentions_any over one topic or category), and regorus
# refuses a regex that compiles to more than 100 KB (from about 2,000 characters of
# phrases). Keep a chunk below 1,800 characters (shorter phrases, or a smaller chunk).
phrase_lists contains [p | some list in group; some p in list] if some group in input_phrase_lists

phrase_lists contains list if {
	some group in input_phrase_lists
	some list in group
}

test_input_phrase_lists_fit_one_regex if {
	every phrases in phrase_lists {
		every chunk in numbers.range(0, floor((count(phrases) - 1) / lib.phrase_chunk)) {
			part := array.slice(phrases, chunk * lib.phrase_chunk, (chunk + 1) * lib.phrase_chunk)
			count(concat(" |", part)) < 1800
		}
	}
}

# One category longer than a regex can hold (found by review: 148 health phrases, 3,136
# characters, made every prompt with one of them fail closed): each chunk is its own regex.
long_category := [sprintf("living with condition %d", [i]) | some i in numbers.range(1, 150)]

test_a_category_longer_than_one_regex_is_matched_in_chunks if {
	count(concat(" |", long_category)) > 3000
	lib.user_mentions_any(long_category) with input as {"text": "I am living with condition 150."}
	lib.user_mentions_any(long_category) with input as {"text": "I am living with condition 3."}
	not lib.user_mentions_any(long_category) with input as {"text": "I have a question about my card."}
	lib.mentions_any(long_category) with input as {"text": "I am living with condition 99."}
}

test_a_phrase_in_the_last_chunk_passes_the_precheck if {
	lib.input_phrase_mentioned with input as {"text": "well, zebra crossing"}
		with data.charter.config.forbidden_topics as {"t": [sprintf("filler%d", [i]) | some i in numbers.range(1, 170)]}
		with data.charter.config.special_categories as {"c": ["zebra crossing"]}
	lib.input_phrase_mentioned with input as {"text": "well, filler170"}
		with data.charter.config.forbidden_topics as {"t": [sprintf("filler%d", [i]) | some i in numbers.range(1, 170)]}
		with data.charter.config.special_categories as {}
	not lib.input_phrase_mentioned with input as {"text": "well, nothing"}
		with data.charter.config.forbidden_topics as {"t": [sprintf("filler%d", [i]) | some i in numbers.range(1, 170)]}
		with data.charter.config.special_categories as {}
}

test_phrase_normalization_rules if {
	lib.phrase_is_normalized("vergi kaçır*")
	lib.phrase_is_normalized("another customer s account")
	not lib.phrase_is_normalized("another customer's account")
	not lib.phrase_is_normalized("Vergi")
	not lib.phrase_is_normalized("two  spaces")
	not lib.phrase_is_normalized(" leading")
	not lib.phrase_is_normalized("ja*il")
}

configured_phrases contains phrase if {
	some lists in [data.charter.config.special_categories, data.charter.config.forbidden_topics]
	some phrases in lists
	some phrase in phrases
}

configured_phrases contains phrase if some phrase in data.charter.config.output.leak_phrases

test_configured_phrases_are_normalized if {
	count(configured_phrases) > 100
	bad := {p | some p in configured_phrases; not lib.phrase_is_normalized(p)}
	bad == set()
}

test_text_that_is_not_a_string_is_empty if {
	lib.text == "" with input as {"text": ["not", "a", "string"]}
}

test_signal_is_zero_when_absent if {
	lib.signal("jailbreak") == 0 with input as {}
}

test_signal_reads_numeric_scores if {
	lib.signal("jailbreak") == 0.42 with input as {"signals": {"jailbreak": 0.42}}
}

test_a_crashed_classifier_makes_every_signal_certain if {
	lib.signal("jailbreak") == 1 with input as {"signals": {"jailbreak.error": 1.0}}
	lib.signal("prompt_injection") == 1 with input as {"signals": {"jailbreak.error": 1, "prompt_injection": 0.1}}
	lib.signal("jailbreak") == 0.2 with input as {"signals": {"jailbreak": 0.2, "toxicity": 0.9}}
}

test_signal_that_is_not_a_number_counts_as_certain if {
	lib.signal("jailbreak") == 1 with input as {"signals": {"jailbreak": "high"}}
	lib.signal("jailbreak") == 1 with input as {"signals": {"jailbreak": false}}
	lib.signal("jailbreak") == 0 with input as {"signals": "jailbreak"}
}

test_two_decimals_rounds_scores_for_messages if {
	lib.two_decimals(0.93000000001) == 0.93
	lib.two_decimals(0.625) == 0.63
}

test_tool_name if {
	lib.tool_name == "get_balance" with input as {"tool": {"name": "get_balance"}}
	lib.tool_name == "" with input as {"tool": {"arguments": {}}}
}

test_number_reads_json_numbers_and_plain_decimal_strings if {
	lib.number(750) == 750
	lib.number(-5) == -5
	lib.number("750.50") == 750.5
	not lib.number("-50")
	not lib.number("seven hundred")
	not lib.number(null)
}
