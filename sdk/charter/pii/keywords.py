"""`Keywords`: which of many fixed strings occur in a text, in one pass.

The pattern detector decides per text which recognizers run from the anchors the text
holds (`@`, `passport`, `my name`...), about 150 of them. Testing `anchor in text` one by
one reads the text 150 times (a quarter of a millisecond per 1,000 characters); an
Aho-Corasick automaton (`ahocorasick-rs`) reads it once and reports every occurrence,
overlapping ones included, so the answer is exactly that of the substring tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import ahocorasick_rs

_FEW = 8
"""Up to this many words, `word in text` for each beats one automaton pass."""


class Keywords:
    """A fixed set of non-empty strings; `found(text)` is the subset that occurs in `text`
    (plain substring containment, case-sensitive)."""

    __slots__ = ("_automaton", "_words")

    def __init__(self, words: Iterable[str]) -> None:
        self._words = tuple(dict.fromkeys(w for w in words if w))
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                list(self._words), matchkind=ahocorasick_rs.MatchKind.Standard, store_patterns=True
            )
            if len(self._words) > _FEW
            else None
        )

    @property
    def words(self) -> tuple[str, ...]:
        return self._words

    def found(self, text: str) -> frozenset[str]:
        if self._automaton is not None:
            try:
                return frozenset(self._automaton.find_matches_as_strings(text, overlapping=True))
            except UnicodeEncodeError:  # a lone surrogate: not UTF-8, the automaton's input
                pass
        return frozenset([w for w in self._words if w in text])  # few words: cheaper anyway


class LiteralLed:
    """`finditer` for a regex whose every match starts with one of a few literals (a cue
    such as `my name is|call me|...`): the literals are found in one Aho-Corasick pass
    and the regex is tried only where one of them starts. Python's regex engine would
    try every alternative at nearly every position. Same matches, in the same order, as
    `pattern.finditer` (falls back to it when no such literals can be read off)."""

    __slots__ = ("_literals", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        prefixes = required_prefixes(pattern)
        self._literals = (
            ahocorasick_rs.AhoCorasick(
                sorted(prefixes), matchkind=ahocorasick_rs.MatchKind.Standard
            )
            if prefixes
            else None
        )

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        try:
            found = (
                self._literals.find_matches_as_indexes(text, overlapping=True)
                if self._literals is not None
                else None
            )
        except UnicodeEncodeError:  # a lone surrogate: not UTF-8, the automaton's input
            found = None
        if found is None:
            yield from self.pattern.finditer(text)
            return
        if not found:
            return
        match = self.pattern.match
        pos = 0
        for start in sorted({start for _, start, _ in found}):
            if start < pos:
                continue  # inside the previous match: finditer does not look there
            m = match(text, start)
            if m is not None:
                yield m
                pos = m.end()  # > start: every match begins with a non-empty literal


_MAX_PREFIXES = 256


def required_prefixes(pattern: re.Pattern[str], *, longest: int = 4) -> frozenset[str] | None:
    """Non-empty strings one of which every match of `pattern` starts with, read off the
    parsed pattern (literals, small character classes, groups, alternations; zero-width
    assertions are skipped), up to `longest` characters. None when no such set is found
    (a pattern that may start with any character, or one matching case-insensitively)."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern.pattern, pattern.flags)
        prefixes, _ = _expand(list(parsed), longest)
    except Exception:  # an internal module: any surprise means "no literals known"
        return None
    if not prefixes or "" in prefixes:
        return None
    return frozenset(prefixes)


def _expand(items: list[Any], longest: int) -> tuple[set[str], bool]:
    """(prefixes, complete): the strings a match of `items` starts with, and whether they
    cover all of `items` (so what follows may be appended)."""
    from re import _constants as c  # type: ignore[attr-defined]

    out = {""}
    for op, av in items:
        if min(len(p) for p in out) >= longest:
            return out, False
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width
        complete = True
        if op is c.LITERAL:
            step = {chr(av)}
        elif op is c.IN:
            chars = _chars(av, c)
            if chars is None:
                return out, False
            step = chars
        elif op is c.SUBPATTERN:
            _, add_flags, _, sub = av
            if add_flags & re.IGNORECASE:
                return out, False
            step, complete = _expand(list(sub), longest)
        elif op is c.BRANCH:
            step = set()
            for alternative in av[1]:
                found, done = _expand(list(alternative), longest)
                step |= found
                complete = complete and done
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            step, _ = _expand(list(av[2]), longest)
            complete = False
        else:
            return out, False
        if len(out) * len(step) > _MAX_PREFIXES:
            return out, False
        out = {p + s for p in out for s in step}
        if not complete:
            return out, False
    return out, True


def _chars(members: list[Any], c: Any) -> set[str] | None:
    """The characters of a small positive character class; None for anything else."""
    chars: set[str] = set()
    for op, av in members:
        if op is c.LITERAL:
            chars.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] < 32:
            chars.update(chr(i) for i in range(av[0], av[1] + 1))
        else:
            return None
    return chars if len(chars) <= 64 else None
