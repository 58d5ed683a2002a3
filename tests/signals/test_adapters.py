from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Coroutine, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from charter.signals import CallableSignal, Signal, SignalError


def test_a_number_is_reported_under_the_signal_name() -> None:
    signal = CallableSignal("toxicity", lambda text: 0.25 if "idiot" in text else 0.0)
    assert isinstance(signal, Signal)
    assert signal.score("you idiot") == {"toxicity": 0.25}
    assert signal.score("hello") == {"toxicity": 0.0}


def test_a_mapping_feeds_several_scores() -> None:
    def guard(text: str) -> Mapping[str, float]:
        return {"harm.violence": 0.9 if "kill" in text else 0.0, "harm.self_harm": 0}

    signal = CallableSignal("harm", guard)
    assert signal.score("kill") == {"harm.violence": 0.9, "harm.self_harm": 0.0}


async def test_async_callables_are_awaited() -> None:
    async def moderation(text: str) -> float:
        await asyncio.sleep(0)
        return 0.75 if "attack" in text else 0.1

    signal = CallableSignal("moderation", moderation)
    assert signal.is_async
    assert await signal.ascore("attack") == {"moderation": 0.75}


async def test_sync_callables_work_through_ascore() -> None:
    assert await CallableSignal("s", lambda _: 1).ascore("x") == {"s": 1.0}


def test_score_on_an_async_callable_says_to_use_ascore_and_closes_the_coroutine() -> None:
    created: list[Coroutine[Any, Any, float]] = []

    async def moderation(text: str) -> float:
        return 0.5

    def tracked(text: str) -> Coroutine[Any, Any, float]:
        created.append(moderation(text))
        return created[-1]

    signal = CallableSignal("moderation", tracked)
    with pytest.raises(SignalError, match=r"'moderation' is async; call `await ascore"):
        signal.score("x")
    assert inspect.getcoroutinestate(created[0]) == inspect.CORO_CLOSED  # no 'never awaited'


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (1.5, r"returned 1\.5 for score 'guard'; scores must be within \[0, 1\]"),
        (-0.1, r"returned -0\.1"),
        (math.nan, r"returned nan"),
        (math.inf, r"returned inf"),
        (True, r"returned a bool for score 'guard'"),
        ("0.5", r"returned a str for score 'guard'"),
        (None, r"returned a NoneType"),
        ({"ok": 0.1, "bad name!": 0.2}, r"\(a str of 9 characters, not shown\) is not a valid"),
        ({3: 0.2}, r"returned score name \(of type int\) is not a valid signal name"),
    ],
)
def test_bad_outputs_are_clear_errors_naming_the_signal(returned: object, message: str) -> None:
    signal = CallableSignal("guard", lambda _: returned)  # type: ignore[arg-type,return-value]
    with pytest.raises(SignalError, match=message):
        signal.score("text")


def test_any_real_number_is_a_score() -> None:
    """A model's numpy.float32 was refused ("returned a float32"), so a classifier that
    returned one failed on every call and its signal was an error every time."""
    assert CallableSignal("c", lambda _: np.float32(0.25)).score("x") == {"c": 0.25}
    assert CallableSignal("c", lambda _: {"a": np.float64(0.5), "b": np.int64(1)}).score("x") == {
        "a": 0.5,
        "b": 1.0,
    }
    assert CallableSignal("c", lambda _: Fraction(1, 4)).score("x") == {"c": 0.25}
    for not_a_score in (np.bool_(True), np.float32(1.5), np.array([0.2])):
        with pytest.raises(SignalError):
            CallableSignal("c", lambda _, v=not_a_score: v).score("x")


def test_bad_names_and_non_callables_are_rejected() -> None:
    with pytest.raises(SignalError, match="not a valid signal name"):
        CallableSignal("has space", lambda _: 0.0)
    with pytest.raises(SignalError, match="fn must be callable as fn\\(text\\), got float"):
        CallableSignal("x", 0.5)  # type: ignore[arg-type]


def test_error_messages_never_quote_the_text() -> None:
    secret = "my password is hunter2"
    signal = CallableSignal("guard", lambda text: 7.0)
    with pytest.raises(SignalError) as info:
        signal.score(secret)
    assert "hunter2" not in str(info.value)


async def test_callable_objects_with_async_call_are_async() -> None:
    class HostedModeration:
        async def __call__(self, text: str) -> dict[str, float]:
            return {"harm.hate": 0.05}

    signal = CallableSignal("hosted", HostedModeration())
    assert signal.is_async
    assert not CallableSignal("sync", lambda _: 0.0).is_async
    assert await signal.ascore("hello") == {"harm.hate": 0.05}
