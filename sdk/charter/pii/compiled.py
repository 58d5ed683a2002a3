"""What scanning needs of each recognizer, resolved once, and the small per-pass and
per-call helpers of `PatternDetector` (fallback tables, the words around a span, the
lower-cased text)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from charter.pii.context import Around, Beside, ContextRule
from charter.pii.keywords import LiteralLed
from charter.pii.spec import RecognizerSpec
from charter.pii.verdict import VerdictFn

MAX_PLANS = 1024
"""Bound of every per-detector cache keyed by what a text holds."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """What scanning needs of one recognizer, resolved once."""

    entity_type: str
    name: str
    score: float
    verdict: VerdictFn | None
    prefix: re.Pattern[str] | None
    prefix_window: int
    prefix_in_entity: bool
    value_groups: tuple[str, ...]
    context: ContextRule | None
    context_required: bool
    ceiling: Callable[[str], float | None] | None
    sure: Callable[[str], bool] | None
    """`RecognizerSpec.sure` as a test; None: never sure."""
    cue: LiteralLed | None
    """A cue that must precede the match (`my name is`): scanning searches the cue first
    (without its leading word boundary, which `_judge` checks again with the prefix), by
    its leading literals."""
    cue_on_lower: bool
    """The cue is case-insensitive: searched case-sensitively in the lower-cased text,
    several times faster than an IGNORECASE search."""

    @classmethod
    def of(cls, index: int, spec: RecognizerSpec) -> Compiled:
        rule = _rule(
            spec.context, spec.negative_context, spec.weak_context, spec.beside,
            decisive=spec.decisive_context,
        )  # fmt: skip
        return cls(
            entity_type=spec.entity_type,
            name=spec.name,
            score=spec.score,
            verdict=spec.verdict,
            prefix=re.compile(f"(?:{spec.prefix})\\Z") if spec.prefix is not None else None,
            prefix_window=spec.prefix_window,
            prefix_in_entity=spec.prefix_in_entity,
            value_groups=tuple(f"r{index}_{g}" for g in spec.value_groups),
            context=rule if rule.active else None,
            context_required=spec.context_required and rule.active,
            ceiling=spec.ceiling,
            sure=_always if spec.sure is True else spec.sure or None,
            cue=_cue(spec),
            cue_on_lower=spec.prefix is not None and "(?i:" in spec.prefix,
        )


class Later:
    """For one pass: (rejected recognizer, character at its match) -> the recognizers after
    it that could match there instead: of the same kind (triggered or not) and, if
    triggered, by that character (the first thing their own regex checks)."""

    __slots__ = ("_active", "_table")

    def __init__(self, active: tuple[int, ...]) -> None:
        self._active = active
        self._table: dict[tuple[int, str], tuple[int, ...]] = {}

    def after(
        self, failed: int, char: str, triggers: Sequence[re.Pattern[str] | None]
    ) -> tuple[int, ...]:
        found = self._table.get((failed, char))
        if found is None:
            plain = triggers[failed] is None
            found = tuple(
                i
                for i in self._active[self._active.index(failed) + 1 :]
                if _could_follow(triggers[i], plain, char)
            )
            if len(self._table) < MAX_PLANS:
                self._table[(failed, char)] = found
        return found


@functools.lru_cache(maxsize=256)
def _rule(
    words: tuple[str, ...],
    negative: tuple[str, ...],
    weak: tuple[str, ...],
    beside: Beside | None,
    *,
    decisive: bool = False,
) -> ContextRule:
    """One `ContextRule` per word lists: recognizers with the same words (the two phone
    recognizers) share it, and so share the distances found around a candidate."""
    return ContextRule(words, negative, weak, beside, decisive=decisive)


def around_span(arounds: dict[tuple[int, int], Around], text: str, start: int, end: int) -> Around:
    """The words around a span, shared by every recognizer that judges the same span in
    one `detect` call (a digit run is judged by both phone recognizers)."""
    found = arounds.get((start, end))
    if found is None:
        found = arounds[(start, end)] = Around(text, start, end)
    return found


def _always(value: str) -> bool:
    return True


def _could_follow(trigger: re.Pattern[str] | None, plain: bool, char: str) -> bool:
    """A recognizer can take over from a rejected one of the same kind (`plain`:
    untriggered) at a position holding `char`."""
    if trigger is None:
        return plain
    return not plain and trigger.fullmatch(char) is not None


def _has_anchors(spec: RecognizerSpec) -> bool:
    return bool(spec.anchors or spec.lower_anchors)


def anchored(spec: RecognizerSpec, present: frozenset[str]) -> bool:
    """A recognizer with anchors runs only when one of them is in the text."""
    if not _has_anchors(spec):
        return True
    return not present.isdisjoint(spec.anchors) or not present.isdisjoint(spec.lower_anchors)


def _cue(spec: RecognizerSpec) -> LiteralLed | None:
    if spec.prefix is None or spec.prefix_in_entity:
        return None
    source = spec.prefix.replace(r"\b", "", 1)
    if "(?i:" in source:
        source = source.replace("(?i:", "(?:")
    return LiteralLed(re.compile(source))


class Lowered:
    """The text lower-cased once per call, offsets unchanged (`İ` would become two
    characters, so it becomes `i`; should any other character change length, the
    original text is used and a case-insensitive cue simply finds fewer cues)."""

    __slots__ = ("_text", "_value")

    def __init__(self, text: str) -> None:
        self._text = text
        self._value: str | None = None

    @property
    def text(self) -> str:
        if self._value is None:
            lowered = self._text.replace("İ", "I").lower()
            self._value = lowered if len(lowered) == len(self._text) else self._text
        return self._value
