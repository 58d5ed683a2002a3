"""`CallableSignal`: plug any classifier the user already has into the policy input.

A Llama Guard wrapper, a hosted moderation API, an in-house model: anything that takes the
text and returns a score (or several named scores) in [0, 1]. Async callables work through
`ascore` (`SignalSet.ascore`), for code that scores texts itself; the guard scores a call's
texts synchronously, so `Charter` refuses an async signal.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeAlias

from charter.signals.base import SignalError, check_score_name, check_scores

ScoreResult: TypeAlias = float | Mapping[str, float]
ScoreFunction: TypeAlias = Callable[[str], ScoreResult | Awaitable[ScoreResult]]


class CallableSignal:
    """Adapts `fn(text) -> float | {name: float}` (sync or async) to the `Signal` protocol.

    A plain number is reported under `name`; a mapping is reported as-is, so one call can
    feed several scores (e.g. `{"harm.violence": 0.1, "harm.self_harm": 0.0}`). Values must
    be finite and within [0, 1]; anything else raises `SignalError` naming the signal.
    """

    def __init__(self, name: str, fn: ScoreFunction) -> None:
        self.name = check_score_name(name, what="signal name")
        if not callable(fn):
            raise SignalError(
                f"signal {name!r}: fn must be callable as fn(text), got {type(fn).__name__}"
            )
        self._fn = fn

    @property
    def is_async(self) -> bool:
        """True when `fn` is a coroutine function (then prefer `ascore`)."""
        call = type(self._fn).__call__ if not inspect.isfunction(self._fn) else None
        return inspect.iscoroutinefunction(self._fn) or inspect.iscoroutinefunction(call)

    def score(self, text: str) -> dict[str, float]:
        result = self._fn(text)
        if inspect.isawaitable(result):
            _close(result)
            raise SignalError(
                f"signal {self.name!r} is async; call `await ascore(text)` (or use a "
                "SignalSet's ascore) instead of score()"
            )
        return check_scores(self.name, result)

    async def ascore(self, text: str) -> dict[str, float]:
        result = self._fn(text)
        if inspect.isawaitable(result):
            result = await result
        return check_scores(self.name, result)

    def __repr__(self) -> str:
        return f"CallableSignal(name={self.name!r}, fn={getattr(self._fn, '__name__', self._fn)!r})"


def _close(awaitable: object) -> None:
    """Close an un-awaited coroutine so Python does not warn 'never awaited'."""
    close = getattr(awaitable, "close", None)
    if callable(close):
        close()
