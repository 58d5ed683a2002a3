"""Signals: classifiers that add scores in [0, 1] to the policy input (`input.signals`).

- `SafetyClassifier`: the offline classifier cascade (static embeddings + n-grams, then a
  contextual model for uncertain texts); scores `jailbreak`, `prompt_injection`, `harm`
  and `harm.<category>` for the 14 categories of the harm taxonomy. `revision` is the
  trained artifact's content hash.
- `HeuristicJailbreakDetector`: offline, regex-based (patterns in the bundle's
  signals/patterns.json); scores `jailbreak` and `prompt_injection`.
- `TargetedHarmDetector`: offline, reads whether a violent verb is aimed at a person, an
  animal, a place where people are, or oneself (words in the bundle's
  signals/targets.json); scores `harm`, `harm.violent_crimes`, `harm.self_harm`.
- `CallableSignal`: wraps any function (Llama Guard, a hosted moderation API, ...).
- `SignalSet`: runs several, merges by maximum, records `<name>.error` for failures.
- `default_signals()`: what the guard uses unless told otherwise.
"""

from __future__ import annotations

from charter.signals.adapters import CallableSignal
from charter.signals.base import Signal, SignalError
from charter.signals.classifier import SafetyClassifier
from charter.signals.combine import SignalSet, default_signals, merge_scores
from charter.signals.heuristic import HeuristicJailbreakDetector
from charter.signals.patterns import PATTERNS, HeuristicPattern
from charter.signals.targets import TargetedHarmDetector

__all__ = [
    "PATTERNS",
    "CallableSignal",
    "HeuristicJailbreakDetector",
    "HeuristicPattern",
    "SafetyClassifier",
    "Signal",
    "SignalError",
    "SignalSet",
    "TargetedHarmDetector",
    "default_signals",
    "merge_scores",
]
