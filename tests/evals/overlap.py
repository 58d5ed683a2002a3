"""How alike two corpus texts are, for the tests that keep the eval sets honest.

Texts are compared as words: NFKC, casefolded, every run of punctuation and spacing read
as one space, so "What's the difference?" and "whats the difference" differ only in the
word "s". The user-style sets lowercase and drop final punctuation on purpose: those
variants of a training text are the training text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

_NOT_A_WORD = re.compile(r"\W+")

RUN = 8
"""Words in a row that two texts do not share by chance: a template, payload or carrier."""
SHORTEST_RUN = 5
"""An item shorter than `RUN` words counts as shared when it sits whole in a training text
and has at least this many words ("tell me a joke" is common speech, not a copied text)."""
SAME_WORDS = Fraction(4, 5)
"""Word-set Jaccard from which two texts differ by a word or two ("a"/"the", "8"/"eight")."""


def words(text: str) -> tuple[str, ...]:
    """The text's words, case, punctuation and spacing folded."""
    return tuple(_NOT_A_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def _runs(seq: tuple[str, ...]) -> set[str]:
    return {" ".join(seq[i : i + RUN]) for i in range(len(seq) - RUN + 1)}


class TrainingIndex:
    """Training texts, indexed to answer "which one is this text, or nearly?" in a few
    seconds for thousands of texts (no pairwise comparison)."""

    def __init__(self, texts: Iterable[tuple[str, str]]) -> None:
        """`texts`: (id, text) of every training item."""
        self._ids: list[str] = []
        self._sets: list[frozenset[str]] = []
        self._whole: dict[tuple[str, ...], int] = {}
        self._runs: dict[str, int] = {}
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
