"""Signals: classifiers that add scores in [0, 1] to the policy input (`input.signals`).

- `HeuristicJailbreakDetector`: offline, regex-based; scores `jailbreak` and
  `prompt_injection` (English and Turkish, obfuscation-aware).
- `CallableSignal`: wraps any function (Llama Guard, a hosted moderation API, ...).
- `SignalSet`: runs several, merges by maximum, records `<name>.error` for failures.
- `default_signals()`: what the guard uses unless told otherwise.
"""

from __future__ import annotations

from charter.signals.adapters import CallableSignal
from charter.signals.base import Signal, SignalError
from charter.signals.combine import SignalSet, default_signals, merge_scores
from charter.signals.heuristic import HeuristicJailbreakDetector
from charter.signals.patterns import PATTERNS, HeuristicPattern

__all__ = [
    "PATTERNS",
    "CallableSignal",
    "HeuristicJailbreakDetector",
    "HeuristicPattern",
    "Signal",
    "SignalError",
    "SignalSet",
    "default_signals",
    "merge_scores",
]
