package charter.output_test

import rego.v1

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
	count(rules(answer("on 3 March", [{"type": "DATE_TIME", "score": 0.9}]))) == 0
}

test_pii_in_answer_is_not_checked_on_input if {
	inp := object.union(answer("x", [{"type": "EMAIL_ADDRESS", "score": 1}]), {"stage": "input"})
	count(rules(inp)) == 0
}
