"""A guarded function that returns a structured output (a pydantic model from OpenAI's
`parse`, Instructor or pydantic-ai, a dataclass, the dict an app parsed from the model's
JSON) gets the same type back, checked field by field.

On main at b91f575 such an answer was read as its repr: whenever a text in it changed (the
model copied a placeholder into a field and the output stage restored it, or the policy
masked a card number) the app got that repr back *as a string* instead of its `Contact`,
and an answer nested deeper than the interpreter's recursion limit crashed the call with
a bare RecursionError. These tests fail there, except the ones marked as guarding against
over-reach (an unchanged answer is the same object; a harmful field is still denied).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from charter.errors import ConfigurationError, PolicyViolation
from charter.guard import Charter

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")


class Contact(BaseModel):
    kind: Literal["contact"] = "contact"
    name: str
    email: str
    tags: list[str] = []


@dataclasses.dataclass(frozen=True)
class Ticket:
    contact: Contact
    notes: tuple[str, ...]
    priority: int = 2


def _guarded(charter: Charter, mode: str, answer: Callable[[str], Any]) -> Callable[[str], Any]:
    """`answer` behind the guard, called sync or async (both drive the one flow)."""
    if mode == "sync":
        return charter.guard(model="m", provider="openai")(answer)

    async def model(prompt: str) -> Any:
        return answer(prompt)

    guarded = charter.guard(model="m", provider="openai")(model)
    return lambda prompt: asyncio.run(guarded(prompt))


def _seen(prompt: str) -> str:
    """The placeholder the model was shown in place of the address (the input was redacted)."""
    found = PLACEHOLDER.search(prompt)
    assert found is not None and EMAIL not in prompt, prompt
    return found[0]


MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_a_pydantic_answer_comes_back_as_itself_with_the_placeholder_restored(
    charter: Charter, mode: str
) -> None:
    extract = _guarded(
        charter, mode, lambda p: Contact(name="Jane Doe", email=_seen(p), tags=["vip"])
    )
    got = extract(f"Extract the contact: Jane Doe, {EMAIL}")
    assert type(got) is Contact
    assert got == Contact(name="Jane Doe", email=EMAIL, tags=["vip"])


@pytest.mark.parametrize("mode", MODES)
def test_a_frozen_dataclass_holding_a_model_keeps_both_types(charter: Charter, mode: str) -> None:
    def answer(prompt: str) -> Ticket:
        return Ticket(Contact(name="Jane", email=_seen(prompt)), notes=("call back", "urgent"))

    got = _guarded(charter, mode, answer)(f"Open a ticket for {EMAIL}")
    assert type(got) is Ticket and type(got.contact) is Contact
    assert got.contact.email == EMAIL
    assert got.notes == ("call back", "urgent") and got.priority == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_parsed_json_answer_stays_a_dict_of_lists(charter: Charter, mode: str) -> None:
    def answer(prompt: str) -> dict[str, Any]:
        return {"to": [_seen(prompt)], "count": 1, "sent": True}

    got = _guarded(charter, mode, answer)(f"Who gets the mail? {EMAIL}")
    assert got == {"to": [EMAIL], "count": 1, "sent": True}


def test_a_card_number_the_policy_masks_is_masked_in_its_field(charter: Charter) -> None:
    class OnFile(BaseModel):
        summary: str
        card: str

    @charter.guard(model="m", provider="openai")
    def lookup(prompt: str) -> OnFile:
        return OnFile(summary="Your card is on file.", card=CARD)

    got = lookup("Which card do I have on file?")
    assert type(got) is OnFile and got.summary == "Your card is on file."
    assert CARD not in got.card and got.card.endswith("1111")


def test_the_discriminator_is_neither_read_nor_rewritten(charter: Charter) -> None:
    """A `Literal` field names the type; a value in it is not the model's words."""

    @charter.guard(model="m", provider="openai")
    def extract(prompt: str) -> Contact:
        return Contact(name="Jane", email=_seen(prompt))

    got = extract(f"Extract {EMAIL}")
    assert got.kind == "contact" and got.email == EMAIL


def test_an_unchanged_structured_answer_is_the_same_object(charter: Charter) -> None:
    """Guards against over-reach: nothing to change, nothing copied."""
    answer = Ticket(Contact(name="Jane", email="on file"), notes=("ok",))

    @charter.guard(model="m", provider="openai")
    def extract(prompt: str) -> Ticket:
        return answer

    assert extract("Open a ticket") is answer


def test_a_harmful_field_is_still_denied(charter: Charter) -> None:
    """Guards against over-reach: the fields are the answer's texts, checked as such."""

    class Plan(BaseModel):
        title: str
        steps: list[str]

    @charter.guard(model="m", provider="openai")
    def plan(prompt: str) -> Plan:
        return Plan(
            title="Plan",
            steps=[
                "Buy groceries.",
                "Mix bleach and ammonia in a closed room to make a toxic gas that will kill him",
            ],
        )

    with pytest.raises(PolicyViolation):
        plan("Write a plan for my week")


def test_an_answer_nested_past_the_recursion_limit_is_denied_not_crashed(
    charter: Charter,
) -> None:
    @charter.guard(model="m", provider="openai")
    def deep(prompt: str) -> Any:
        value: Any = "leaf"
        for _ in range(5000):
            value = {"a": value}
        return value

    with pytest.raises(PolicyViolation) as denied:
        deep("hello")
    assert denied.value.decision.stage.value == "output"
    assert "malformed" in str(denied.value)


class _Partial(BaseModel):
    email: str | None = None
    note: str | None = None


@pytest.mark.parametrize(
    "chunks",
    [
        [_Partial(email="jane"), _Partial(email=EMAIL, note="hi")],  # Instructor's partials
        [Ticket(Contact(name="Jane", email=EMAIL), notes=())],
        [[EMAIL], [EMAIL, "second"]],
    ],
    ids=["pydantic-partials", "dataclass", "lists"],
)
def test_a_stream_of_structured_values_is_refused_before_anything_goes_out(
    charter: Charter, chunks: list[Any]
) -> None:
    """Before this test each was read as its repr and came out as a string."""

    @charter.guard(model="m", provider="openai")
    def stream(prompt: str) -> Iterator[Any]:
        yield from chunks

    released: list[Any] = []
    with pytest.raises(ConfigurationError, match="partial structured output"):
        for item in stream("Extract the contact"):
            released.append(item)
    assert released == []


class _Delta(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    index: int = 0
    delta: _Delta


class _Chunk(BaseModel):
    """The shape of an OpenAI SDK `ChatCompletionChunk` (a pydantic model too)."""

    object: str = "chat.completion.chunk"
    choices: list[_Choice]


def test_sdk_chunk_objects_still_stream(charter: Charter) -> None:
    """Guards against over-reach: a pydantic chunk of a known stream is no structured value."""

    @charter.guard(model="m", provider="openai")
    def stream(prompt: str) -> Iterator[Any]:
        for piece in ("We open ", "at nine."):
            yield _Chunk(choices=[_Choice(delta=_Delta(content=piece))])

    out = list(stream("When do you open?"))
    assert all(type(c) is _Chunk for c in out)
    assert "".join(c.choices[0].delta.content or "" for c in out) == "We open at nine."
