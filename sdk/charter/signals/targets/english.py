"""The English reader: a request frame ("how do I", "best way to", "I want to"), up to a few
words with no blocker ("stop", "if", "he"), a verb of violence, an object noun phrase
(determiner, two modifiers, the target noun; "my wife's plants" is not "my wife") and a
harmless next word (not "an email", "at chess"); nothing of it in a game or a story."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from charter.signals.targets.words import (
    BOUNDARY,
    MAX_CANDIDATES,
    READ,
    SELF,
    Hit,
    around,
    finder,
)

_FRAME_WORDS = 8
"""The longest request frame, in words ("what is the most painless way to")."""
_PRONOUN_OWNERS = frozenset(("my", "his", "her", "their", "your"))


@dataclass(frozen=True)
class _Verb:
    forms: frozenset[str]
    objects: frozenset[str]
    particles: tuple[tuple[str, ...], ...] = ()
    tails: tuple[tuple[str, ...], ...] = ()
    after_skip: tuple[tuple[str, ...], ...] = ()
    contexts: frozenset[str] = frozenset()
    bare: bool = True
    """Whether the verb counts without its particle or tail ("set my house": no)."""
    implicit: str | None = None
    """The object kind of a verb that takes none ("... to die": oneself), read only after
    "to", with the asker and a means in the sentence ("how many pills would I need to take
    to die"; not "I want to learn to die well")."""
    means: frozenset[str] = frozenset()


@dataclass(frozen=True)
class English:
    frames: re.Pattern[str]
    between: int
    purpose_between: int
    """How far the frame may be when the verb follows "to" or "and" ("should I crush into
    my wife's drink to kill her"): a purpose or a next step of the asked-for plan."""
    purpose_words: frozenset[str]
    askers: frozenset[str]
    """Words that put the asker in the sentence ("i", "me", "my")."""
    refusals: frozenset[str]
    """Words that, just before a frame, turn it down ("I won't give instructions for ...")."""
    blockers: frozenset[str]
    determiners: frozenset[str]
    stop_modifiers: frozenset[str]
    continuations: frozenset[str]
    kinds: Mapping[str, str]
    """target word -> object kind"""
    verbs: Mapping[str, tuple[_Verb, ...]]
    """verb form -> the verbs it can be"""
    genitive: Mapping[str, frozenset[str]]
    """verb form -> body parts ("break his neck")"""
    forms: frozenset[str]
    """Every verb form: the words a text is searched for."""
    context_finder: re.Pattern[str]
    """Finds a game or a story anywhere in the text ("in Skyrim", "my novel")."""


def _phrases(raw: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split()) for p in raw)


def english(raw: Mapping[str, Any]) -> English:
    kinds = {w: kind for kind, ws in raw["targets"].items() for w in ws}
    kinds.update({w: "person" for w in raw["targets"].get("pronoun_her", ())})
    verbs: dict[str, list[_Verb]] = {}
    for spec in raw["verbs"]:
        verb = _Verb(
            forms=frozenset(spec["forms"]),
            objects=frozenset(spec["objects"]),
            particles=_phrases(spec.get("particles", ())),
            tails=_phrases(spec.get("tails", ())),
            after_skip=_phrases(spec.get("after_skip", ())),
            contexts=frozenset(spec.get("contexts", ())),
            bare=bool(spec.get("bare", True)),
            implicit=spec.get("implicit"),
            means=frozenset(spec.get("means", ())),
        )
        for form in verb.forms:
            verbs.setdefault(form, []).append(verb)
    genitive = {f: frozenset(g["parts"]) for g in raw["genitive"] for f in g["forms"]}
    return English(
        frames=re.compile(r"(?<![a-z0-9])(?:" + "|".join(raw["frames"]) + r")(?![a-z0-9])"),
        between=int(raw["between"]),
        purpose_between=int(raw["purpose_between"]),
        purpose_words=frozenset(raw["purpose_words"]),
        askers=frozenset(raw["askers"]),
        refusals=frozenset(raw["refusals"]),
        blockers=frozenset(raw["blockers"]),
        determiners=frozenset(raw["determiners"]),
        stop_modifiers=frozenset(raw["stop_modifiers"]),
        continuations=frozenset(raw["continuations"]),
        kinds=kinds,
        verbs={form: tuple(vs) for form, vs in verbs.items()},
        genitive=genitive,
        forms=frozenset(verbs) | frozenset(genitive),
        context_finder=finder(raw["contexts"]),
    )


def _starts(tokens: Sequence[str], at: int, phrase: Sequence[str]) -> bool:
    return tuple(tokens[at : at + len(phrase)]) == tuple(phrase)


def _object(lex: English, tokens: Sequence[str], at: int) -> tuple[str, int] | None:
    """The object noun phrase starting at `at`: (kind, index after it), or None."""
    i = at
    if i < len(tokens) and tokens[i] in lex.determiners:
        word = tokens[i]
        if word == "her" and (i + 1 >= len(tokens) or _ends_phrase(lex, tokens, i + 1)):
            return "person", i + 1  # "kill her", not "her husband"
        i += 1
    for _ in range(3):  # the noun, or up to two modifiers before it
        if i >= len(tokens) or tokens[i] in BOUNDARY or tokens[i] in lex.stop_modifiers:
            return None
        word = tokens[i].removeprefix("ex-")
        if word in lex.kinds:
            return _head(lex, tokens, i, word)
        if word.endswith("'s") and word[:-2] in lex.kinds and lex.kinds[word[:-2]] == "person":
            i += 1  # "my neighbour's dog", "my ex's house": the owner, then the object
            continue
        i += 1
    return None


def _head(lex: English, tokens: Sequence[str], i: int, word: str) -> tuple[str, int]:
    """The last target word of the noun phrase whose first target, `word`, is at `i`, up to
    two words on: "a police officer", "a church potluck buffet" (a buffet), "a stray dog"."""
    head = i
    for j in range(i + 1, min(i + 3, len(tokens))):
        if tokens[j] in BOUNDARY or tokens[j] in lex.stop_modifiers:
            break
        if tokens[j] in lex.kinds:
            head, word = j, tokens[j]
    return lex.kinds[word], head + 1


def _ends_phrase(lex: English, tokens: Sequence[str], at: int) -> bool:
    return at >= len(tokens) or tokens[at] in BOUNDARY or tokens[at] in lex.continuations


def _owner(lex: English, tokens: Sequence[str], at: int, parts: frozenset[str]) -> str | None:
    """Whose body part follows `at` ("my wrists": oneself; "his neck", "my brother's
    legs": a person), or None."""
    owner = tokens[at : at + 3]
    if len(owner) >= 2 and owner[0] in _PRONOUN_OWNERS and owner[1] in parts:
        return SELF if owner[0] == "my" else "person"
    if owner and owner[0] in lex.determiners:
        owner = owner[1:]
    if (
        len(owner) >= 2
        and owner[1] in parts
        and owner[0].endswith("'s")
        and lex.kinds.get(owner[0][:-2].removeprefix("ex-")) == "person"
    ):
        return "person"
    return None


def english_hits(lex: English, text: str, found: Iterable[re.Match[str]]) -> Iterable[Hit]:
    in_context: bool | None = None  # a game or a story: searched for once, on a hit
    for m in islice(found, MAX_CANDIDATES):
        start = m.start()
        tokens, i = around(text, m, text[max(start - READ, 0) : start], text[start : start + READ])
        if _asked_for(lex, tokens, i):
            for hit in _verb_hits(lex, tokens, i):
                if in_context is None:
                    in_context = lex.context_finder.search(text) is not None
                if in_context:
                    return
                yield hit


def _asked_for(lex: English, tokens: Sequence[str], verb: int) -> bool:
    """Whether a request frame ends at most `between` words before the verb (`purpose_between`
    after "to" or "and"), with no blocker or clause boundary in those words ("how do I stop
    hurting ..." is not)."""
    reach = lex.purpose_between if verb and tokens[verb - 1] in lex.purpose_words else lex.between
    for k in range(verb - 1, max(verb - reach - 2, -1), -1):
        if k < verb - 1 and (tokens[k + 1] in BOUNDARY or tokens[k + 1] in lex.blockers):
            return False
        first = max(k - _FRAME_WORDS, 0)
        window = " ".join(tokens[first : k + 1])
        for m in lex.frames.finditer(window):
            if m.end() == len(window):
                at = first + window.count(" ", 0, m.start())
                return lex.refusals.isdisjoint(tokens[max(at - 3, 0) : at])
    return False


def _implicit(lex: English, tokens: Sequence[str], i: int, verb: _Verb) -> bool:
    """ "... to die": after "to", the asker and a means named in the sentence before it, and a
    particle if the verb needs one ("bleed out")."""
    if not i or tokens[i - 1] != "to":
        return False
    if verb.particles and not any(_starts(tokens, i + 1, p) for p in verb.particles):
        return False
    start = i - 1
    while start > 0 and tokens[start - 1] not in BOUNDARY:
        start -= 1
    before = tokens[start:i]
    return not lex.askers.isdisjoint(before) and not verb.means.isdisjoint(before)


def _verb_hits(lex: English, tokens: Sequence[str], i: int) -> Iterable[Hit]:
    word = tokens[i]
    parts = lex.genitive.get(word)
    if parts is not None:
        kind = _owner(lex, tokens, i + 1, parts)
        if kind is not None:
            yield Hit("en", word, kind)
            return
    for verb in lex.verbs.get(word, ()):
        if not verb.contexts.isdisjoint(tokens):
            continue  # "shoot my kids ... with a new camera": read around the verb
        if verb.implicit is not None:
            if _implicit(lex, tokens, i, verb):
                yield Hit("en", word, verb.implicit)
                return
            continue
        for particle in ((), *verb.particles):
            if particle and not _starts(tokens, i + 1, particle):
                continue
            found = _object(lex, tokens, i + 1 + len(particle))
            if found is None or found[0] not in verb.objects:
                continue
            kind, after = found
            if any(_starts(tokens, after, skip) for skip in verb.after_skip):
                continue
            tail = any(_starts(tokens, after, t) for t in verb.tails)
            if tail or ((particle or verb.bare) and _ends_phrase(lex, tokens, after)):
                yield Hit("en", word, kind)
                return
