"""Weighted patterns of the offline jailbreak / prompt-injection heuristic, loaded from the
bundle's data file `signals/patterns.json` (policies/signals/patterns.json in a checkout).

The cues are data, not code: a security team reviews and extends them in git like the
Rego policies. Every regex matches *normalized* text (see `normalize`): lowercase, accents
and invisibles removed, look-alikes mapped to Latin, single spaces, leetspeak digits folded
(0->o 1->i 3->e 4->a 5->s 7->t), so a literal "rot13" is written `rotie`. Each pattern
carries two weights, combined across hits by noisy-OR: how much one hit says "jailbreak"
and "prompt_injection"; a cue that ships data out (an address, a link whose query is left
to fill in, keeping it from the user) has a third, `exfiltration`. The file's `about` field
names the published taxonomies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.signals.base import SignalError, bundle_file

PATTERNS_ENV = "CHARTER_SIGNALS_PATTERNS"


@dataclass(frozen=True)
class HeuristicPattern:
    """One weighted cue.

    `regex` matches normalized text at the position where the cue starts and has no
    capturing groups. `triggers` are the literal first words (normalized) a match can
    start with; the detector only tries the regex where a trigger occurs, which is what
    keeps it fast. A trigger ending in `*` is a prefix ("kisitlama*" also fires on
    "kisitlamasi"); other word triggers must end at a word boundary.
    """

    id: str
    triggers: tuple[str, ...]
    regex: str
    jailbreak: float
    injection: float
    why: str = ""
    exfiltration: float = 0.0
    """How much one hit says "data is to be shipped out of the conversation"; 0 for most."""


def patterns_file() -> Path:
    """CHARTER_SIGNALS_PATTERNS, else the bundle's signals/patterns.json."""
    return bundle_file(PATTERNS_ENV, "patterns.json")


def _pattern(raw: Any, where: str) -> HeuristicPattern:
    try:
        return HeuristicPattern(
            id=str(raw["id"]),
            triggers=tuple(str(t) for t in raw["triggers"]),
            regex=str(raw["regex"]),
            jailbreak=float(raw["jailbreak"]),
            injection=float(raw["injection"]),
            why=str(raw.get("why", "")),
            exfiltration=float(raw.get("exfiltration", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SignalError(
            f"{where}: a heuristic pattern needs id, triggers, regex, jailbreak and "
            f"injection ({exc!r})"
        ) from None


def load_patterns(path: Path) -> tuple[tuple[HeuristicPattern, ...], dict[str, HeuristicPattern]]:
    """(patterns, decoded-cue weights) from a patterns file; a clear error if it is broken."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        patterns = tuple(
            _pattern(raw, f"{path} pattern #{i}") for i, raw in enumerate(doc["patterns"])
        )
        decoded = {k: _pattern(v, f"{path} decoded.{k}") for k, v in doc["decoded"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SignalError(
            f"cannot load the heuristic patterns from {path}: {exc!r}; fix the file or set "
            f"{PATTERNS_ENV} to a valid one"
        ) from None
    for key in ("encoded_payload", "encoded_text", "invisible_text"):
        if key not in decoded:
            raise SignalError(f"{path}: `decoded.{key}` is missing")
    return patterns, decoded


PATTERNS, _DECODED = load_patterns(patterns_file())
ENCODED_PAYLOAD = _DECODED["encoded_payload"]
"""A base64 / rot13 payload that decodes to an attack pattern."""
ENCODED_TEXT = _DECODED["encoded_text"]
"""A base64 run that decodes to readable prose; weak alone."""
INVISIBLE_TEXT = _DECODED["invisible_text"]
"""A run of invisible Unicode tag characters (ASCII smuggling)."""
