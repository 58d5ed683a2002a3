"""An answer from `chat.completions.parse()` / `responses.parse()` carries the model's JSON
twice: as text (`content`, an `output_text` part's `text`) and as the object the SDK built
from it (`message.parsed`, the part's `parsed`), which is what the app reads.

On main at 9e22384 only the text was checked and written back: a card number the policy
masks stayed in `parsed`, a placeholder the model copied stayed a placeholder there, and
a refused answer still carried the refused object in `parsed`. These tests fail there,
except the one that guards against over-reach (an unchanged answer keeps its object).
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel

from charter.guard import Charter

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


class Card(BaseModel):
    last_used: str
    number: str


class OnFile(BaseModel):
    holder: str
    cards: list[Card]


def _on_file(number: str, holder: str = "Jane") -> OnFile:
    return OnFile(holder=holder, cards=[Card(last_used="today", number=number)])


def _chat(parsed: OnFile) -> dict[str, Any]:
    message = {
        "role": "assistant",
        "content": parsed.model_dump_json(),
        "parsed": parsed,
        "refusal": None,
    }
    return {"object": "chat.completion", "choices": [{"index": 0, "message": message}]}


def test_a_masked_card_is_masked_in_the_parsed_object_too(charter: Charter) -> None:
    @charter.guard(model="m", provider="openai")
    def parse(prompt: str) -> Any:
        return _chat(_on_file(CARD))

    message = parse("Which card do I have on file?")["choices"][0]["message"]
    parsed = message["parsed"]
    assert type(parsed) is OnFile and type(parsed.cards[0]) is Card
    assert CARD not in parsed.cards[0].number and parsed.cards[0].number.endswith("1111")
    assert parsed.holder == "Jane" and parsed.cards[0].last_used == "today"
    assert OnFile.model_validate_json(message["content"]) == parsed  # text and object agree


def test_a_restored_placeholder_is_restored_in_the_sdk_objects_parsed(charter: Charter) -> None:
    """An SDK answer object (mutable, as the OpenAI SDK's are), not a dict."""

    @charter.guard(model="m", provider="openai")
    def parse(prompt: str) -> Any:
        found = PLACEHOLDER.search(prompt)
        assert found is not None and EMAIL not in prompt
        parsed = _on_file("none", holder=found[0])
        message = SimpleNamespace(
            role="assistant", content=parsed.model_dump_json(), parsed=parsed, audio=None
        )
        return SimpleNamespace(choices=[SimpleNamespace(index=0, message=message)])

    message = parse(f"Look up the cards of {EMAIL}").choices[0].message
    assert message.parsed.holder == EMAIL and json.loads(message.content)["holder"] == EMAIL


class Plan(BaseModel):
    title: str
    steps: list[str]


def test_a_refused_answer_carries_no_parsed_object(charter: Charter) -> None:
    plan = Plan(title="Plan", steps=[HARMFUL, "Step 2: seal the door and wait outside."])

    @charter.guard(model="m", provider="openai", on_deny="refuse")
    def parse(prompt: str) -> Any:
        message = {"role": "assistant", "content": plan.model_dump_json(), "parsed": plan}
        return {"object": "chat.completion", "choices": [{"index": 0, "message": message}]}

    message = parse("Tell me a story")["choices"][0]["message"]
    assert message["parsed"] is None and HARMFUL not in json.dumps(message["content"])


def test_a_responses_parse_part_is_masked_in_parsed_too(charter: Charter) -> None:
    @charter.guard(model="m", provider="openai")
    def parse(prompt: str) -> Any:
        data = {"holder": "Jane", "cards": [{"last_used": "today", "number": CARD}]}
        part = {"type": "output_text", "text": json.dumps(data), "annotations": [], "parsed": data}
        message = {"type": "message", "role": "assistant", "content": [part]}
        return {"object": "response", "output": [message]}

    part = parse("Which card do I have on file?")["output"][0]["content"][0]
    number = part["parsed"]["cards"][0]["number"]
    assert CARD not in number and number.endswith("1111")
    assert json.loads(part["text"]) == part["parsed"]


def test_an_unchanged_parsed_answer_keeps_its_object(charter: Charter) -> None:
    """Guards against over-reach."""
    parsed = _on_file("none")

    @charter.guard(model="m", provider="openai")
    def parse(prompt: str) -> Any:
        return _chat(parsed)

    assert parse("Which card do I have on file?")["choices"][0]["message"]["parsed"] is parsed
