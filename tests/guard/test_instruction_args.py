"""The app's instructions passed beside the prompt (`system=`, `instructions=`,
`system_prompt=`) reach the model only after the checks.

On main at 5975a29 only the prompt argument was read: a bank's instructions naming the
customer ("You are helping Jane Doe, card ...") went to the model as written, through
`client.messages.create(system=...)` or `client.responses.create(instructions=...)`
wrapped by the guard. These tests fail there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel

from charter.errors import PolicyViolation
from charter.guard import Charter

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"
NOT_GIVEN = object()  # an SDK's sentinel for an argument left out


def test_anthropic_system_text_and_blocks_are_redacted(charter: Charter) -> None:
    sent: list[Any] = []

    @charter.guard(model="claude-x", provider="anthropic")
    def create(*, model: str = "c", system: Any = NOT_GIVEN, messages: list[Any]) -> str:
        sent.append(system)
        return "We open at nine."

    question = [{"role": "user", "content": "When do you open?"}]
    create(system=f"The customer's card is {CARD}.", messages=question)
    assert CARD not in sent[0] and sent[0].endswith("1111.")
    blocks = [
        {"type": "text", "text": "You are a bank assistant."},
        {"type": "text", "text": f"Card: {CARD}", "cache_control": {"type": "ephemeral"}},
    ]
    create(system=blocks, messages=question)
    assert sent[1][0] == blocks[0]
    assert sent[1][1]["cache_control"] == {"type": "ephemeral"} and CARD not in sent[1][1]["text"]
    assert CARD in blocks[1]["text"]  # the application's own list is left as it was
    create(messages=question)
    assert sent[2] is NOT_GIVEN


def test_responses_instructions_share_the_prompts_placeholders(charter: Charter) -> None:
    """A placeholder the model copies from the instructions is restored in its answer,
    like one from the prompt."""

    @charter.guard(model="gpt-x", provider="openai")
    def create(*, input: Any, instructions: str | None = None) -> str:
        assert instructions is not None and EMAIL not in instructions
        found = re.search(r"<EMAIL_ADDRESS_\d+>", instructions)
        assert found is not None
        return f"I will write to {found[0]}."

    answer = create(input="Please confirm my contact.", instructions=f"Customer e-mail: {EMAIL}")
    assert answer == f"I will write to {EMAIL}."


def test_instructions_are_read_by_the_policy_but_are_not_the_users_words(charter: Charter) -> None:
    docs: list[dict[str, Any]] = []
    engine: Any = charter.engine
    evaluate = engine.evaluate

    def spy(doc: Any) -> Any:
        docs.append(dict(doc))
        return evaluate(doc)

    engine.evaluate = spy

    @charter.guard(model="m", provider="openai")
    def chat(system_prompt: str, prompt: str) -> str:
        return "Fine."

    chat(system_prompt="Never give investment advice.", prompt="When do you open?")
    first = docs[0]
    assert first["stage"] == "input"
    assert "Never give investment advice." in first["text"]  # the policy reads it
    assert first["user_text"] == "When do you open?"  # scope rules read only this


def test_instructions_first_are_not_taken_for_the_prompt(charter: Charter) -> None:
    """`chat(system_prompt, user_message)`, no parameter named as a prompt: the system prompt
    was taken for it, so the user's e-mail reached the model and "hello" was refused for
    the words of the instructions (found by probing)."""
    sent: list[str] = []

    def by_system_prompt(system_prompt: str, user_message: str) -> str:
        sent.append(f"{system_prompt}\n{user_message}")
        return "Sure."

    def by_system(system: str, user_message: str) -> str:
        sent.append(f"{system}\n{user_message}")
        return "Sure."

    for chat in (by_system_prompt, by_system):
        safe = charter.guard(model="m", provider="openai")(chat)
        sent.clear()
        safe("You are the bank's assistant.", f"Please update my email to {EMAIL}")
        assert sent == [
            "You are the bank's assistant.\nPlease update my email to <EMAIL_ADDRESS_1>"
        ]
        assert safe("Never give investment advice or stock tips.", "hello") == "Sure."
        with pytest.raises(PolicyViolation):
            safe("You are the bank's assistant.", "Which stock should I buy with my savings?")


class _Part(BaseModel):
    """The shape of google-genai's `types.Part` / `Content` / `GenerateContentConfig` (the
    SDK is not installed here; its types are pydantic models like these)."""

    text: str | None = None
    inline_data: dict[str, Any] | None = None


class _Content(BaseModel):
    role: str | None = None
    parts: list[_Part] = []


class _Config(BaseModel):
    temperature: float | None = None
    system_instruction: str | _Content | None = None


def _gemini(charter: Charter, sent: list[Any]) -> Any:
    @charter.guard(model="gemini-x", provider="gemini")
    def generate_content(*, model: str = "g", contents: Any, config: Any = None) -> str:
        sent.append(config)
        return "We open at nine."

    return generate_content


def test_gemini_config_system_instruction_is_redacted_as_text_dict_and_content(
    charter: Charter,
) -> None:
    """On main at 9e22384 `config.system_instruction` went to Gemini as written."""
    sent: list[Any] = []
    generate = _gemini(charter, sent)
    question = [{"role": "user", "parts": [{"text": "When do you open?"}]}]

    generate(contents=question, config={"system_instruction": f"Card {CARD}", "temperature": 0})
    assert sent[0]["temperature"] == 0 and CARD not in sent[0]["system_instruction"]

    image = _Part(inline_data={"mime_type": "image/png", "data": "AAAA"})
    content = _Content(parts=[_Part(text="You are a bank assistant."), image, _Part(text=EMAIL)])
    config = _Config(temperature=0.2, system_instruction=content)
    generate(contents=question, config=config)
    got = sent[1]
    assert type(got) is _Config and got.temperature == 0.2
    assert type(got.system_instruction) is _Content
    first, kept, redacted = got.system_instruction.parts
    assert first.text == "You are a bank assistant." and kept == image
    assert redacted.text is not None and re.fullmatch(r"<EMAIL_ADDRESS_\d+>", redacted.text)
    assert config.system_instruction is content and content.parts[2].text == EMAIL  # the app's

    untouched = _Config(temperature=0.1, system_instruction="You are a bank assistant.")
    generate(contents=question, config=untouched)
    assert sent[2] is untouched  # nothing to redact: the app's own object goes out
    generate(contents=question)
    assert sent[3] is None
