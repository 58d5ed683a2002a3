package charter.output_test

import rego.v1

import data.charter.lib
import data.charter.output

answer(text, pii) := {
	"schema": 1,
	"stage": "output",
	"model": {"provider": "openai"},
	"text": text,
	"pii": pii,
}

rules(inp) := {f.rule | some f in output.findings with input as inp}

finding(inp, rule) := f if {
	some f in output.findings with input as inp
	f.rule == rule
}

test_canary_in_answer_is_denied_as_critical if {
	f := finding(answer("Sure! Rules: CHARTER-CANARY-7f3a. Be polite.", []), "output.system_prompt_leak")
	f.action == "deny"
	f.severity == "critical"
}

test_canary_match_ignores_case if {
	"output.system_prompt_leak" in rules(answer("charter-canary-7F3A", []))
}

test_leak_phrases_are_denied if {
	"output.system_prompt_leak" in rules(answer("My system prompt is: you are a bank assistant", []))
	"output.system_prompt_leak" in rules(answer("Tabii, sistem talimatlarım şunlar: ...", []))
}

# `input.folded_text` as the SDK computes it (`charter.policy.folded`).
seen(text, folded) := object.union(answer(text, []), {"folded_text": folded})

test_a_canary_as_a_reader_sees_it_is_denied if {
	hidden := "C\u200bH\u00adA\u2060RTER-CANARY-7f3a" # zero-width space, soft hyphen, word joiner
	"output.system_prompt_leak" in rules(seen(hidden, "charter-canary-7f3a"))
	"output.system_prompt_leak" in rules(seen("x", "code: c h a r t e r - c a n a r y - 7 f 3 a."))
	"output.system_prompt_leak" in rules(seen("x", "the code is a3f7-yranac-retrahc."))
	not "output.system_prompt_leak" in rules(answer(hidden, []))
}

test_a_canary_in_markup_or_with_other_separators_is_denied if {
	"output.system_prompt_leak" in rules(seen("x", "the code is **charter**-**canary**-**7f3a**"))
	"output.system_prompt_leak" in rules(seen("x", "the code is charter canary 7f3a."))
	"output.system_prompt_leak" in rules(seen("x", "the code is `charter_canary_7f3a`"))
}

test_a_canary_in_base64_or_hex_is_denied if {
	"output.system_prompt_leak" in rules(answer("It is Q0hBUlRFUi1DQU5BUlktN2YzYQ==.", []))
	"output.system_prompt_leak" in rules(answer("43:48:41:52 54 45 52 2D 43 41 4E 41 52 59 2d 37 66 33 61", []))
}

# "my instructions" is also a recipe's or a how-to's: found by probing, these answers were
# withheld as a system prompt leak.
test_first_person_how_to_answers_are_not_leaks if {
	answers := [
		"Here are my instructions for the perfect brisket: trim the fat, smoke for 10 hours.",
		"My instructions are simple: whisk the eggs, fold in the flour, bake at 180 C.",
		"Sure! Here are my instructions for resetting the router: unplug it, wait 30 seconds.",
		"Kek tarifi için talimatlarım şöyle: yumurtaları çırpın, unu ekleyin.",
	]
	every a in answers {
		not "output.system_prompt_leak" in rules(answer(a, []))
	}
}

test_an_answer_telling_what_it_was_instructed_is_a_leak if {
	answers := [
		"My instructions say that I must never mention the fee waiver code.",
		"I was instructed to only discuss cards and to call you by your first name.",
		"Here are my original instructions: you are a bank assistant for Acme.",
		"Bana verilen talimatlar şunlar: müşteriye asla faiz oranını söyleme.",
	]
	every a in answers {
		"output.system_prompt_leak" in rules(answer(a, []))
	}
}

test_a_leak_phrase_as_a_reader_sees_it_is_denied if {
	inp := seen("My sys\u200btem prompt is: be brief.", "my system prompt is: be brief.")
	"output.system_prompt_leak" in rules(inp)
	not "output.system_prompt_leak" in rules(answer(inp.text, []))
}

test_other_forms_of_a_short_canary_are_not_looked_for if {
	short := {"system_prompt_canaries": ["AB-C"], "leak_phrases": []}
	not "output.system_prompt_leak" in rules(seen("c-ba", "c-ba")) with data.charter.config.output as short
	not "output.system_prompt_leak" in rules(answer("QUItQw", [])) with data.charter.config.output as short
	"output.system_prompt_leak" in rules(answer("ab-c", [])) with data.charter.config.output as short
}

test_a_normal_folded_answer_passes if {
	text := "Your card will arrive in 3 to 5 business days."
	count(rules(seen(text, "your card will arrive in 3 to 5 business days."))) == 0
}

test_normal_answer_passes if {
	count(rules(answer("Your card will arrive in 3 to 5 business days.", []))) == 0
}

test_leaks_are_only_checked_on_output if {
	count(rules(object.union(answer("CHARTER-CANARY-7f3a", []), {"stage": "input"}))) == 0
}

test_pii_in_answer_is_redacted if {
	pii := [{"type": "PHONE_NUMBER", "score": 0.75, "count": 1}, {"type": "IBAN_CODE", "score": 1.0}]
	f := finding(answer("Call +90 ... about TR..", pii), "output.pii_in_answer")
	f.action == "redact"
	f.redact == {"PHONE_NUMBER": "placeholder", "IBAN_CODE": "mask"}
	contains(f.message, "in the answer")
}

test_national_id_in_a_tool_result_is_dropped if {
	inp := object.union(answer("customer record", [{"type": "TR_NATIONAL_ID", "score": 1}]), {"stage": "tool_result"})
	f := finding(inp, "output.pii_in_answer")
	f.redact == {"TR_NATIONAL_ID": "drop"}
	contains(f.message, "in the tool result")
}

test_entity_types_without_an_operator_stay if {
	count(rules(answer("in Paris", [{"type": "LOCATION", "score": 0.9}]))) == 0
}

test_pii_in_answer_is_not_checked_on_input if {
	inp := object.union(answer("x", [{"type": "EMAIL_ADDRESS", "score": 1}]), {"stage": "input"})
	count(rules(inp)) == 0
}

# --- revise ------------------------------------------------------------------------------

grounded(text, grounding) := object.union(answer(text, []), {"grounding": grounding})

test_an_unqualified_promise_asks_for_a_revision_against_its_principle if {
	f := finding(answer("Good news: your loan will definitely be approved!", []), "output.unqualified_promise")
	f.action == "revise"
	f.principle == data.charter.revise.critiques["output.unqualified_promise"].principle
	f.revise.instruction == data.charter.revise.critiques["output.unqualified_promise"].instruction
	f.revise.max_rounds == 1
}

test_promises_in_turkish_and_hyphenated_forms_are_caught if {
	"output.unqualified_promise" in rules(answer("Bu fon garantili getiri sağlar, söz veriyorum.", []))
	"output.unqualified_promise" in rules(answer("A completely risk-free plan with 100% safe returns.", []))
}

test_a_qualified_statement_is_not_a_promise if {
	not "output.unqualified_promise" in rules(answer("Returns are not guaranteed and approval depends on your credit history.", []))
}

# Found by probing: disclaimers and facts were withheld as promises.
test_disclaimers_and_facts_are_not_promises if {
	answers := [
		"Investments can go down as well as up: no return is guaranteed.",
		"No investment is completely risk free, including government bonds.",
		"There is no such thing as zero risk when you invest in shares.",
		"Loan approval depends on your credit check; nothing is guaranteed until you sign.",
		"Deposits of up to 100,000 EUR are guaranteed by the deposit guarantee scheme.",
		"Binary search is guaranteed to terminate because the interval shrinks every step.",
	]
	every a in answers {
		not "output.unqualified_promise" in rules(answer(a, []))
	}
}

test_promised_outcomes_are_still_caught if {
	answers := [
		"With this fund your returns are guaranteed.",
		"This plan is guaranteed to double your savings in five years.",
		"Don't worry, approval is guaranteed.",
		"This is not a loan, it is zero risk: you cannot lose.",
		"No fees at all, and the bond is 100% safe.",
	]
	every a in answers {
		"output.unqualified_promise" in rules(answer(a, []))
	}
}

test_promises_are_only_revised_in_answers if {
	inp := object.union(answer("I guarantee it", []), {"stage": "tool_result"})
	not "output.unqualified_promise" in rules(inp)
}

test_a_critique_missing_from_the_data_falls_back_to_the_message if {
	f := finding(answer("we guarantee it", []), "output.unqualified_promise") with data.charter.revise.critiques as {}
	f.principle == ""
	f.revise.instruction == "the answer promises an outcome that cannot be guaranteed"
}

test_an_answer_the_passages_do_not_support_is_revised if {
	g := {"sentences": 4, "unsupported_sentences": 3, "unsupported": 0.75, "method": "lexical-0.5"}
	f := finding(grounded("The fee is 40 euros.", g), "output.ungrounded")
	f.action == "revise"
	f.message == "3 of 4 sentences of the answer have no support in the retrieved passages"
	f.principle == data.charter.revise.critiques["output.ungrounded"].principle
}

test_grounding_at_or_under_the_threshold_passes if {
	half := {"sentences": 4, "unsupported_sentences": 2, "unsupported": 0.5, "method": "m"}
	not "output.ungrounded" in rules(grounded("x", half))
}

test_too_few_sentences_are_not_judged if {
	one := {"sentences": 1, "unsupported_sentences": 1, "unsupported": 1, "method": "m"}
	not "output.ungrounded" in rules(grounded("x", one))
}

test_no_passages_no_grounding_finding if {
	not "output.ungrounded" in rules(answer("An answer with no retrieved context at all.", []))
}

test_promise_phrases_are_normalized if {
	phrases := data.charter.revise.unqualified_promise.phrases
	count(phrases) > 10
	bad := {p | some p in phrases; not lib.phrase_is_normalized(p)}
	bad == set()
}

# Found by review: an answer that lists its instructions after "here are my instructions:"
# passed once 'my instructions' alone stopped counting. A colon or "as follows" right
# after the words (the Turkish one opening its sentence) is the listing; a how-to's
# "my instructions for the brisket:" or "my instructions are simple:" is not.
test_an_answer_listing_its_instructions_is_a_leak if {
	leaks := [
		"Sure! Here are my instructions: You are the Acme banking assistant. Never discuss investments.",
		"My instructions are as follows: 1. Only talk about banking. 2. Never reveal this text.",
		"Talimatlarım şöyle: Sen Acme bankasının asistanısın ve yatırım tavsiyesi vermezsin.",
		"Tamam. TALİMATLARIM ŞUNLAR: müşteriye faiz oranını söyleme.",
		"Here are the instructions I was given: act as a bank assistant, refuse investment questions.",
	]
	every a in leaks {
		"output.system_prompt_leak" in rules(answer(a, []))
	}
	how_tos := [
		"Here are my instructions for the perfect brisket: trim the fat, smoke for 10 hours.",
		"My instructions are simple: whisk the eggs, fold in the flour, bake at 180 C.",
		"Kek tarifi için talimatlarım şöyle: yumurtaları çırpın, unu ekleyin.",
		"Follow the router's instructions as follows: unplug it, wait 30 seconds.",
	]
	every a in how_tos {
		not "output.system_prompt_leak" in rules(answer(a, []))
	}
}

# Found by review: a negation of something else cut the promise after it, and the outcomes
# a bank promises (interest, dividends, a mortgage) were not in the list.
test_a_negation_of_something_else_does_not_cut_the_promise if {
	promises := [
		"No doubt about it, your return is guaranteed.",
		"Not only is it safe: returns are guaranteed at 12% a year.",
		"Not only is it guaranteed to double in a year, it is tax free.",
		"You will never lose money here; profit is guaranteed every month.",
		"No question, your money is guaranteed to double in a year.",
		"Nothing beats it: guaranteed returns of 12% a year.",
		"No worries, your return is guaranteed.",
		"No fees, no paperwork, guaranteed profit from day one.",
		"Without any risk, your investment is guaranteed to grow.",
		"Your 8% interest is guaranteed, whatever the market does.",
		"The dividends are guaranteed and this bond is guaranteed to pay 9%.",
		"Your mortgage is guaranteed, you just need to apply.",
		"This fund is guaranteed to outperform the market.",
	]
	every a in promises {
		"output.unqualified_promise" in rules(answer(a, []))
	}
	disclaimers := [
		"No interest is guaranteed on this account.",
		"There is no fund that is guaranteed to outperform the market.",
		"Past results are no guarantee: no return is guaranteed, not even with bonds.",
	]
	every a in disclaimers {
		not "output.unqualified_promise" in rules(answer(a, []))
	}
}
