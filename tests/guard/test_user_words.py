"""Rules about what the user asks read the user's own words, not the app's instructions.

A bank's system prompt says what the assistant must not do ("never give investment advice
or discuss weapons"). On main at 0dcaa14 the shipped `topics.forbidden` and
`privacy.special_category` rules matched their phrases in every text of a chat prompt, so
that system prompt refused every call the bank made. The policy input now carries
`user_text` (the texts of the user's messages) and those rules read it. These tests fail
there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from charter.errors import PolicyViolation
from charter.guard import Charter
from tests.adversarial.helpers import recorded

SYSTEM = (
    "You are the assistant of Example Bank. Never give investment advice, never discuss "
    "weapons or tax evasion, and never ask customers about their health or religion."
)


def _model(charter: Charter) -> Any:
    @charter.guard(model="gpt-4o", provider="openai")
    def model(messages: Any) -> str:
        return "We open at nine."

    return model


@pytest.mark.parametrize("shape", ["openai", "langchain"])
def test_a_system_prompt_naming_what_not_to_do_does_not_refuse_the_call(
    charter: Charter, shape: str
) -> None:
    question = "When do you open on Saturday?"
    prompt: Any = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    if shape == "langchain":
        prompt = [SystemMessage(content=SYSTEM), HumanMessage(content=question)]
    assert _model(charter)(prompt) == "We open at nine."


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        ("Which stocks should I buy with my savings?", "topics.forbidden"),
        ("I was diagnosed with cancer, can I defer my loan payment?", "privacy.special_category"),
    ],
)
def test_the_users_own_request_is_still_refused(charter: Charter, question: str, rule: str) -> None:
    prompt = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    with pytest.raises(PolicyViolation) as raised:
        _model(charter)(prompt)
    assert rule in raised.value.decision.rules


def test_a_plain_prompt_is_all_the_users(charter: Charter) -> None:
    with pytest.raises(PolicyViolation) as raised:
        _model(charter)("Which stocks should I buy with my savings?")
    assert "topics.forbidden" in raised.value.decision.rules


def test_the_users_words_are_not_kept_in_the_decision_log(charter: Charter) -> None:
    """`user_text` is part of `text`, whose hash stands for both in a record."""
    question = "When do you open?"
    _model(charter)([{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}])
    records = recorded(charter)
    assert records and all("user_text" not in r.input for r in records)
    assert question not in json.dumps([r.input for r in records])
