"""A placeholder another scope issued, already in the text being redacted, is never issued
again for another value, and never restored as one (found by probing an agent).

Without `charter.context(conversation=...)` every guarded step has a fresh scope numbering
from 1. A guarded tool's result redacted another customer's address to
`<EMAIL_ADDRESS_1>`; the agent's next model call, in a scope of its own, gave the user's
address the same name, and restored the tool's placeholder in the answer as the user's
address: the user was told the wrong person's address.
"""

from __future__ import annotations

from typing import Any

from charter.guard import Charter
from charter.pii import Vault, redact
from charter.pii.pattern import PatternDetector

USER = "ayse.yilmaz@example.com"
OTHER = "mehmet.demir@example.org"


def test_a_new_placeholder_skips_one_already_in_the_text() -> None:
    vault, detector = Vault(), PatternDetector()
    text = f"Tool said: <EMAIL_ADDRESS_1> placed it. I am {USER}."
    redaction = redact(text, detector.detect(text), {"*": "placeholder"}, vault=vault)
    assert redaction.text == "Tool said: <EMAIL_ADDRESS_1> placed it. I am <EMAIL_ADDRESS_2>."
    answer = "<EMAIL_ADDRESS_1> placed it; you are <EMAIL_ADDRESS_2>."
    assert redaction.restore(answer) == f"<EMAIL_ADDRESS_1> placed it; you are {USER}."


def test_a_guarded_agents_tool_placeholder_is_not_restored_as_the_users(
    charter: Charter,
) -> None:
    """A plain `@guard` agent loop: the tool's result goes into the next prompt."""
    sent: list[Any] = []

    @charter.guard.tool(name="lookup_order")
    def lookup_order(order_id: str) -> str:
        return f"Order {order_id} was placed by {OTHER}"

    @charter.guard(model="gpt-4o", provider="openai")
    def model(messages: list[dict[str, Any]]) -> str:
        sent.append(messages)
        return "That order was placed by " + messages[-1]["content"].split("placed by ")[-1]

    result = lookup_order("A-1")
    assert result == "Order A-1 was placed by <EMAIL_ADDRESS_1>"
    answer = model(
        [
            {"role": "user", "content": f"I am {USER}. Who placed order A-1?"},
            {"role": "tool", "tool_call_id": "c1", "content": result},
        ]
    )
    assert sent[0][0]["content"] == "I am <EMAIL_ADDRESS_2>. Who placed order A-1?"
    assert answer == "That order was placed by <EMAIL_ADDRESS_1>"  # main: the user's address
    assert USER not in answer


def test_a_placeholder_in_a_json_result_is_not_reused_in_it(charter: Charter) -> None:
    """JSON values too: a tool result that holds a placeholder and a new address."""

    @charter.guard.tool(name="search_faq")
    def search_faq(query: str) -> dict[str, Any]:
        return {"known": "<EMAIL_ADDRESS_1>", "new": OTHER}

    assert search_faq("x") == {"known": "<EMAIL_ADDRESS_1>", "new": "<EMAIL_ADDRESS_2>"}


LONG = "EMAIL_ADDRESS_" + "9" * 4301  # past int()'s 4300-digit limit (found by review)


def test_a_placeholder_like_word_with_thousands_of_digits_is_text(charter: Charter) -> None:
    """It crashed every guarded call holding it with a ValueError from int()."""
    sent: list[Any] = []

    @charter.guard(model="gpt-4o", provider="openai")
    def model(messages: list[dict[str, Any]]) -> str:
        sent.append(messages)
        return f"Noted, and {LONG} stays."

    answer = model([{"role": "user", "content": f"Mail {USER} and {LONG}"}])
    assert sent[0][0]["content"] == f"Mail <EMAIL_ADDRESS_1> and {LONG}"
    assert answer == f"Noted, and {LONG} stays."


def test_a_redaction_and_restore_leave_a_long_digit_word_alone() -> None:
    vault, detector = Vault(), PatternDetector()
    text = f"{LONG} and {USER}"
    redaction = redact(text, detector.detect(text), {"*": "placeholder"}, vault=vault)
    assert redaction.text == f"{LONG} and <EMAIL_ADDRESS_1>"
    assert redaction.restore(f"<EMAIL_ADDRESS_1>, {LONG}") == f"{USER}, {LONG}"
