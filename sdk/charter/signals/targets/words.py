"""What both languages' readers share: the cue they report, the word tokens, the window
read around a candidate word."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from charter.signals.heuristic import trie_regex

SELF = "self"
CATEGORY = {
    "person": "violent_crimes",
    "body": "violent_crimes",
    "animal": "violent_crimes",
    "place": "violent_crimes",
    "supply": "violent_crimes",
}
"""Object kind -> harm category; oneself is `self_harm`."""

TOKEN = re.compile(r"[a-z0-9&]+(?:['-][a-z0-9]+)*|[.?!;:,\n]")
BOUNDARY = frozenset(".?!;:,\n")
MAX_CANDIDATES = 1000
"""Violent verbs (English) or targets (Turkish) read per text: a text holding more is read
up to there (the classifier still reads all of it), so a megabyte of "kill" stays cheap."""
READ = 160
"""Characters read either side of a candidate word."""


@dataclass(frozen=True)
class Hit:
    """One cue: which verb hit which kind of object (never the text itself)."""

    lang: str
    verb: str
    kind: str

    @property
    def id(self) -> str:
        return f"{self.lang}.{self.verb}.{self.kind}"

    @property
    def category(self) -> str:
        return "self_harm" if self.kind == SELF else CATEGORY[self.kind]


def finder(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9&'-])" + trie_regex(words) + r"(?![a-z0-9&'-])")


def around(text: str, m: re.Match[str], before: str, after: str) -> tuple[list[str], int]:
    """The words of `before` + `after` (text either side of the match `m`) and the index
    of the matched word among them; a word cut by the window's edge is dropped."""
    head = TOKEN.findall(before)
    if head and m.start() > len(before) and text[m.start() - len(before) - 1].isalnum():
        head = head[1:]
    return head + TOKEN.findall(after), len(head)
