"""How alike two corpus texts are, for the tests that keep the eval sets honest.

Texts are compared as words: compatibility forms, case and accents folded (Turkish typed
without its letters is the same text: "acısız"/"acisiz", "İstanbul"/"istanbul"), every run
of punctuation and spacing read as one space, so "What's the difference?" and "whats the
difference" differ only in the word "s". The user-style sets lowercase and drop final
punctuation on purpose: those variants of a training text are the training text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from fractions import Fraction

_NOT_A_WORD = re.compile(r"\W+")
_MARKS = re.compile("[\u0300-\u036f]")
"""Combining accents, once decomposed (NFKD): ş = s + cedilla, İ = I + dot above."""
_DOTLESS = str.maketrans({"ı": "i"})

RUN = 8
"""Words in a row that two texts do not share by chance: a template, payload or carrier."""
SHORTEST_RUN = 5
"""An item shorter than `RUN` words counts as shared when it sits whole in a training text
and has at least this many words ("tell me a joke" is common speech, not a copied text)."""
SAME_WORDS = Fraction(4, 5)
"""Word-set Jaccard from which two texts differ by a word or two ("a"/"the", "8"/"eight").
In a short text one word changed is below it ("... autumn rain" / "... autumn leaves")."""
EDITED = 4
"""Shortest item compared by word edits: one word changed, added or left out of a training
text ("can my employer read my work email(s)") is that text. Longer than `2 * RUN` words,
one edit leaves `RUN` words in a row, which `shared_run` finds, so it is not indexed."""
_GAP = "\0"  # a word left blank: no word holds it


def words(text: str) -> tuple[str, ...]:
    """The text's words, compatibility forms, case, accents, punctuation and spacing folded.
    Accents go after NFKD (a dotted capital I used to split "İstanbul" into "i stanbul")."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold()).translate(_DOTLESS)
    return tuple(_NOT_A_WORD.sub(" ", folded).split())


def _runs(seq: tuple[str, ...]) -> set[str]:
    return {" ".join(seq[i : i + RUN]) for i in range(len(seq) - RUN + 1)}


def _blanked(seq: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """`seq` with each word in turn blanked (one word changed matches this)."""
    return ((*seq[:i], _GAP, *seq[i + 1 :]) for i in range(len(seq)))


def _shortened(seq: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """`seq` with each word in turn left out (one word added or left out matches this)."""
    return (seq[:i] + seq[i + 1 :] for i in range(len(seq)))


class TrainingIndex:
    """Training texts (or any texts compared with others), indexed to answer "which one is
    this text, or nearly?" in a few seconds for thousands of texts (no pairwise comparison)."""

    def __init__(self, texts: Iterable[tuple[str, str]]) -> None:
        """`texts`: (id, text) of every training item."""
        self._ids: list[str] = []
        self._sets: list[frozenset[str]] = []
        self._whole: dict[tuple[str, ...], int] = {}
        self._runs: dict[str, int] = {}
        self._edited: dict[tuple[str, ...], int] = {}  # `_blanked`, `_shortened`
        self._by_word: defaultdict[str, list[int]] = defaultdict(list)
        joined, self._starts = [], []
        offset = 0
        for n, (item_id, text) in enumerate(texts):
            seq = words(text)
            self._ids.append(item_id)
            self._sets.append(frozenset(seq))
            self._whole.setdefault(seq, n)
            for run in _runs(seq):
                self._runs.setdefault(run, n)
            if len(seq) <= 2 * RUN:
                for edited in (*_blanked(seq), *_shortened(seq)):
                    self._edited.setdefault(edited, n)
            for word in self._sets[-1]:
                self._by_word[word].append(n)
            line = " " + " ".join(seq) + " \n"
            joined.append(line)
            self._starts.append(offset)
            offset += len(line)
        self._joined = "".join(joined)

    def equal(self, text: str) -> str | None:
        """The training item whose words are this text's words, in order."""
        n = self._whole.get(words(text))
        return None if n is None else self._ids[n]

    def one_edit(self, text: str) -> str | None:
        """A training item this text becomes with at most one word changed, added or left
        out, for a text of `EDITED` words or more. One word blank in both: a change; this
        text with one word left out equal to a training text, or equal to one with a word
        left out: an addition or a leaving out."""
        seq = words(text)
        if not EDITED <= len(seq) <= 2 * RUN:
            return None
        keys = [
            (self._whole, seq),
            (self._edited, seq),
            *((self._edited, blanked) for blanked in _blanked(seq)),
            *((self._whole, shortened) for shortened in _shortened(seq)),
        ]
        found = next((table[key] for table, key in keys if key in table), None)
        return None if found is None else self._ids[found]

    def same_words(self, text: str) -> str | None:
        """A training item whose word set has Jaccard >= `SAME_WORDS` with this text's.
        Prefix filtering: a set that similar must hold one of the text's rarest
        |s| - ceil(|s| * SAME_WORDS) + 1 words, so only their items are compared."""
        mine = frozenset(words(text))
        if not mine:
            return None
        least = -(-len(mine) * SAME_WORDS.numerator // SAME_WORDS.denominator)
        rarest = sorted(mine, key=lambda w: (len(self._by_word.get(w, ())), w))
        candidates = {n for w in rarest[: len(mine) - least + 1] for n in self._by_word.get(w, ())}
        for n in sorted(candidates):
            theirs = self._sets[n]
            shared = len(mine & theirs)
            if shared * SAME_WORDS.denominator >= len(mine | theirs) * SAME_WORDS.numerator:
                return self._ids[n]
        return None

    def near_copy(self, text: str) -> str | None:
        """A training item this text is a near-copy of by any of the rules above and below
        (what a held-out item must not be)."""
        return self.same_words(text) or self.shared_run(text) or self.one_edit(text)

    def shared_run(self, text: str) -> str | None:
        """A training item sharing `RUN` words in a row with this text, or holding all of
        it when it is `SHORTEST_RUN` to `RUN` - 1 words long."""
        seq = words(text)
        if len(seq) >= RUN:
            return next(
                (self._ids[self._runs[r]] for r in sorted(_runs(seq)) if r in self._runs), None
            )
        if len(seq) < SHORTEST_RUN:
            return None
        at = self._joined.find(" " + " ".join(seq) + " ")
        return None if at < 0 else self._ids[bisect.bisect_right(self._starts, at) - 1]
