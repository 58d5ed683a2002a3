"""The Turkish reader: the object comes before the verb, marked accusative ("karımı",
"kendimi"); a target word, then within four words a verb stem with a first person or
infinitive ending ("öldürürüm", "öldürmek"), and a request word ("nasıl", "istiyorum") or a
first-person verb in the same sentence; nothing of it in a game or a story."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from charter.signals.targets.words import MAX_CANDIDATES, READ, Hit, around

_SENTENCE = re.compile(r"[.?!\n]+")
_FIRST_PERSON = re.compile(r"(?:[iu]m|s[ea]m|[ea]y[iu]m|[ea]l[iu]m)$")
_CONSONANT_ENDINGS = (
    r"(?:[uiea]r[iu]m|[ea]c[ea]g[iu]m|[ea]c[ea]m|[ea]bil[iu]r[iu]m|s[ea]m|[ea]y[iu]m|"
    r"[ea]l[iu]m|m[ea]l[iu]y[iu]m|m[ea]k|m[ea]y[iu]|m[ea]n[iu]n|m[ea]y[ea]|[ea]b[iu]l[iu]r|"
    r"[uiea]rs[ea]m|[uiea]p|[iu]l[iu]r)"
)
_VOWEL_ENDINGS = (
    r"(?:r[iu]m|y[ea]c[ea]g[iu]m|y[ea]c[ea]m|y[ea]bil[iu]r[iu]m|s[ea]m|y[ea]y[iu]m|y[ea]l[iu]m|"
    r"m[ea]l[iu]y[iu]m|m[ea]k|m[ea]y[iu]|m[ea]n[iu]n|m[ea]y[ea]|y[ea]b[iu]l[iu]r|rs[ea]m|y[iu]p)"
)


@dataclass(frozen=True)
class Turkish:
    frames: frozenset[str]
    contexts: frozenset[str]
    blockers: tuple[str, ...]
    """Stems that turn the sentence away from doing harm ("bırakmak": to stop, "korumak":
    to protect): a word starting with one blocks it."""
    kinds: Mapping[str, str]
    verbs: tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]
    """(verb with its endings, stem, object kinds)"""


def turkish(raw: Mapping[str, Any]) -> Turkish:
    verbs = []
    for spec in raw["verbs"]:
        *head, last = spec["stem"].split()  # "havaya ucur": the verb is the last word
        soft = spec.get("soft", last)  # its stem before a vowel ("et" -> "ed")
        endings = _VOWEL_ENDINGS if spec["vowel"] else _CONSONANT_ENDINGS
        lead = "".join(re.escape(word) + " " for word in head)
        pattern = re.compile(f"{lead}(?:{re.escape(last)}|{re.escape(soft)}){endings}")
        verbs.append((pattern, "_".join((*head, last)), frozenset(spec["objects"])))
    kinds = {w: kind for kind, ws in raw["targets"].items() for w in ws}
    several = sorted(w for w in kinds if not re.fullmatch(r"[a-z0-9]+", w))
    if several:
        raise ValueError(f"Turkish targets are single words (a-z), not {several[:3]}")
    return Turkish(
        frames=frozenset(raw["frames"]),
        contexts=frozenset(raw["contexts"]),
        blockers=tuple(raw["blockers"]),
        kinds=kinds,
        verbs=tuple(verbs),
    )


def turkish_hits(lex: Turkish, text: str, found: Iterable[re.Match[str]]) -> Iterable[Hit]:
    """The request word and the target must be in the same sentence."""
    for m in islice(found, MAX_CANDIDATES):
        start = m.start()
        before = _SENTENCE.split(text[max(start - READ, 0) : start])[-1]
        after = _SENTENCE.split(text[start : start + READ], maxsplit=1)[0]
        tokens, i = around(text, m, before, after)
        words = set(tokens)
        if words & lex.contexts or not (words & lex.frames or _first_person(tokens)):
            continue
        if any(t.startswith(lex.blockers) for t in tokens):
            continue
        kind = lex.kinds[tokens[i]]
        for pattern, stem, objects in lex.verbs:
            if kind in objects and _near(pattern, tokens, i):
                yield Hit("tr", stem, kind)
                break


def _first_person(tokens: Sequence[str]) -> bool:
    return any(_FIRST_PERSON.search(t) for t in tokens)


def _near(pattern: re.Pattern[str], tokens: Sequence[str], i: int) -> bool:
    """The verb starts within six words of the target and ends a word."""
    for j in range(i + 1, min(i + 7, len(tokens))):
        m = pattern.match(" ".join(tokens[j : j + 2]))
        if m and (m.end() == len(tokens[j]) or " " in m.group()):
            return True
    return False
