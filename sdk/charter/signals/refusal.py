"""`RefusalReader`: is this answer wholly the model's own refusal?

At the output stage the harm heads read a refusal that names the harm ("I cannot explain
how to make a bomb: explosives are dangerous ...") as the harm itself, so the guard used to
withhold the model's refusals and record them as harmful answers. This signal scores
`refusal` 1.0 when the answer opens with a refusal and never turns to complying ("However,
here is ...", a list of steps), else 0.0; the policy decides what a refusal changes
(`config.harm.pass_refusals` in policies/charter/data.json). The cues are data (the
bundle's `signals/refusals.json`), shared with the probes' refusal judge.

It reads phrasing, not meaning: a refusal worded unlike the cues scores 0.0 (the answer is
then checked as before), and an answer that opens with a refusal and carries harmful detail
in prose, without a list or any turn of phrase the cues know, scores 1.0.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from charter.signals.base import SignalError, bundle_file

REFUSALS_ENV = "CHARTER_SIGNALS_REFUSALS"
SCORE = "refusal"
"""The score's name in `input.signals`. An answer scored in parts (its text, each piece of
reasoning, each call's arguments) is a refusal only if every part is one
(`charter.pipeline.parts.best_scores` merges this score by minimum)."""
_FLAGS = re.IGNORECASE | re.DOTALL


@dataclass(frozen=True)
class RefusalCues:
    """Compiled cues: an opening within the first `head_chars` characters, no pivot.

    `triggers` are literal phrases of which every opening's match contains one; the regexes
    run only when the head (lowercased, whitespace runs as one space) holds a trigger:
    substring searches cost a few µs, the openings' regexes about 80 µs on 300 characters."""

    head_chars: int
    triggers: tuple[str, ...]
    openings: re.Pattern[str]
    pivots: re.Pattern[str]
    revision: str = ""
    """`sha256:` of the cues (not of the file's `about`), recorded with every decision."""

    def opens_with_refusal(self, text: str) -> bool:
        head = text[: self.head_chars]
        lowered = " ".join(head.lower().split())
        if not any(t in lowered for t in self.triggers):
            return False
        return self.openings.search(head) is not None

    def is_refusal(self, text: str) -> bool:
        return self.opens_with_refusal(text) and self.pivots.search(text) is None


def refusals_file() -> Path:
    """CHARTER_SIGNALS_REFUSALS, else the bundle's signals/refusals.json."""
    return bundle_file(REFUSALS_ENV, "refusals.json")


def load_cues(path: Path) -> RefusalCues:
    """The cues of a refusals file; a clear error if it is broken."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        head = int(doc["head_chars"])
        triggers = tuple(str(t).lower() for t in doc["triggers"] if str(t))
        openings = _union(doc["openings"])
        pivots = _union(doc["pivots"])
    except (OSError, ValueError, KeyError, TypeError, re.error) as exc:
        raise SignalError(
            f"cannot load the refusal cues from {path}: {exc!r}; fix the file or set "
            f"{REFUSALS_ENV} to a valid one"
        ) from None
    if head < 1:
        raise SignalError(f"{path}: head_chars must be a positive number of characters")
    if not triggers:
        raise SignalError(f"{path}: triggers must name at least one word")
    cued = [head, triggers, doc["openings"], doc["pivots"]]
    digest = hashlib.sha256(json.dumps(cued, ensure_ascii=False).encode()).hexdigest()
    return RefusalCues(head, triggers, openings, pivots, "sha256:" + digest[:16])


def _union(raw: object) -> re.Pattern[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        raise TypeError("expected a non-empty list of regexes")
    return re.compile("|".join(f"(?:{p})" for p in raw), _FLAGS)


@lru_cache(maxsize=4)
def cues(path: Path | None = None) -> RefusalCues:
    """The cues of `path` (default: `refusals_file()`), loaded once."""
    return load_cues(path or refusals_file())


class RefusalReader:
    """The `refusal` signal: 1.0 for an answer that is wholly a refusal, else 0.0."""

    def __init__(self, name: str = "refusal", path: str | Path | None = None) -> None:
        self.name = name
        self._cues = cues(Path(path).resolve() if path is not None else None)
        self.revision = self._cues.revision

    def score(self, text: str) -> Mapping[str, float]:
        return {SCORE: 1.0 if self._cues.is_refusal(text) else 0.0}

    def streamed(self) -> StreamedRefusal:
        """The reading of one streamed answer, window by window."""
        return StreamedRefusal(self._cues)


class StreamedRefusal:
    """Whether a streamed answer, so far, is wholly a refusal. A window's check sees only
    the text around it, so the answer's opening is read from its head and a turn to
    complying, once seen in any window, holds for the rest of the stream. Pivots are short:
    one that straddles two windows lies whole in the later window's context."""

    def __init__(self, cues: RefusalCues) -> None:
        self._cues = cues
        self._turned = False

    def read(self, head: str, window: str) -> bool:
        """`head`: the answer's first characters (at least `head_chars` once it has that
        many); `window`: the text this check reads."""
        if self._turned or self._cues.pivots.search(window) is not None:
            self._turned = True
            return False
        return self._cues.opens_with_refusal(head)

    @property
    def head_chars(self) -> int:
        return self._cues.head_chars
