package charter.privacy_test

import rego.v1

import data.charter.privacy
import data.charter.lib

chat(text, pii) := {
	"schema": 1,
	"stage": "input",
	"model": {"provider": "openai", "name": "gpt-4o"},
	"text": text,
	"pii": pii,
	"signals": {},
}

on_provider(inp, provider) := object.union(inp, {"model": {"provider": provider, "name": "m"}})

at_stage(inp, stage) := object.union(inp, {"stage": stage})

tc_id := [{"type": "TR_NATIONAL_ID", "score": 1.0, "count": 1}]

rules(inp) := {f.rule | some f in privacy.findings with input as inp}

finding(inp, rule) := f if {
	some f in privacy.findings with input as inp
	f.rule == rule
}

# --- privacy.national_id_external ----------------------------------------------------------

test_tc_kimlik_to_external_provider_is_denied if {
	f := finding(chat("TC kimlik numaram <TR_NATIONAL_ID_1>", tc_id), "privacy.national_id_external")
	f.action == "deny"
	f.severity == "high"
	contains(f.message, "TR_NATIONAL_ID")
	contains(f.message, "openai")
}

test_eu_national_numbers_and_passports_to_external_provider_are_denied if {
	every t in ["ES_NIF", "PL_PESEL", "UK_NINO", "US_PASSPORT", "TR_PASSPORT", "EU_PASSPORT"] {
		"privacy.national_id_external" in rules(chat("x", [{"type": t, "score": 0.9, "count": 1}]))
	}
}

test_crypto_wallets_and_medical_licences_are_masked if {
	pii := [{"type": "CRYPTO", "score": 0.9, "count": 1}, {"type": "MEDICAL_LICENSE", "score": 0.9, "count": 1}]
	f := finding(chat("x", pii), "privacy.pii_external")
	f.action == "redact"
	d := data.charter.main.decision with input as chat("x", pii)
	d.redact == {"CRYPTO": "mask", "MEDICAL_LICENSE": "mask"}
}

test_us_ssn_to_external_provider_is_denied if {
	pii := [{"type": "US_SSN", "score": 0.85, "count": 1}]
	"privacy.national_id_external" in rules(chat("my SSN is <US_SSN_1>", pii))
}

test_national_id_to_local_model_is_allowed if {
	inp := on_provider(chat("TC kimlik numaram <TR_NATIONAL_ID_1>", tc_id), "local")
	count(rules(inp)) == 0
}

test_national_id_in_tool_call_to_external_provider_is_denied if {
	inp := at_stage(chat("", tc_id), "tool_call")
	"privacy.national_id_external" in rules(inp)
}

test_the_message_names_the_provider_when_the_call_names_one if {
	f := finding(chat("", tc_id), "privacy.national_id_external")
	contains(f.message, "an external AI provider (openai). Remove")
}

# A guarded tool's call names no provider (unknown providers count as external): the
# message said "provider ()".
test_the_message_names_no_empty_provider if {
	inp := object.remove(at_stage(chat("", tc_id), "tool_call"), ["model"])
	f := finding(inp, "privacy.national_id_external")
	contains(f.message, "an external AI provider. Remove")
}

test_national_id_is_not_checked_on_output if {
	count(rules(at_stage(chat("", tc_id), "output"))) == 0
}

test_national_id_is_not_also_reported_as_redactable if {
	not "privacy.pii_external" in rules(chat("TC <TR_NATIONAL_ID_1>", tc_id))
}

# --- privacy.pii_external ------------------------------------------------------------------

test_email_and_card_to_external_provider_are_redacted if {
	pii := [
		{"type": "EMAIL_ADDRESS", "score": 0.99, "count": 1},
		{"type": "CREDIT_CARD", "score": 0.99, "count": 1},
	]
	f := finding(chat("mail <EMAIL_ADDRESS_1>, card <CREDIT_CARD_1>", pii), "privacy.pii_external")
	f.action == "redact"
	f.redact == {"EMAIL_ADDRESS": "placeholder", "CREDIT_CARD": "mask"}
	contains(f.message, "CREDIT_CARD, EMAIL_ADDRESS")
}

test_entity_types_without_an_operator_are_not_redacted if {
	pii := [{"type": "LOCATION", "score": 0.85, "count": 1}, {"type": "URL", "score": 0.5}]
	count(rules(chat("in Paris via the website", pii))) == 0
}

# The pattern detector reports a DATE_TIME only for a date of birth (a cue such as "born",
# "DOB", "doğum tarihi" next to it): probing found them sent to the model as typed.
test_a_date_of_birth_gets_a_placeholder if {
	pii := [{"type": "DATE_TIME", "score": 0.85, "count": 1}]
	f := finding(chat("DOB: <DATE_TIME_1>", pii), "privacy.pii_external")
	f.redact == {"DATE_TIME": "placeholder"}
	"DATE_TIME" in data.charter.config.restore_pii
}

test_pii_to_local_model_is_not_redacted if {
	pii := [{"type": "EMAIL_ADDRESS", "score": 0.99, "count": 1}]
	count(rules(on_provider(chat("<EMAIL_ADDRESS_1>", pii), "ollama"))) == 0
}

test_national_id_and_email_deny_and_redact_together if {
	pii := array.concat(tc_id, [{"type": "EMAIL_ADDRESS", "score": 0.99, "count": 1}])
	f := finding(chat("x", pii), "privacy.pii_external")
	f.redact == {"EMAIL_ADDRESS": "placeholder"}
	"privacy.national_id_external" in rules(chat("x", pii))
}

# --- privacy.special_category --------------------------------------------------------------

test_health_details_are_refused_with_a_helpful_message if {
	f := finding(chat("I was diagnosed with cancer, can I defer my loan payment?", []), "privacy.special_category")
	f.action == "deny"
	contains(f.message, "don't share health details")
	contains(f.message, "human agent")
}

test_turkish_health_details_are_refused if {
	"privacy.special_category" in rules(chat("Kanser tedavisi görüyorum, kredi ödemesini erteleyebilir miyim?", []))
	"privacy.special_category" in rules(chat("HAMİLEYİM ve izindeyim", []))
}

test_several_categories_are_named_together if {
	f := finding(chat("As a Muslim and a trade union member I have questions", []), "privacy.special_category")
	contains(f.message, "religion, trade union details")
}

test_religion_and_orientation_in_turkish if {
	"privacy.special_category" in rules(chat("Müslümanım, faizsiz hesap var mı?", []))
	"privacy.special_category" in rules(chat("eşcinsel partnerimle ortak hesap", []))
}

test_a_system_prompt_naming_special_categories_is_not_the_users_data if {
	system := "Never ask customers about their health, religion or political opinions."
	inp := object.union(chat(system, []), {"user_text": "What is my balance?"})
	not "privacy.special_category" in rules(inp)
	"privacy.special_category" in rules(object.union(inp, {"user_text": "I was diagnosed with cancer"}))
}

test_ordinary_banking_words_are_not_special_categories if {
	count(rules(chat("My card is disabled and my fingerprint login fails", []))) == 0
	count(rules(chat("Kartım engellendi, ne yapmalıyım?", []))) == 0
	count(rules(chat("Can I pay in euros inside the European Union member states?", []))) == 0
}

test_a_topic_word_is_not_the_customers_own_data if {
	texts := [
		"What caused the Great Depression?",
		"Is a depression worse than a recession for my savings?",
		"Please send 50 EUR to Christian Müller for the concert tickets.",
		"I was charged twice at Christian Dior on Oxford Street.",
		"I want to set up a monthly donation to Cancer Research UK.",
		"Does my credit card include disability insurance?",
		"Can I log in to the banking app with a fingerprint scan?",
		"Does the bank use a voiceprint to verify me on the phone?",
		"Do you offer Islamic mortgages for Muslim customers?",
		"My horoscope sign is Cancer, lol. Anyway, what's my card limit?",
		"What are the symptoms of type 2 diabetes?",
		"How is HIV transmitted?",
		"Ocağın alevi söndü, ne yapmalıyım?",
		"Engelli vatandaşlar için masrafsız hesap var mı?",
		"Cinsel yönelimine göre ayrımcılık yapılır mı?",
	]
	every text in texts {
		not "privacy.special_category" in rules(chat(text, []))
	}
}

test_disclosing_a_persons_own_data_is_refused if {
	texts := [
		"I have type 2 diabetes, can I get travel insurance with my card?",
		"I'm being treated for depression and missed two payments.",
		"I am a Christian and want to donate my tithe monthly.",
		"I'm gay and want to add my partner to the account.",
		"Engelliyim, şubeye gelemiyorum.",
		"Depresyondayım, taksitleri erteleyebilir miyim?",
		"Sendikaya üyeyim, aidat kesintisi nasıl yapılır?",
		"My DNA test results came back, can I upload them?",
		"My sister is pregnant and we want a joint savings account for the baby.",
	]
	every text in texts {
		"privacy.special_category" in rules(chat(text, []))
	}
}

# Decomposed (NFD) Turkish, as macOS writes it, passed before fold() dropped combining marks.
test_decomposed_turkish_disclosures_are_refused if {
	"privacy.special_category" in rules(chat("Es\u0327cinselim, bunu hesab\u0131ma not eder misiniz?", []))
	"privacy.special_category" in rules(chat("Mu\u0308slu\u0308man\u0131m, faizsiz hesap istiyorum.", []))
}

test_special_categories_are_fine_for_a_local_model if {
	count(rules(on_provider(chat("I have diabetes", []), "local"))) == 0
}

test_special_categories_are_only_checked_on_input if {
	count(rules(at_stage(chat("I have diabetes", []), "tool_call"))) == 0
}

# --- privacy.unread_attachment -------------------------------------------------------------

with_attachments(inp, attachments) := object.union(inp, {"attachments": attachments})

pdf := {"kind": "file", "media_type": "application/pdf", "read": false}

test_an_unread_file_to_an_external_provider_is_denied if {
	f := finding(with_attachments(chat("Summarize it", []), [pdf]), "privacy.unread_attachment")
	f.action == "deny"
	contains(f.message, "files")
	contains(f.message, "openai")
}

test_a_read_text_file_an_image_and_a_local_model_pass if {
	text_file := {"kind": "file", "media_type": "text/plain", "read": true}
	image := {"kind": "image", "media_type": "image/png", "read": false}
	not "privacy.unread_attachment" in rules(with_attachments(chat("x", []), [text_file, image]))
	local := on_provider(with_attachments(chat("x", []), [pdf]), "local")
	not "privacy.unread_attachment" in rules(local)
	not "privacy.unread_attachment" in rules(at_stage(with_attachments(chat("x", []), [pdf]), "output"))
}

test_the_kinds_refused_come_from_config if {
	image := {"kind": "image", "media_type": "image/png", "read": false}
	inp := with_attachments(chat("x", []), [image, pdf])
	f := finding(inp, "privacy.unread_attachment") with data.charter.config.unread_attachments_denied as ["image", "file"]
	contains(f.message, "files, images")
	not "privacy.unread_attachment" in rules(inp) with data.charter.config.unread_attachments_denied as []
}

# Found by review: the exact phrases missed a disclosure with words in between ("I have
# breast cancer", "I'm seven months pregnant", "Müslüman biriyim", "Hamile olduğum için").
# A first-person cue a few words before a term (in Turkish, a first-person form right
# after it) is a disclosure; the term without one, or a cue after it, is a topic (see
# test_a_topic_word_is_not_the_customers_own_data).
test_a_disclosure_with_words_in_between_is_refused if {
	texts := [
		"I have breast cancer and need to pause my loan payments.",
		"I'm a type 1 diabetic, can I get a card with a bigger PIN pad?",
		"I'm seven months pregnant, can I delay my mortgage payments?",
		"I'm HIV-positive and worried about my life insurance.",
		"I suffer from severe depression and missed my payments.",
		"My wife has cancer so we need to restructure the loan.",
		"I'm a practising Muslim, do you offer sharia accounts?",
		"As a Jewish customer I want to know your policy on holidays.",
		"I'm a gay man and want to add my husband to the account.",
		"I am a member of a trade union and pay union dues monthly.",
		"I'm a trade union rep, can my dues be paid by direct debit?",
		"I'm a member of the Labour Party and want to donate monthly.",
		"Here is my fingerprint scan for verification.",
		"I attached my face scan so you can check my identity.",
		"I'm of Kurdish origin, is that why my application was rejected?",
		"Müslüman biriyim, faizsiz hesap var mı?",
		"Eşcinsel biriyim, partnerimi hesaba eklemek istiyorum.",
		"Alevi biriyim, bu yüzden mi başvurum reddedildi?",
		"Hamile olduğum için ödemeleri ertelemek istiyorum.",
		"HIV pozitifim, sigortam bunu kapsıyor mu?",
		"Engelli bir müşteriyim, şubeye gelemiyorum.",
		"Yarın ameliyat olacağım, kartımı eşim kullanabilir mi?",
		"Depresyon ilaçları kullanıyorum, ödemeleri kaçırdım.",
		"Kürt kökenli olduğum için mi kredim reddedildi?",
		"Sendika aidatımı otomatik ödemeye bağlamak istiyorum.",
	]
	every text in texts {
		"privacy.special_category" in rules(chat(text, []))
	}
}

test_a_term_near_a_cue_that_discloses_nothing_passes if {
	texts := [
		"My card is disabled and my fingerprint login fails",
		"Kartım engellendi, ne yapmalıyım?",
		"Can I pay in euros inside the European Union member states?",
		"I have a question about cancer insurance.",
		"Why is my account disabled?",
		"Can I log in with my fingerprint?",
		"Borçtan kurtulmak istiyorum.",
		"Roman okuyorum, kartım nerede?",
		"My Christian name is on the card.",
		"Disregard the typo in my last message, I meant Tuesday.",
		"I'm meant to pay the mortgage on Monday, I'm on holiday.",
	]
	every text in texts {
		not "privacy.special_category" in rules(chat(text, []))
	}
}

test_a_category_without_turkish_terms_still_matches_english if {
	"privacy.special_category" in rules(chat("I have lupus", [])) with data.charter.config.special_category_terms as {"health": {"cues": "condition", "en": ["lupus"]}}
}

test_disclosure_terms_are_normalized if {
	terms := {t | some entry in data.charter.config.special_category_terms; some lang in ["en", "tr"]; some t in entry[lang]}
	count(terms) > 100
	{t | some t in terms; not lib.phrase_is_normalized(t)} == set()
}
