"""How alike two corpus texts are, for the tests that keep the eval sets honest.

Texts are compared as words: NFKC, casefolded, every run of punctuation and spacing read
as one space, so "What's the difference?" and "whats the difference" differ only in the
word "s". The user-style sets lowercase and drop final punctuation on purpose: those
variants of a training text are the training text.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_A_WORD = re.compile(r"\W+")


def words(text: str) -> tuple[str, ...]:
    """The text's words, case, punctuation and spacing folded."""
    return tuple(_NOT_A_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())
