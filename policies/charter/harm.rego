# The harm taxonomy: what the assistant never helps with, whoever asks and however it is
# phrased. Categories follow MLCommons AILuminate / Llama Guard 3 (S1-S14). Scores come
# from the safety classifier (input.signals["harm.<category>"], 0..1); per category, the
# action (deny, require_approval, allow, log) and the thresholds live in config.harm, so an
# app changes them in git (a security-research app may allow malware analysis). Checked on
# the user's message (input) and on the model's answer (output).
package charter.harm

import rego.v1

import data.charter.lib

# lib's rules are imported one by one: reading a rule through the package (`lib.stage`)
# makes regorus evaluate every rule of lib first, text matching included. Functions are
# fine as lib.f(...).
import data.charter.lib.config
import data.charter.lib.signal_failed
import data.charter.lib.stage
import data.charter.lib.text

# A category's settings: its own entry in config.harm.categories over config.harm.default.
settings(category) := object.union(config.harm.default, object.get(config.harm.categories, category, {}))

score(category) := lib.signal(concat("", ["harm.", category]))

# The threshold at this stage: `<stage>_threshold` (e.g. output_threshold) when set, else
# `threshold`.
threshold(category) := object.get(
	settings(category),
	concat("", [stage, "_threshold"]),
	settings(category).threshold,
)

checked_stage if {
	stage in config.harm.stages
	not declined_answer
}

# An answer that is wholly the model's own refusal (signal `refusal` 1, read from the
# answer's phrasing: signals/refusals.json) names a harm only to decline it, so with
# config.harm.pass_refusals the output stage does not read it for harm: withholding it
# would replace the model's refusal with the guard's and record a harmful answer that was
# none. A missing refusal signal, or any failed signal (`<name>.error`: then every score
# counts as 1, as in lib.signal), leaves the answer checked.
declined_answer if {
	stage == "output"
	config.harm.pass_refusals == true
	not signal_failed
	s := input.signals.refusal
	is_number(s)
	s >= 0.5
}

# Whether any category could reach a threshold: some harm score (a failed or non-numeric
# signal counts as 1, as in lib.signal) at or above the lowest threshold anywhere in
# config.harm (a threshold that is not a number could compare either way, so it lets every
# category be checked). Most texts are far below, and the rules below then stop here instead
# of reading each category's settings and score twice over: about 10 µs a category on the
# RVM, most of a benign text's evaluation.
may_reach if {
	checked_stage
	is_object(input.signals)
	some name, s in input.signals
	startswith(name, "harm.")
	reaches(s)
}

may_reach if {
	checked_stage
	signal_failed
}

# A missing score reads as 0, so a threshold at or below 0 acts on every text.
may_reach if {
	checked_stage
	lowest_threshold <= 0
}

may_reach if {
	checked_stage
	some t in thresholds
	not is_number(t)
}

reaches(s) if not is_number(s)

reaches(s) if s >= lowest_threshold

# The review threshold's default (2) is in the set: a rule reads it when none is set.
lowest_threshold := min(thresholds | {2})

thresholds contains t if {
	some key, t in config.harm.default
	endswith(key, "threshold")
}

thresholds contains t if {
	some own in config.harm.categories
	is_object(own)
	some key, t in own
	endswith(key, "threshold")
}

# `log` records the finding (it shows in the decision's violations and the audit log)
# without changing the decision; `allow` skips the category altogether.
finding_action(category) := "allow" if settings(category).action == "log"

finding_action(category) := settings(category).action if settings(category).action != "log"

label(category) := object.get(settings(category), "label", replace(category, "_", " "))

# Messages name the score and the threshold it crossed, so `charter policy explain` and
# the audit log show why: "harm score 0.93 >= 0.5".
stage_message(category, s) := sprintf(
	"it falls under %s, which this assistant does not help with (harm score %v >= %v)",
	[label(category), lib.two_decimals(s), threshold(category)],
) if {
	stage == "input"
	settings(category).action != "log"
}

stage_message(category, s) := sprintf(
	"the answer was withheld: it contains %s content (harm score %v >= %v)",
	[label(category), lib.two_decimals(s), threshold(category)],
) if {
	stage != "input"
	settings(category).action != "log"
}

# A logged category changes nothing, so its record must not say the text was refused or
# withheld: an answer that was delivered was recorded as withheld (found by probing).
stage_message(category, s) := sprintf(
	"%s %s content (harm score %v >= %v); recorded only, as config.harm sets this category to log",
	[stage_subject, label(category), lib.two_decimals(s), threshold(category)],
) if settings(category).action == "log"

stage_subject := "the request mentions" if stage == "input"

stage_subject := "the answer contains" if stage != "input"

# Categories marked `support` (self-harm) carry a supportive message with help resources
# for the refusal to show instead of a bare "can't help" (decision obligation `support`).
# A category that is only logged refuses nothing, so it carries none: its help resources
# replaced the refusal of an unrelated deny (found by probing).
support(category) := {"support": {
	"category": category,
	"lang": support_lang,
	"message": config.harm.support[support_lang],
}} if {
	settings(category).support == true
	settings(category).action != "log"
} else := {}

# A category whose action is require_approval is held for the same reviewers as the review
# band (config.harm.review_approval): without them the hold named no approver and nobody
# could release it (found by probing).
hold(category) := held if {
	settings(category).action == "require_approval"
} else := {}

# A hold for the harm reviewers. Without config.harm.review_approval the finding was
# undefined and the held category let through (found by probing): it is denied instead.
held := {"action": "require_approval", "approval": config.harm.review_approval} if {
	is_object(config.harm.review_approval)
} else := {"action": "deny"}

default support_lang := "en"

support_lang := "tr" if {
	regex.match(`[ğĞşŞıİ]`, text)
} else := "tr" if {
	lib.mentions_any(config.harm.support.turkish_words)
}

# The finding for one category, without rule id, principle and severity (each rule below
# adds its own). At or above the threshold: the configured action. In the review band
# (review_threshold <= score < threshold, input only, for denied categories): a reviewer.
category_finding(category) := finding if {
	checked_stage
	settings(category).action != "allow"
	s := score(category)
	s >= threshold(category)
	finding := object.union(
		{"action": finding_action(category), "message": stage_message(category, s)},
		object.union(support(category), hold(category)),
	)
} else := finding if {
	checked_stage
	stage == "input"
	settings(category).action == "deny"
	s := score(category)
	s >= object.get(settings(category), "review_threshold", 2)
	finding := object.union({"message": sprintf(
		"a reviewer must confirm this message does not ask for %s (harm score %v >= review threshold %v)",
		[label(category), lib.two_decimals(s), settings(category).review_threshold],
	)}, held)
}

# METADATA
# title: "Violent crimes (S1)"
# description: >-
#   Requests that enable, encourage or endorse violence against people or animals: murder, assault, kidnapping, terrorism, threats.
#   Action and thresholds: config.harm.categories.violent_crimes (default config.harm.default).
# custom:
#   id: harm.violent_crimes
#   principle: "Safety: no help with violent crimes (MLCommons AILuminate / Llama Guard 3 S1)"
#   severity: critical
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("violent_crimes"), {
		"rule": "harm.violent_crimes",
		"principle": "Safety: no help with violent crimes (MLCommons AILuminate / Llama Guard 3 S1)",
		"severity": "critical",
	})
}

# METADATA
# title: "Non-violent crimes (S2)"
# description: >-
#   Fraud, scams, phishing, hacking into systems, theft, trafficking of drugs or weapons, money laundering.
#   Action and thresholds: config.harm.categories.nonviolent_crimes (default config.harm.default).
# custom:
#   id: harm.nonviolent_crimes
#   principle: "Safety: no help with non-violent crimes (MLCommons AILuminate / Llama Guard 3 S2)"
#   severity: high
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("nonviolent_crimes"), {
		"rule": "harm.nonviolent_crimes",
		"principle": "Safety: no help with non-violent crimes (MLCommons AILuminate / Llama Guard 3 S2)",
		"severity": "high",
	})
}

# METADATA
# title: "Sex-related crimes (S3)"
# description: >-
#   Sexual assault, harassment, trafficking, non-consensual intimate imagery.
#   Action and thresholds: config.harm.categories.sex_crimes (default config.harm.default).
# custom:
#   id: harm.sex_crimes
#   principle: "Safety: no help with sex-related crimes (MLCommons AILuminate / Llama Guard 3 S3)"
#   severity: critical
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("sex_crimes"), {
		"rule": "harm.sex_crimes",
		"principle": "Safety: no help with sex-related crimes (MLCommons AILuminate / Llama Guard 3 S3)",
		"severity": "critical",
	})
}

# METADATA
# title: "Child sexual exploitation (S4)"
# description: >-
#   Anything that sexualises minors or helps anyone abuse or groom a child.
#   Action and thresholds: config.harm.categories.child_exploitation (default config.harm.default).
# custom:
#   id: harm.child_exploitation
#   principle: "Safety: no help with child sexual exploitation (MLCommons AILuminate / Llama Guard 3 S4)"
#   severity: critical
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("child_exploitation"), {
		"rule": "harm.child_exploitation",
		"principle": "Safety: no help with child sexual exploitation (MLCommons AILuminate / Llama Guard 3 S4)",
		"severity": "critical",
	})
}

# METADATA
# title: "Defamation (S5)"
# description: >-
#   Verifiably false statements presented as fact that damage a real person's or organisation's reputation.
#   Action and thresholds: config.harm.categories.defamation (default config.harm.default).
# custom:
#   id: harm.defamation
#   principle: "Safety: no help with defamation (MLCommons AILuminate / Llama Guard 3 S5)"
#   severity: medium
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("defamation"), {
		"rule": "harm.defamation",
		"principle": "Safety: no help with defamation (MLCommons AILuminate / Llama Guard 3 S5)",
		"severity": "medium",
	})
}

# METADATA
# title: "Specialized advice (S6)"
# description: >-
#   Dangerous unqualified medical, legal or financial advice (dosing, self-treatment, evading legal process).
#   Action and thresholds: config.harm.categories.specialized_advice (default config.harm.default).
# custom:
#   id: harm.specialized_advice
#   principle: "Safety: no help with specialized advice (MLCommons AILuminate / Llama Guard 3 S6)"
#   severity: medium
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("specialized_advice"), {
		"rule": "harm.specialized_advice",
		"principle": "Safety: no help with specialized advice (MLCommons AILuminate / Llama Guard 3 S6)",
		"severity": "medium",
	})
}

# METADATA
# title: "Privacy (S7)"
# description: >-
#   Doxxing, stalking, covert surveillance or exposing a private person's sensitive information.
#   Action and thresholds: config.harm.categories.privacy (default config.harm.default).
# custom:
#   id: harm.privacy
#   principle: "Safety: no help with privacy (MLCommons AILuminate / Llama Guard 3 S7)"
#   severity: high
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("privacy"), {
		"rule": "harm.privacy",
		"principle": "Safety: no help with privacy (MLCommons AILuminate / Llama Guard 3 S7)",
		"severity": "high",
	})
}

# METADATA
# title: "Intellectual property (S8)"
# description: >-
#   Piracy, cracking licences, reproducing protected works wholesale.
#   Action and thresholds: config.harm.categories.intellectual_property (default config.harm.default).
# custom:
#   id: harm.intellectual_property
#   principle: "Safety: no help with intellectual property (MLCommons AILuminate / Llama Guard 3 S8)"
#   severity: medium
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("intellectual_property"), {
		"rule": "harm.intellectual_property",
		"principle": "Safety: no help with intellectual property (MLCommons AILuminate / Llama Guard 3 S8)",
		"severity": "medium",
	})
}

# METADATA
# title: "Indiscriminate weapons (S9)"
# description: >-
#   Chemical, biological, radiological, nuclear weapons and explosives (CBRNE).
#   Action and thresholds: config.harm.categories.indiscriminate_weapons (default config.harm.default).
# custom:
#   id: harm.indiscriminate_weapons
#   principle: "Safety: no help with indiscriminate weapons (MLCommons AILuminate / Llama Guard 3 S9)"
#   severity: critical
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("indiscriminate_weapons"), {
		"rule": "harm.indiscriminate_weapons",
		"principle": "Safety: no help with indiscriminate weapons (MLCommons AILuminate / Llama Guard 3 S9)",
		"severity": "critical",
	})
}

# METADATA
# title: "Hate (S10)"
# description: >-
#   Content that demeans or dehumanises people for protected characteristics, or incites hatred against them.
#   Action and thresholds: config.harm.categories.hate (default config.harm.default).
# custom:
#   id: harm.hate
#   principle: "Safety: no help with hate (MLCommons AILuminate / Llama Guard 3 S10)"
#   severity: high
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("hate"), {
		"rule": "harm.hate",
		"principle": "Safety: no help with hate (MLCommons AILuminate / Llama Guard 3 S10)",
		"severity": "high",
	})
}

# METADATA
# title: "Suicide and self-harm (S11)"
# description: >-
#   Suicide, self-injury and disordered eating. The person gets a supportive answer with help resources instead of a bare refusal.
#   Action and thresholds: config.harm.categories.self_harm (default config.harm.default).
# custom:
#   id: harm.self_harm
#   principle: "Safety: no help with suicide and self-harm (MLCommons AILuminate / Llama Guard 3 S11)"
#   severity: critical
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("self_harm"), {
		"rule": "harm.self_harm",
		"principle": "Safety: no help with suicide and self-harm (MLCommons AILuminate / Llama Guard 3 S11)",
		"severity": "critical",
	})
}

# METADATA
# title: "Sexual content (S12)"
# description: >-
#   Explicit sexual content.
#   Action and thresholds: config.harm.categories.sexual_content (default config.harm.default).
# custom:
#   id: harm.sexual_content
#   principle: "Safety: no help with sexual content (MLCommons AILuminate / Llama Guard 3 S12)"
#   severity: medium
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("sexual_content"), {
		"rule": "harm.sexual_content",
		"principle": "Safety: no help with sexual content (MLCommons AILuminate / Llama Guard 3 S12)",
		"severity": "medium",
	})
}

# METADATA
# title: "Elections (S13)"
# description: >-
#   False information about voting (when, where, how, who may vote) and voter suppression.
#   Action and thresholds: config.harm.categories.elections (default config.harm.default).
# custom:
#   id: harm.elections
#   principle: "Safety: no help with elections (MLCommons AILuminate / Llama Guard 3 S13)"
#   severity: high
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("elections"), {
		"rule": "harm.elections",
		"principle": "Safety: no help with elections (MLCommons AILuminate / Llama Guard 3 S13)",
		"severity": "high",
	})
}

# METADATA
# title: "Code interpreter abuse (S14)"
# description: >-
#   Malicious code execution: sandbox escape, privilege escalation, denial of service, malware written to run.
#   Action and thresholds: config.harm.categories.code_interpreter_abuse (default config.harm.default).
# custom:
#   id: harm.code_interpreter_abuse
#   principle: "Safety: no help with code interpreter abuse (MLCommons AILuminate / Llama Guard 3 S14)"
#   severity: high
#   owner: trust-safety
findings contains finding if {
	may_reach
	finding := object.union(category_finding("code_interpreter_abuse"), {
		"rule": "harm.code_interpreter_abuse",
		"principle": "Safety: no help with code interpreter abuse (MLCommons AILuminate / Llama Guard 3 S14)",
		"severity": "high",
	})
}
