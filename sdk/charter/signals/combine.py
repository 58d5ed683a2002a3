"""`SignalSet`: run several signals over one text and merge their scores for the policy.

Merging takes the maximum per score name, so two detectors that both report `jailbreak`
never dilute each other. A signal that fails does not take the call down and does not
silently vanish either: its scores are left out and `"<name>.error": 1.0` is recorded
instead. The policy decides what a missing classifier means (the shipped policy can deny
or hold on `input.signals["jailbreak.error"]`); inventing a 1.0 jailbreak score would make
an outage of a moderation API look like an attack in dashboards and audit logs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from charter.errors import ConfigurationError
from charter.signals.base import Signal, SignalError, check_score_name, check_scores, env_flag
from charter.signals.decode import shared_decoding

logger = logging.getLogger("charter.signals")

ERROR_SUFFIX = ".error"
TARGETED_HARM_ENV = "CHARTER_SIGNALS_TARGETED_HARM"


def merge_scores(parts: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Maximum per name across `parts`."""
    merged: dict[str, float] = {}
    for part in parts:
        for name, value in part.items():
            if value > merged.get(name, -1.0):
                merged[name] = value
    return merged


class SignalSet:
    """An ordered, named collection of signals the guard runs on every text.

    `timeout_s` bounds each signal in `ascore` (a slow hosted classifier becomes an
    `.error` entry, not a stuck request); sync `score` cannot interrupt a running call.
    """

    def __init__(self, signals: Sequence[Signal], *, timeout_s: float | None = None) -> None:
        if isinstance(signals, str | bytes) or not isinstance(signals, Sequence):
            raise ConfigurationError(
                "SignalSet takes a list of signals, e.g. SignalSet([HeuristicJailbreakDetector()])"
            )
        names: set[str] = set()
        for index, signal in enumerate(signals):
            if not isinstance(signal, Signal):
                raise ConfigurationError(
                    f"signal #{index} ({type(signal).__name__}) is not a Signal: it needs a "
                    "`name` and a `score(text)` method; wrap plain functions in CallableSignal"
                )
            check_score_name(signal.name, what=f"signal #{index} name")
            if signal.name in names:
                raise ConfigurationError(
                    f"two signals are named {signal.name!r}; give each a distinct name so its "
                    f"'{signal.name}{ERROR_SUFFIX}' entry is unambiguous"
                )
            names.add(signal.name)
        if timeout_s is not None and not timeout_s > 0:
            raise ConfigurationError(f"SignalSet timeout_s must be > 0 seconds, got {timeout_s!r}")
        self._signals: tuple[Signal, ...] = tuple(signals)
        self._timeout_s = timeout_s

    @property
    def signals(self) -> tuple[Signal, ...]:
        return self._signals

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self._signals)

    def __len__(self) -> int:
        return len(self._signals)

    def score(self, text: str) -> dict[str, float]:
        return self._each(lambda signal: signal.score(text))

    def settled_scores(self, text: str) -> dict[str, float]:
        """`score` without any signal's costly stage: a signal with `settled_scores` (the
        safety classifier: its stage-1-only heads) gives those, any other its `score`."""

        def settled(signal: Signal) -> Mapping[str, float]:
            read = getattr(signal, "settled_scores", None)
            return read(text) if callable(read) else signal.score(text)

        return self._each(settled)

    def _each(self, read: Callable[[Signal], object]) -> dict[str, float]:
        """Every signal's scores of one text by `read`, checked and merged; a signal that
        fails scores as failed (one bad classifier must not fail the call)."""
        parts: list[Mapping[str, float]] = []
        with shared_decoding():  # the heuristic and the classifier decode the text once
            for signal in self._signals:
                try:
                    parts.append(check_scores(signal.name, read(signal)))
                except Exception as exc:
                    parts.append(self._failed(signal, exc))
        return merge_scores(parts)

    async def ascore(self, text: str) -> dict[str, float]:
        """Run every signal concurrently (async ones await, sync ones run inline)."""
        import asyncio

        with shared_decoding():
            results = await asyncio.gather(
                *(self._ascore_one(signal, text) for signal in self._signals)
            )
        return merge_scores(results)

    async def _ascore_one(self, signal: Signal, text: str) -> Mapping[str, float]:
        import asyncio

        ascore: Any = getattr(signal, "ascore", None)
        try:
            if ascore is None:
                return check_scores(signal.name, signal.score(text))
            return check_scores(
                signal.name, await asyncio.wait_for(ascore(text), timeout=self._timeout_s)
            )
        except Exception as exc:  # includes TimeoutError
            return self._failed(signal, exc)

    @staticmethod
    def _failed(signal: Signal, exc: BaseException) -> dict[str, float]:
        # A SignalError's message says why (a score of the wrong type, out of range, a bad
        # name) and names signals, scores, types and numbers, never the text; anything else
        # is logged by class only: a third-party classifier's message may quote the prompt,
        # and logs must not carry it.
        reason = f"SignalError: {exc}" if isinstance(exc, SignalError) else type(exc).__name__
        logger.warning(
            "signal %r failed (%s); recorded %r for the policy",
            signal.name,
            reason,
            f"{signal.name}{ERROR_SUFFIX}",
        )
        return {f"{signal.name}{ERROR_SUFFIX}": 1.0}

    def __repr__(self) -> str:
        return f"SignalSet({list(self.names)!r})"


def default_signals(
    bundle: str | Path | None = None, *, targeted_harm: bool | None = None
) -> SignalSet:
    """The built-in offline signals: the safety classifier cascade (jailbreak, prompt
    injection, harm categories), the heuristic jailbreak / prompt-injection cues and the
    refusal reader (`refusal`: an answer that is wholly the model's refusal), merged
    by maximum. Both load from the bundle and pip packages; nothing downloads. The model is
    the one in `bundle` (its `signals/model`) when it has one, else the shipped model;
    CHARTER_SIGNALS_MODEL overrides both.

    `targeted_harm=True` (or CHARTER_SIGNALS_TARGETED_HARM=1) adds the harm-target reader
    (`TargetedHarmDetector`: a violent verb aimed at a person or oneself). It is opt-in:
    it missed the bar its round set before it was measured for joining the defaults
    (policies/signals/experiments/r26)."""
    from charter.signals.classifier import SafetyClassifier, default_model_dir
    from charter.signals.heuristic import HeuristicJailbreakDetector
    from charter.signals.refusal import RefusalReader

    signals: list[Signal] = [
        SafetyClassifier(default_model_dir(bundle)),
        HeuristicJailbreakDetector(),
        RefusalReader(),
    ]
    if targeted_harm_enabled() if targeted_harm is None else targeted_harm:
        from charter.signals.targets import TargetedHarmDetector

        signals.append(TargetedHarmDetector())
    return SignalSet(signals)


def targeted_harm_enabled() -> bool:
    return env_flag(TARGETED_HARM_ENV, default=False)
