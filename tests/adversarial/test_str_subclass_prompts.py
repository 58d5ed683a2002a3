"""A prompt that is a `str` subclass with overrides of its own.

Found by probing: a prompt whose `__eq__` always held (a case-insensitive string type gone
wrong) or whose `__len__` said 0 reached the model with its e-mail address unredacted,
plain or in chat messages, sync, async and streamed: the write-back compared the redacted
texts with the subclass's `==` and saw no change, and detection read `len()` characters.
A 1.5M-character one passed `max_text_chars`. The guard now reads each text as the plain
`str` it holds, and sends that. These tests fail without the fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from charter import LimitExceeded
from charter.guard import Charter
from charter.testing import RecordingModel

EMAIL = "jane.doe@example.com"


class EqStr(str):
    """Equal to everything."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


class LenStr(str):
    """Says it is empty."""

    def __len__(self) -> int:
        return 0


def _drive(charter: Charter, model: RecordingModel, how: str) -> Callable[..., Any]:
    """A guarded function on `model`, called the `how` way, returning the answer."""
    if how == "async":

        @charter.guard(model="gpt-4o-mini", provider="openai")
        async def aask(prompt: Any, system: Any = None) -> str:
            return await model.acall(prompt if system is None else [system, prompt])

        return lambda prompt, **kw: asyncio.run(aask(prompt, **kw))
    if how == "stream":

        @charter.guard(model="gpt-4o-mini", provider="openai")
        def sask(prompt: Any, system: Any = None) -> Iterator[str]:
            yield from model.stream(prompt if system is None else [system, prompt])

        return lambda prompt, **kw: "".join(sask(prompt, **kw))

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def ask(prompt: Any, system: Any = None) -> str:
        return model(prompt if system is None else [system, prompt])

    return ask


def _sent_texts(sent: Any) -> list[Any]:
    if isinstance(sent, str):
        return [sent]
    if isinstance(sent, dict):
        return [sent["content"]]
    return [t for item in sent for t in _sent_texts(item)]


@pytest.mark.parametrize("how", ["sync", "async", "stream"])
@pytest.mark.parametrize("cls", [EqStr, LenStr])
@pytest.mark.parametrize("shape", ["plain", "messages", "instruction"])
def test_a_str_subclass_prompt_is_redacted_and_sent_as_a_plain_str(
    charter: Charter, how: str, cls: type[str], shape: str
) -> None:
    model = RecordingModel("Sure.")
    call = _drive(charter, model, how)
    said = cls(f"Please update my email to {EMAIL}")
    if shape == "plain":
        call(said)
    elif shape == "messages":
        call([{"role": "user", "content": said}])
    else:  # an instruction beside the prompt (`system=`) is read as the prompt is
        call("Hello there", system=said)
    [sent] = model.calls
    texts = _sent_texts(sent)
    assert texts and all(type(t) is str for t in texts)  # main: the subclass, e-mail and all
    assert not any(EMAIL in t for t in texts)
    assert any("<EMAIL_ADDRESS_1>" in t for t in texts)


@pytest.mark.parametrize("where", ["prompt", "other argument"])
def test_a_str_subclass_hiding_its_length_is_measured_by_its_characters(
    charter: Charter, where: str
) -> None:
    model = RecordingModel("Sure.")

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def ask(prompt: str, note: Any = None) -> str:
        return model(prompt)

    big = LenStr("a" * (charter.settings.max_text_chars + 1))
    with pytest.raises(LimitExceeded) as raised:  # main: the model was called
        ask(big) if where == "prompt" else ask("hi", note=big)
    assert raised.value.setting == "max_text_chars" and model.calls == []


@pytest.mark.parametrize("cls", [EqStr, LenStr])
def test_check_and_redact_read_a_str_subclass_as_its_characters(
    charter: Charter, cls: type[str]
) -> None:
    text = cls(f"mail {EMAIL}")
    redaction = charter.redact(text)
    assert type(redaction.text) is str and redaction.text == "mail <EMAIL_ADDRESS_1>"
    assert "EMAIL_ADDRESS" in charter.check(text).redact  # main: LenStr was allowed, unread
