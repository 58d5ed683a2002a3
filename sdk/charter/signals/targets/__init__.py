"""Harm aimed at someone: a verb of violence whose object is a person, an animal, a place
where people are, or oneself, asked for as a means ("how do I kill my wife").

Why a reader of words and not more training: the classifier learned from thousands of
look-alikes ("how do I kill a Python process") that a violent verb in a short question means
little, and more harmful training data moved both sides together (policies/signals/
experiments/r24, r25). What tells "kill my wife" from "kill a process" is the verb's object,
a fact a small parser checks exactly and can name. The words (verbs, targets, request
frames, game and fiction contexts) are data: the bundle's `signals/targets.json`.

`english` and `turkish` read one language each; `words` holds what they share.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path

from charter.signals.base import SignalError, bundle_file, check_score_name
from charter.signals.decode import payloads
from charter.signals.normalize import normalize
from charter.signals.targets.english import English, english, english_hits
from charter.signals.targets.turkish import Turkish, turkish, turkish_hits
from charter.signals.targets.words import MAX_CANDIDATES, Hit, finder

__all__ = ["TARGETS_ENV", "Hit", "TargetedHarmDetector", "targets_file"]

TARGETS_ENV = "CHARTER_SIGNALS_TARGETS"


def targets_file() -> Path:
    """CHARTER_SIGNALS_TARGETS, else the bundle's signals/targets.json."""
    return bundle_file(TARGETS_ENV, "targets.json")


@dataclass(frozen=True)
class _Words:
    """A words file, compiled once per path."""

    english: English
    turkish: Turkish
    weight: float
    revision: str
    finder: re.Pattern[str]
    """One search for the words either language starts from: most texts have none."""


@lru_cache(maxsize=4)
def _load(path: Path) -> _Words:
    try:
        blob = path.read_bytes()
        doc = json.loads(blob)
        en, tr, weight = english(doc["en"]), turkish(doc["tr"]), float(doc["weight"])
    except (OSError, ValueError, KeyError, TypeError, re.error) as exc:
        raise SignalError(
            f"cannot load the harm-target words from {path}: {exc!r}; fix the file or set "
            f"{TARGETS_ENV} to a valid one"
        ) from None
    if not 0.0 < weight <= 1.0:
        raise SignalError(f"{path}: `weight` must be in (0, 1], got {weight!r}")
    revision = "sha256:" + hashlib.sha256(blob).hexdigest()[:16]
    return _Words(en, tr, weight, revision, finder(en.forms | tr.kinds.keys()))


class TargetedHarmDetector:
    """Scores `harm` and `harm.violent_crimes` / `harm.self_harm`: `weight` (from the words
    file) when a request to harm a person, an animal, a place where people are, or oneself
    is found, else nothing. Merged with the classifier's scores by maximum.

    `matches(text)` names the cues (`en.kill.person`), never the text. Payloads hidden in
    the text (base64, rot13, ...) are read too, as the other signals read them.
    """

    def __init__(self, path: str | Path | None = None, *, name: str = "targets") -> None:
        self.name = check_score_name(name, what="signal name")
        self._path = Path(path) if path is not None else targets_file()
        self._words = _load(self._path)
        self.revision = self._words.revision

    def score(self, text: str) -> dict[str, float]:
        hits = self._hits(text)
        if not hits:
            return {}
        weight = self._words.weight
        scores = {"harm": weight}
        for hit in hits:
            scores[f"harm.{hit.category}"] = weight
        return scores

    async def ascore(self, text: str) -> dict[str, float]:
        """Same as `score`: microseconds of CPU, not worth a thread."""
        return self.score(text)

    def matches(self, text: str) -> tuple[str, ...]:
        return tuple(sorted({hit.id for hit in self._hits(text)}))

    def _hits(self, text: str) -> list[Hit]:
        if not isinstance(text, str):
            raise SignalError(
                f"{self.name}: score() takes the text as str, got {type(text).__name__}"
            )
        words = self._words
        hits: list[Hit] = []
        for part in (text, *payloads(text)):
            normalized = normalize(part)
            candidates = list(islice(words.finder.finditer(normalized), 2 * MAX_CANDIDATES))
            if not candidates:
                continue
            en = [m for m in candidates if m.group() in words.english.forms]
            tr = [m for m in candidates if m.group() in words.turkish.kinds]
            hits.extend(english_hits(words.english, normalized, en))
            hits.extend(turkish_hits(words.turkish, normalized, tr))
        return hits

    def __repr__(self) -> str:
        return f"TargetedHarmDetector(revision={self.revision!r})"
