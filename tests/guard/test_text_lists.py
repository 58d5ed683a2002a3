"""A prompt or an answer that is a list of texts (Gemini's `contents=["...", "..."]`, a
function over several prompts) is read text by text and keeps its shape.

On main at 6519d52 a list of texts was no prompt shape ("cannot find the prompt"), and as an
answer it was read as its repr, so a masked one came back as one string. These tests fail
there.
"""

from __future__ import annotations

from typing import Any

import pytest

from charter.errors import PolicyViolation
from charter.guard import Charter

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"


def test_a_list_of_texts_is_redacted_and_answered_in_kind(charter: Charter) -> None:
    sent: list[Any] = []

    @charter.guard(model="gemini-x", provider="gcp.gemini")
    def generate(contents: list[str]) -> list[str]:
        sent.append(contents)
        return [f"Your card {CARD} is active.", "Anything else?"]

    prompt = ["Hello.", f"Write to {EMAIL}."]
    out = generate(prompt)
    assert sent == [["Hello.", "Write to <EMAIL_ADDRESS_1>."]]
    assert out == ["Your card **** **** **** 1111 is active.", "Anything else?"]
    assert prompt[1].endswith(f"{EMAIL}.")  # the caller's list is left as it was


def test_a_forbidden_request_in_any_text_of_the_list_is_refused(charter: Charter) -> None:
    @charter.guard(model="m", provider="p")
    def generate(contents: tuple[str, ...]) -> str:
        raise AssertionError("never called")

    with pytest.raises(PolicyViolation) as raised:
        generate(("Hello.", "Which stocks should I buy with my savings?"))
    assert "topics.forbidden" in raised.value.decision.rules
