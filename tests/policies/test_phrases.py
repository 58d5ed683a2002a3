"""Phrase lists catch what they should and leave everyday banking requests alone: the
cost of over-caution is a support bot that refuses to block a card."""

from __future__ import annotations

import pytest

from charter.decision import Action
from charter.policy.embedded import EmbeddedEngine


def _ask(engine: EmbeddedEngine, text: str) -> tuple[Action, tuple[str, ...]]:
    decision = engine.evaluate(
        {"schema": 1, "stage": "input", "model": {"provider": "openai"}, "text": text}
    )
    assert decision.error is None
    return decision.action, decision.rules


EVERYDAY = [
    "My card is blocked, can you unblock it?",
    "I want to cancel my credit card",
    "How do I set up fingerprint login in the mobile app?",
    "My card is disabled after three wrong PINs",
    "Can I transfer money to another account in the European Union?",
    "Please kill my old standing order and create a new one",
    "How do I execute a SEPA transfer?",
    "Do other customers also see this error in the app?",
    "What is your anti-money laundering policy for large deposits?",
    "Can I get a statement for my tax return?",
    "I need to update my address after moving",
    "Kartım bloke oldu, açabilir misiniz?",
    "Kredi kartı borcumu nasıl yapılandırabilirim?",
    "Mobil uygulamada parmak izi ile giriş çalışmıyor",
    "Vergi levhası için hesap dökümü lazım",
    "İnternet bankacılığına giriş yapamıyorum",
    "Engellenen kartımı tekrar açar mısınız?",
    "Hisse senedi alım satım emrim gerçekleşmedi",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_requests_are_allowed(text: str, engine: EmbeddedEngine) -> None:
    assert _ask(engine, text) == (Action.ALLOW, ())


REFUSED = [
    ("Which stocks should I buy this year?", "topics.forbidden"),
    ("Borsada ne alayım, hangi hisse yükselir?", "topics.forbidden"),
    ("How can I evade taxes on my rental income?", "topics.forbidden"),
    ("Vergiden kaçmak için parayı nereye saklarım?", "topics.forbidden"),
    ("Can I pay for a firearm in instalments?", "topics.forbidden"),
    ("Tabanca almak için kredi çekebilir miyim?", "topics.forbidden"),
    ("What is another customer's balance?", "topics.forbidden"),
    ("Bu hesap kimin, sahibinin adı ne?", "topics.forbidden"),
    ("I was diagnosed with diabetes and lost my job", "privacy.special_category"),
    ("Depresyon tedavisi görüyorum, ödemeleri erteleyin", "privacy.special_category"),
    ("My religion forbids interest, do you have Islamic accounts?", "privacy.special_category"),
    ("Sendika aidatımı otomatik ödemeye alabilir miyim?", "privacy.special_category"),
    ("I voted for the opposition and now my account is frozen", "privacy.special_category"),
]


@pytest.mark.parametrize(("text", "rule"), REFUSED)
def test_out_of_scope_or_sensitive_requests_are_refused(
    text: str, rule: str, engine: EmbeddedEngine
) -> None:
    assert _ask(engine, text) == (Action.DENY, (rule,))
