"""Grounding: how much of an answer the retrieved context of a RAG call supports.

A heuristic, and documented as one. The answer is split into sentences; a sentence is
*supported* when most of its content words (lower-cased, three letters or more, not stop
words; numbers always count) occur in the retrieved passages, a word matching on its first
five letters so that "refunds"/"refunded" and Turkish suffixes ("iadesi"/"iade") still meet.
Sentences with fewer than `min_words` content words ("Sure.", "Anything else?") are not
judged. The policy sees the share of judged sentences with no support
(`input.grounding.unsupported`), never the passages.

It catches an answer that talks about things the sources never mention (invented fees,
numbers, names); it does not catch a sentence that reuses the sources' words to say the
opposite ("refunds are *not* possible"), nor credit a correct paraphrase in other words.
Plug in an entailment model through `SupportScorer` for that.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

_SENTENCE = re.compile(r"(?:(?<=[.!?…])\s+|\n+\s*)(?:[-*•]\s+|\d+[.)]\s+)?")
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP_WORDS = """
    the and for are but not you your yours with this that these those from have has had was
    were will would can could should may might must shall into onto about above below over
    under than then them they their there here what which who whom whose when where why how
    all any each few more most other some such only own same too very just also our ours its
    been being
    yes okay sure please thanks thank hello dear regards let get got use used via per
    bir bu şu ve ile için ama fakat veya gibi daha çok olan olarak ise kadar sonra önce
    ben sen biz siz onlar benim sizin bizim evet hayır lütfen teşekkür merhaba
"""
_STOP = frozenset(_STOP_WORDS.split())
_PREFIX = 5


@dataclass(frozen=True)
class GroundingScore:
    sentences: int
    """Sentences judged (those with at least `min_words` content words)."""
    unsupported: int
    method: str

    @property
    def unsupported_share(self) -> float:
        return self.unsupported / self.sentences if self.sentences else 0.0

    def policy_input(self) -> dict[str, Any]:
        """`input.grounding` for the output stage."""
        return {
            "sentences": self.sentences,
            "unsupported_sentences": self.unsupported,
            "unsupported": round(self.unsupported_share, 4),
            "method": self.method,
        }


class Passages(tuple[str, ...]):
    """A RAG call's passages (`charter.context(retrieved=...)`), their words read once: a
    stream is scored window by window against the same passages, and reading them again
    for every window made a 4,000-character answer over 5 MB of passages take 18 s."""

    @cached_property
    def word_keys(self) -> frozenset[str]:
        """The passages' content words as `LexicalSupport` matches them."""
        return frozenset(_key(w) for passage in self for w in _content_words(passage))


class SupportScorer(Protocol):
    def score(self, answer: str, passages: Sequence[str]) -> GroundingScore: ...


class LexicalSupport:
    def __init__(self, *, min_overlap: float = 0.5, min_words: int = 3) -> None:
        self.min_overlap = min_overlap
        self.min_words = min_words
        self.method = f"lexical-{min_overlap:g}"

    def score(self, answer: str, passages: Sequence[str]) -> GroundingScore:
        source = (passages if isinstance(passages, Passages) else Passages(passages)).word_keys
        judged = unsupported = 0
        for sentence in split_sentences(answer):
            words = _content_words(sentence)
            if len(words) < self.min_words:
                continue
            judged += 1
            found = sum(_key(w) in source for w in words)
            if found / len(words) < self.min_overlap:
                unsupported += 1
        return GroundingScore(judged, unsupported, self.method)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def _content_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in _WORD.findall(folded) if w.isdigit() or (len(w) >= 3 and w not in _STOP)]


def _key(word: str) -> str:
    return word if word.isdigit() else word[:_PREFIX]
