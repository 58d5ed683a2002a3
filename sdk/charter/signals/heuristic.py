"""The built-in offline jailbreak / prompt-injection detector.

It runs inside the guard on every call, so it is built for a budget of a few microseconds
on a short prompt: the text is normalised once, then one compiled regex pass (a trie of
every pattern's literal trigger words) finds where a cue *could* start. Only at those few
positions are the patterns registered for that trigger tried, to learn which cues fired.
Encoded payloads (base64, rot13) are decoded and rescanned only when the first pass saw a
hint of them. No model, no network, no state: the same text always gets the same scores.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from charter.signals.base import SignalError, check_score_name
from charter.signals.decode import base64_payloads, payloads
from charter.signals.normalize import normalize
from charter.signals.patterns import (
    ENCODED_PAYLOAD,
    ENCODED_TEXT,
    INVISIBLE_TEXT,
    PATTERNS,
    HeuristicPattern,
)

JAILBREAK = "jailbreak"
PROMPT_INJECTION = "prompt_injection"
EXFILTRATION = "exfiltration"
"""Cues that data is to leave the conversation (a link with a query value to fill in, a
send-to-address, keep-it-from-the-user), apart from how much they read as an injection:
found by probing, planted "reply footer" images in tool results read as an injection only
weakly (tool_injection 0.33), while the cues say exactly this. The shipped policy judges a
tool result by it too (`injection.exfiltration`)."""

_LONG_TOKEN = r"(?=(?<![a-z0-9+/])[a-z0-9+/]{16})"
"""In normalized text: the start of a 16+ character run that could be base64; it triggers a
decode pass. Zero-width, so a trigger at the same position (a long Turkish word) still
matches right after it."""
_ROT13_HINT = re.compile(r"\brot ?-?ie\b|\bcaesar\b")
_TAG_RUN = re.compile("[\U000e0020-\U000e007e]{8,}")
_PREFIX = "*"
_WORD_END = r"(?!\w)"


@dataclass(frozen=True)
class _Scanner:
    """Compiled form of a pattern set: the trigger finder and, per trigger, its patterns."""

    finder: re.Pattern[str]
    by_trigger: dict[str, tuple[tuple[HeuristicPattern, re.Pattern[str]], ...]]


class _TrieNode:
    __slots__ = ("children", "end")

    def __init__(self) -> None:
        self.children: dict[str, _TrieNode] = {}
        self.end: str | None = None
        """Regex that closes a trigger ending here: "" for prefixes, a word end otherwise."""

    def regex(self) -> str:
        branches = [
            re.escape(char) + child.regex() for char, child in sorted(self.children.items())
        ]
        if self.end is not None:
            branches.append(self.end)  # tried after the longer triggers through this node
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def trie_regex(triggers: Iterable[str]) -> str:
    """One alternation of literal triggers as a character trie, so the regex engine
    rejects a position after a character or two instead of trying every word."""
    root = _TrieNode()
    for trigger in triggers:
        literal = trigger.removesuffix(_PREFIX)
        node = root
        for char in literal:
            node = node.children.setdefault(char, _TrieNode())
        is_word = literal[-1].isalnum() and not trigger.endswith(_PREFIX)
        # a prefix trigger ("model*") and a word ("model") share the node: the prefix wins
        node.end = "" if node.end == "" or not is_word else _WORD_END
    return root.regex()


def _check_pattern(pattern: HeuristicPattern) -> re.Pattern[str]:
    for weight in (pattern.jailbreak, pattern.injection, pattern.exfiltration):
        if not 0.0 <= weight <= 1.0:
            raise SignalError(f"heuristic pattern {pattern.id!r} has weight {weight!r}; use [0, 1]")
    if not pattern.triggers or any(
        not t.removesuffix(_PREFIX) or normalize(t) != t for t in pattern.triggers
    ):
        raise SignalError(
            f"heuristic pattern {pattern.id!r} needs triggers: the normalized, lowercase first "
            "word(s) a match starts with (see HeuristicPattern)"
        )
    try:
        compiled = re.compile(pattern.regex)
    except re.error as exc:
        raise SignalError(f"heuristic pattern {pattern.id!r} is not a valid regex: {exc}") from None
    if compiled.groups:
        raise SignalError(f"heuristic pattern {pattern.id!r} has capturing groups; use (?:...)")
    if compiled.match(""):
        raise SignalError(f"heuristic pattern {pattern.id!r} matches empty text; anchor it")
    return compiled


@lru_cache(maxsize=8)
def _compile(patterns: tuple[HeuristicPattern, ...]) -> _Scanner:
    registered: dict[str, list[tuple[HeuristicPattern, re.Pattern[str]]]] = {}
    seen: set[str] = set()
    for pattern in patterns:
        if pattern.id in seen:
            raise SignalError(
                f"heuristic pattern id {pattern.id!r} is used twice; ids must be unique"
            )
        seen.add(pattern.id)
        compiled = _check_pattern(pattern)
        for trigger in pattern.triggers:
            registered.setdefault(trigger, []).append((pattern, compiled))
    # The finder reports the longest trigger at a position; a prefix trigger ("kural*") must
    # also fire when a longer trigger ("kuralsiz") is what matched.
    by_trigger: dict[str, tuple[tuple[HeuristicPattern, re.Pattern[str]], ...]] = {}
    for trigger in registered:
        literal = trigger.removesuffix(_PREFIX)
        candidates = [
            entry
            for other, entries in registered.items()
            if other.endswith(_PREFIX) and literal.startswith(other.removesuffix(_PREFIX))
            for entry in entries
        ]
        candidates += registered[trigger]
        # "model" and "model*" share a literal: both patterns' entries stay
        by_trigger[literal] = tuple(dict.fromkeys((*by_trigger.get(literal, ()), *candidates)))
    words = [t for t in registered if t[0].isalnum()]
    symbols = [t for t in registered if not t[0].isalnum()]
    finder = f"{_LONG_TOKEN}|\\b{trie_regex(words)}"
    if symbols:
        finder += f"|{trie_regex(symbols)}"
    return _Scanner(finder=re.compile(finder), by_trigger=by_trigger)


def _revision(patterns: tuple[HeuristicPattern, ...]) -> str:
    import hashlib
    import json
    from dataclasses import asdict

    blob = json.dumps([asdict(p) for p in patterns], sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()[:16]


def _noisy_or(weights: Sequence[float]) -> float:
    miss = 1.0
    for weight in weights:
        miss *= 1.0 - weight
    return round(1.0 - miss, 4)


class HeuristicJailbreakDetector:
    """Scores `jailbreak`, `prompt_injection` and `exfiltration` in [0, 1] from weighted
    patterns.

    `patterns` replaces the shipped set (see `charter.signals.patterns.PATTERNS`; extend it
    with `PATTERNS + (HeuristicPattern(...),)`). Scores are a noisy-OR of the weights of the
    distinct cues found, so they are explainable: `matches(text)` lists the cue ids.
    """

    def __init__(
        self, patterns: Sequence[HeuristicPattern] | None = None, *, name: str = JAILBREAK
    ) -> None:
        self.name = check_score_name(name, what="signal name")
        self._patterns = tuple(PATTERNS if patterns is None else patterns)
        self._scanner = _compile(self._patterns)
        self.revision = _revision(self._patterns)
        """Content hash of the patterns: which cue set scored a decision."""

    @property
    def patterns(self) -> tuple[HeuristicPattern, ...]:
        return self._patterns

    def score(self, text: str) -> dict[str, float]:
        hits = self._analyse(text)
        return {
            JAILBREAK: _noisy_or([p.jailbreak for p in hits]),
            PROMPT_INJECTION: _noisy_or([p.injection for p in hits]),
            EXFILTRATION: _noisy_or([p.exfiltration for p in hits]),
        }

    async def ascore(self, text: str) -> dict[str, float]:
        """Same as `score`: the work is a few microseconds of CPU, not worth a thread."""
        return self.score(text)

    def matches(self, text: str) -> tuple[str, ...]:
        """Ids of the cues found in `text`, sorted. Ids never contain any of the text."""
        return tuple(sorted(p.id for p in self._analyse(text)))

    # -- internals ------------------------------------------------------------------------

    def _analyse(self, text: str) -> list[HeuristicPattern]:
        if not isinstance(text, str):
            raise SignalError(
                f"{self.name}: score() takes the prompt as str, got {type(text).__name__}"
            )
        normalized = normalize(text)
        found, maybe_encoded = self._scan(normalized)
        decoded_hits: dict[str, HeuristicPattern] = {}
        scanned: list[str] = []
        if maybe_encoded:
            for candidate in base64_payloads(text):
                found[ENCODED_TEXT.id] = ENCODED_TEXT
                decoded_hits.update(self._scan(normalize(candidate))[0])
                scanned.append(candidate)
        for candidate in payloads(text):  # base32, Morse, Braille, ciphers, ...
            if candidate not in scanned:
                decoded_hits.update(self._scan(normalize(candidate))[0])
        if _ROT13_HINT.search(normalized):
            decoded_hits.update(self._scan(codecs.encode(normalized, "rot13"))[0])
        if decoded_hits:
            found.update(decoded_hits)
            found[ENCODED_PAYLOAD.id] = ENCODED_PAYLOAD
        if not text.isascii() and _TAG_RUN.search(text):
            found[INVISIBLE_TEXT.id] = INVISIBLE_TEXT
        return list(found.values())

    def _scan(self, normalized: str) -> tuple[dict[str, HeuristicPattern], bool]:
        """Cues found in normalized text, and whether a base64-looking run is present."""
        found: dict[str, HeuristicPattern] = {}
        maybe_encoded = False
        by_trigger = self._scanner.by_trigger
        for hit in self._scanner.finder.finditer(normalized):
            candidates = by_trigger.get(hit.group())
            if candidates is None:  # the zero-width long-token hint
                maybe_encoded = True
                continue
            pos = hit.start()
            for pattern, compiled in candidates:
                if pattern.id not in found and compiled.match(normalized, pos):
                    found[pattern.id] = pattern
        return found, maybe_encoded

    def __repr__(self) -> str:
        return f"HeuristicJailbreakDetector(name={self.name!r}, patterns={len(self._patterns)})"
