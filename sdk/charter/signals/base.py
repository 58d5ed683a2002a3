"""The `Signal` protocol: a classifier that adds named scores in [0, 1] to the policy input.

The policy sees the scores as `input.signals` (e.g. `input.signals.jailbreak >= 0.8`), so
score names are part of the policy contract: they must be stable, plain identifiers.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import TypeAdapter, ValidationError

from charter.errors import CharterError, ConfigurationError

_SCORE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")


class SignalError(CharterError):
    """A signal is misconfigured or returned something that is not a score mapping."""


@runtime_checkable
class Signal(Protocol):
    """Anything with a `name` and a `score(text)` returning named scores in [0, 1]."""

    name: str

    def score(self, text: str) -> Mapping[str, float]: ...


def check_score_name(name: object, *, what: str, quote: bool = True) -> str:
    """Score names become Rego keys and span attribute suffixes: keep them plain.

    `quote=False` for a name a classifier returned: the error then says what it was (a str
    of so many characters), not the name itself, which could quote the text scored."""
    if not isinstance(name, str) or not _SCORE_NAME.fullmatch(name):
        shown = repr(name) if quote else _described(name)
        raise SignalError(
            f"{what} {shown} is not a valid signal name: use 1-64 letters, digits, "
            "'_', '.' or '-' (e.g. 'jailbreak' or 'harm.violence')"
        )
    return name


def _described(name: object) -> str:
    if isinstance(name, str):
        return f"(a str of {len(name)} characters, not shown)"
    return f"(of type {type(name).__name__})"


_CHECKED_NAMES: set[str] = set()
"""Names that passed the check: a classifier returns the same few dozen names on every
call, so each is matched against the pattern once, not once per score per text."""
_MAX_CHECKED_NAMES = 4096


def check_scores(signal_name: str, raw: object) -> dict[str, float]:
    """Validate a signal's output: a number (scored under the signal's own name) or a
    mapping of names to numbers, every value finite and within [0, 1]. Any real number
    counts (numpy's float32 from a model included), a bool does not.

    Out-of-range values are an error, not clamped: a classifier returning 7.3 or a logit is
    broken, and silently clamping it would hide that from the policy author.
    """
    items: Mapping[object, object] = raw if isinstance(raw, Mapping) else {signal_name: raw}
    scores: dict[str, float] = {}
    for key, value in items.items():
        if type(key) is str and key in _CHECKED_NAMES:
            name = key
        else:
            name = check_score_name(
                key, what=f"signal {signal_name!r} returned score name", quote=False
            )
            if len(_CHECKED_NAMES) < _MAX_CHECKED_NAMES:
                _CHECKED_NAMES.add(name)
        if type(value) is float and 0.0 <= value <= 1.0:  # the common case, NaN excluded
            scores[name] = value
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise SignalError(
                f"signal {signal_name!r} returned a {type(value).__name__} for score {name!r}; "
                "return a float in [0, 1]"
            )
        number = float(value)
        if not math.isfinite(number) or not 0.0 <= number <= 1.0:
            raise SignalError(
                f"signal {signal_name!r} returned {number!r} for score {name!r}; scores must "
                "be within [0, 1] (map logits or percentages into that range)"
            )
        scores[name] = number
    return scores


def bundle_file(env: str, name: str) -> Path:
    """The file named by the environment variable `env`, else the starter bundle's
    `signals/<name>`: how each signal finds its data (patterns, words)."""
    configured = os.environ.get(env)
    if configured:
        return Path(configured)
    from charter.config import DEFAULT_POLICIES

    return Path(DEFAULT_POLICIES) / "signals" / name


_BOOL = TypeAdapter(bool)
"""The parser every CHARTER_* boolean setting goes through (pydantic's), so a switch here
accepts exactly what `charter.toml` and the other CHARTER_* variables accept."""


def env_flag(env: str, *, default: bool) -> bool:
    """A switch read from the environment: 1/true/on/yes/y/t or 0/false/off/no/n/f (any
    case); unset or empty is `default`. Anything else is a ConfigurationError naming the
    variable, as for other CHARTER_* settings: a typo (`=2`, `=of`) must not leave a
    safety switch where the operator did not mean to put it."""
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        return _BOOL.validate_python(raw)
    except ValidationError:
        raise ConfigurationError(
            f"{env}={raw!r}: expected 1, true, on or yes to switch it on, or 0, false, off "
            "or no to switch it off"
        ) from None
