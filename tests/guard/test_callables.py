"""What `@guard` can wrap besides a plain function (found by probing): a class or static
method with `@guard` written above it, a `functools.partial`, a callable object whose
`__call__` is `async def` or a generator. Each is guarded, or refused when it is wrapped
with a `ConfigurationError` that says what to do, never a raw `TypeError` or
`AttributeError`."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from typing import Any

import pytest

from charter.errors import ConfigurationError, PolicyViolation
from charter.guard import Charter
from charter.testing import RecordingModel

EMAIL = "jane.doe@example.com"
REDACTED = "Please update my email to <EMAIL_ADDRESS_1>"


def test_guard_above_classmethod_and_staticmethod_guards_the_method(
    charter: Charter, model: RecordingModel
) -> None:
    class Assistant:
        greeting = "class"

        @charter.guard
        @classmethod
        def ask(cls, prompt: str) -> str:
            return f"{cls.greeting}: {model(prompt)}"

        @charter.guard
        @staticmethod
        def answer(prompt: str) -> str:
            return str(model(prompt))

    assert Assistant.ask(f"Please update my email to {EMAIL}").startswith("class: ")
    assert Assistant().answer(f"Please update my email to {EMAIL}") == model.answer
    assert model.calls == [REDACTED, REDACTED]
    with pytest.raises(PolicyViolation):
        Assistant().answer("Which stock should I buy with my savings?")


def test_guard_tool_takes_a_partial_by_its_functions_name(charter: Charter) -> None:
    def refund(order_id: str, amount: float, account: str) -> str:
        return f"refunded {amount} on {order_id} from {account}"

    safe = charter.guard.tool(functools.partial(refund, account="ACME"))
    with pytest.raises(PolicyViolation) as denied:  # not a tool the shipped policy knows
        safe("A-1", 10)
    assert 'tool "refund"' in str(denied.value)
    named = charter.guard.tool(name="issue_refund")(functools.partial(refund, account="ACME"))
    assert named("A-1", 10) == "refunded 10 on A-1 from ACME"


def test_guard_tool_asks_a_callable_object_for_its_name(charter: Charter) -> None:
    class Refunds:
        def __call__(self, order_id: str, amount: float) -> str:
            return f"refunded {amount} on {order_id}"

    with pytest.raises(ConfigurationError, match=r"guard\.tool\(name=\.\.\.\)"):
        charter.guard.tool(Refunds())
    assert charter.guard.tool(name="issue_refund")(Refunds())("A-1", 10) == "refunded 10 on A-1"


def test_a_callable_object_answers_as_its_call_method_does(
    charter: Charter, model: RecordingModel
) -> None:
    class AsyncModel:
        async def __call__(self, prompt: str) -> str:
            return str(model(prompt))

    class StreamingModel:
        def __call__(self, prompt: str) -> Iterator[str]:
            yield str(model(prompt))

    asked = charter.guard(AsyncModel())
    assert asyncio.run(asked(f"Please update my email to {EMAIL}")) == model.answer
    streamed = charter.guard(StreamingModel())
    assert "".join(streamed(f"Please update my email to {EMAIL}")) == model.answer
    assert model.calls == [REDACTED, REDACTED]


@pytest.mark.parametrize("thing", [42, property(lambda self: 1), max])
def test_what_has_no_parameters_to_read_is_refused_when_wrapped(
    charter: Charter, thing: Any
) -> None:
    with pytest.raises(ConfigurationError, match="guard"):
        charter.guard(thing)
    with pytest.raises(ConfigurationError, match="guard"):
        charter.guard.tool(name="t")(thing)
