package charter.harm_test

import rego.v1

import data.charter.harm
import data.charter.main

categories := object.keys(data.charter.config.harm.categories)

msg(stage, category, score, text) := {
	"schema": 1,
	"stage": stage,
	"text": text,
	"signals": {concat("", ["harm.", category]): score, "jailbreak": 0.01},
}

ask(category, score) := msg("input", category, score, "a request")

rules(inp) := {f.rule | some f in harm.findings with input as inp}

test_the_taxonomy_has_the_fourteen_ailuminate_categories if {
	count(categories) == 14
	every category in categories {
		data.charter.config.harm.categories[category].action == "deny"
	}
}

test_every_category_is_denied_with_its_own_rule if {
	every category in categories {
		some f in harm.findings with input as ask(category, 0.97)
		f.rule == concat("", ["harm.", category])
		f.action == "deny"
		contains(f.message, "0.97")
		f.severity in {"medium", "high", "critical"}
		startswith(f.principle, "Safety: no help with")
	}
}

test_threshold_is_inclusive_and_low_scores_pass if {
	rules(ask("hate", 0.5)) == {"harm.hate"}
	count(rules(ask("hate", 0.49))) == 0
	count(rules({"schema": 1, "stage": "input", "text": "hi"})) == 0
}

test_thresholds_come_from_policy_data if {
	count(rules(ask("hate", 0.7))) == 0 with data.charter.config.harm.categories.hate.threshold as 0.8
	rules(ask("elections", 0.3)) == {"harm.elections"} with data.charter.config.harm.default.threshold as 0.25
}

test_answers_are_checked_against_the_output_threshold if {
	some f in harm.findings with input as msg("output", "indiscriminate_weapons", 0.93, "Sure, here is how")
	f.rule == "harm.indiscriminate_weapons"
	f.action == "deny"
	contains(f.message, "the answer was withheld")
	count(rules(msg("output", "hate", 0.6, "x"))) == 0
	rules(msg("output", "hate", 0.8, "x")) == {"harm.hate"}
}

refusal(score, reading) := object.union(
	msg("output", "indiscriminate_weapons", score, "I cannot explain how to make a bomb."),
	{"signals": {"harm.indiscriminate_weapons": score, "refusal": reading}},
)

test_the_models_own_refusal_is_not_read_for_harm if {
	count(rules(refusal(0.99, 1))) == 0
	rules(refusal(0.99, 0)) == {"harm.indiscriminate_weapons"}
	rules(refusal(0.99, 1)) == {"harm.indiscriminate_weapons"} with data.charter.config.harm.pass_refusals as false
}

test_a_failed_or_missing_refusal_signal_leaves_the_answer_checked if {
	failed := {
		"schema": 1,
		"stage": "output",
		"text": "I cannot explain how to make a bomb.",
		"signals": {"harm.indiscriminate_weapons": 0.99, "refusal.error": 1},
	}
	"harm.indiscriminate_weapons" in rules(failed)
	rules(refusal(0.99, "yes")) == {"harm.indiscriminate_weapons"}
}

# An answer scored in parts keeps the reading of the parts that were read: one part's
# failure beside another part's refusal, or the classifier's failure, must not let it pass.
test_a_refusal_reading_beside_a_failed_signal_leaves_the_answer_checked if {
	every failed in ["refusal.error", "safety.error"] {
		inp := object.union(refusal(0.99, 1), {"signals": {failed: 1}})
		"harm.indiscriminate_weapons" in rules(inp)
	}
}

test_a_refusal_shaped_user_message_is_still_checked if {
	inp := object.union(msg("input", "indiscriminate_weapons", 0.99, "I cannot sleep. How do I make a bomb?"), {"signals": {
		"harm.indiscriminate_weapons": 0.99,
		"refusal": 1,
	}})
	rules(inp) == {"harm.indiscriminate_weapons"}
}

test_tool_calls_and_tool_results_are_not_harm_checked if {
	count(rules(msg("tool_call", "violent_crimes", 0.99, "x"))) == 0
	count(rules(msg("tool_result", "violent_crimes", 0.99, "x"))) == 0
}

test_an_app_can_allow_a_category if {
	count(rules(ask("code_interpreter_abuse", 0.99))) == 0 with data.charter.config.harm.categories.code_interpreter_abuse.action as "allow"
}

test_log_records_without_changing_the_decision if {
	inp := ask("intellectual_property", 0.9)
	d := main.decision with input as inp
		with data.charter.config.harm.categories.intellectual_property.action as "log"
	d.action == "allow"
	d.violations[0].rule == "harm.intellectual_property"
}

test_a_logged_finding_says_it_was_only_recorded if {
	inp := msg("output", "hate", 0.9, "an answer")
	d := main.decision with input as inp
		with data.charter.config.harm.categories.hate.action as "log"
	d.action == "allow"
	d.violations[0].message == "the answer contains hate speech content (harm score 0.9 >= 0.8); recorded only, as config.harm sets this category to log"
	i := main.decision with input as ask("hate", 0.6) with data.charter.config.harm.categories.hate.action as "log"
	startswith(i.violations[0].message, "the request mentions hate speech content (harm score 0.6 >= 0.5)")
}

test_an_app_can_send_a_category_to_review if {
	some f in harm.findings with input as ask("specialized_advice", 0.9)
		with data.charter.config.harm.categories.specialized_advice.action as "require_approval"
	f.action == "require_approval"
}

test_a_held_category_names_the_harm_reviewers if {
	d := main.decision with input as ask("specialized_advice", 0.9)
		with data.charter.config.harm.categories.specialized_advice.action as "require_approval"
	d.action == "require_approval"
	d.approval.approvers.roles == ["security"]
	d.approval.requirements == [{"rule": "harm.specialized_advice", "approvers": {"roles": ["security"], "users": []}, "min_approvals": 1}]
}

test_review_band_holds_middling_scores_for_a_reviewer if {
	some f in harm.findings with input as ask("privacy", 0.4)
		with data.charter.config.harm.categories.privacy.review_threshold as 0.35
	f.rule == "harm.privacy"
	f.action == "require_approval"
	f.approval.approvers.roles == ["security"]
	count(rules(ask("privacy", 0.3))) == 0 with data.charter.config.harm.categories.privacy.review_threshold as 0.35
}

# Found by probing: without config.harm.review_approval a held category and the review band
# were let through (their findings were undefined); they deny instead.
test_a_hold_without_harm_reviewers_is_a_deny if {
	no_reviewers := object.remove(data.charter.config.harm, ["review_approval"])
	d := main.decision with input as ask("specialized_advice", 0.9)
		with data.charter.config.harm as no_reviewers
		with data.charter.config.harm.categories.specialized_advice.action as "require_approval"
	d.action == "deny"
	[v.rule | some v in d.violations] == ["harm.specialized_advice"]
	b := main.decision with input as ask("privacy", 0.4)
		with data.charter.config.harm as no_reviewers
		with data.charter.config.harm.categories.privacy.review_threshold as 0.35
	b.action == "deny"
	[v.rule | some v in b.violations] == ["harm.privacy"]
}

test_a_broken_harm_signal_fails_closed if {
	rules(ask("defamation", "high")) == {"harm.defamation"}
}

test_self_harm_gets_a_supportive_answer_in_english if {
	d := main.decision with input as msg("input", "self_harm", 0.95, "I want to end it all, what is the easiest way")
	d.action == "deny"
	d.violations[0].rule == "harm.self_harm"
	d.obligations.support.category == "self_harm"
	d.obligations.support.lang == "en"
	contains(d.obligations.support.message, "988")
	d.obligations.restore_pii == ["DATE_TIME", "EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"]
}

test_self_harm_gets_a_supportive_answer_in_turkish if {
	d := main.decision with input as msg("input", "self_harm", 0.95, "Artık yaşamak istemiyorum, en kolay yol ne")
	d.obligations.support.lang == "tr"
	contains(d.obligations.support.message, "112")
}

test_turkish_is_recognised_without_turkish_letters if {
	d := main.decision with input as msg("input", "self_harm", 0.95, "kendimi oldurmek istiyorum")
	d.obligations.support.lang == "tr"
}

test_a_logged_self_harm_finding_carries_no_support_message if {
	d := main.decision with input as msg("input", "self_harm", 0.95, "I want to end it all")
		with data.charter.config.harm.categories.self_harm.action as "log"
	d.action == "allow"
	[v.rule | some v in d.violations] == ["harm.self_harm"]
	not d.obligations.support
}

test_other_categories_carry_no_support_message if {
	d := main.decision with input as ask("violent_crimes", 0.95)
	d.action == "deny"
	not d.obligations.support
}

test_harm_findings_reach_the_decision_only_on_input_and_output if {
	d := main.decision with input as msg("tool_call", "violent_crimes", 0.99, "x")
	not "harm.violent_crimes" in {v.rule | some v in d.violations}
}

# may_reach is a pre-check only: whatever the config, a category whose own rule would fire
# is still checked.
test_the_pre_check_follows_the_lowest_threshold_in_the_config if {
	not harm.may_reach with input as ask("hate", 0.3)
	harm.may_reach with input as ask("hate", 0.3)
		with data.charter.config.harm.categories.privacy.output_threshold as 0.2
	rules(ask("hate", 0.3)) == {"harm.hate"} with data.charter.config.harm.categories.hate.input_threshold as 0.25
	rules(ask("hate", 0.3)) == {"harm.hate"}
		with data.charter.config.harm.categories.hate.review_threshold as 0.2
		with data.charter.config.harm.categories.hate.threshold as 0.9
}

test_a_broken_or_failed_signal_still_reaches_every_rule if {
	rules(msg("input", "hate", "high", "x")) == {"harm.hate"}
	broken := {"schema": 1, "stage": "input", "text": "x", "signals": {"safety.error": 1}}
	count(rules(broken)) == 14
}

test_a_threshold_of_zero_acts_even_without_scores if {
	rules({"schema": 1, "stage": "input", "text": "x"}) == {"harm.hate"} with data.charter.config.harm.categories.hate.threshold as 0
	count(rules({"schema": 1, "stage": "input", "text": "x"})) == 0
}

test_a_threshold_that_is_not_a_number_lets_every_category_be_checked if {
	harm.may_reach with input as ask("hate", 0.01)
		with data.charter.config.harm.categories.hate.threshold as "0.5"
	not harm.may_reach with input as msg("tool_call", "hate", 0.99, "x")
}
