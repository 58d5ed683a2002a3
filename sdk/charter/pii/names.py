"""Names and places without a model: cues, titles and word lists.

The pattern mode has no NER model, so it finds a PERSON where a cue says one is coming
("my name is", "Sayın", "Mr.", "Ahmet Bey", "Hi Sarah,"), where a known given name is
followed by a capitalised word ("Emily Clarke", "Ayşe Yılmaz"), or where a capitalised word
is followed by a known Turkish surname ("Tuğba Karakaya"). A LOCATION is a known place
(countries, large cities, US states, Turkish provinces and districts, in English and
Turkish), a capitalised phrase after "I live in" / "'da oturuyorum", or a street address.
The word lists ship in `charter/pii/data/` (sources and licences in its README). The
`spacy` mode adds these recognizers to the model, which misses Turkish names.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from charter.pii.spec import RecognizerSpec
from charter.pii.verdict import Verdict, VerdictFn

DATA = Path(__file__).resolve().parent / "data"
UPPER = "A-ZÀ-ÖØ-ÞĞİŞŁŚŻŹĆŃŘŠŽČĎŤŇĽĹŐŰ"
LOWER = "a-zß-öø-ÿ" + "".join(c for c in map(chr, range(0x100, 0x180)) if c.islower())
"""Lowercase, and Latin Extended-A's lowercase (ğ ı ş ł ś ż ő ...), never a capital: with
its capitals (İ Ş Ğ) counted as lowercase too, a run of them was a candidate from each
capital to the run's end, rejected and tried again one character on (quadratic)."""
_TAIL = (  # after a name's first capital: lowercase, or a surname prefix and a capital
    f"(?:[{LOWER}]+|(?<=M)a?c[{UPPER}][{LOWER}]+|(?<=[DL])[aei][{UPPER}][{LOWER}]+"
    f"|(?<=[OD])['’][{UPPER}][{LOWER}]+)"
)
"""`McDonald`, `MacLeod`, `DiMarco`, `LeBlanc`, `O'Brien`, `D’Angelo`: probing found them
passing after the strongest cues, since a name was a capital and lowercase letters only."""
_NAME_REST = f"{_TAIL}(?:['’-][{UPPER}]{_TAIL})?"  # after the trigger (its capital)
_NAME = f"[{UPPER}]{_NAME_REST}"
_INITIAL = f"[{UPPER}]\\."
_NEXT = f"[ ](?:{_INITIAL}[ ])?{_NAME}"  # "Richard M. Nixon": an initial may come between
PARTICLES = frozenset(("da", "de", "del", "della", "la", "di", "dos", "das", "du", "van", "der",
                       "den", "von", "bin", "ibn", "ter", "ten"))  # fmt: skip
"""Not `do`: review found "Hi Emma do Google Sheets work offline?" sent as one name."""
_PARTICLE = "(?:de[ ]la|van[ ]de[rn]?|von[ ]der|" + "|".join(sorted(PARTICLES)) + ")"
_LAST = f"(?![ ](?:[{UPPER}]|[dt][ae](?![{LOWER}\\w])))"
_TR_NEXT = f"[ ](?:{_INITIAL}[ ]|(?:al|el)-)?{_NAME}"
_CUE_NEXT = f"(?:{_TR_NEXT}|[ ]{_PARTICLE}[ ](?![^ ]*['’][{LOWER}]){_NAME}{_LAST})"
"""After a cue, a surname may start with a particle (`da Silva`, `de la Cruz`, `van der
Berg`, `al-Sayed`) when it is the name's last word: not without a cue, nor before a word
with a Turkish case suffix (`Ahmet Yılmaz da Ankara’dan`), a capital or `da`/`de`
(`Ahmet Yılmaz da Mehmet Bey de`, `Ayşe de Ali de`), where `de`/`da` means "too"; after a
Turkish cue (`_TR_NEXT`) never (found by review)."""
_END = f"(?![{LOWER}\\w])"
_CAPS_NAME = f"[{UPPER}]+(?:[ ][{UPPER}]{{2,}}){{1,2}}(?![\\w:])"
"""After its first capital: two or three words in capitals (`AYŞE YILMAZ`), as forms and
bank receipts write names; only after a cue, and a word before `:` is the next label."""

_NAME_CUE = (
    r"(?i:\b(?:my name is|my name's|name is|call me|name:|full name:|i am called|"
    r"you can call me|account holder:))\s+"
)
_NAME_CUE_TR = (
    r"(?i:\b(?:ad[ıi] soyad[ıi]:?|ad soyad:?|benim ad[ıi]m|ad[ıi]m|ismim|isim:|gönderen:|"
    r"al[ıi]c[ıi]:|hesap sahibi:))\s+"
)
_INTRO_CUE = r"(?i:\b(?:i am|i'm|this is|it's|here is))\s+"
_INTRO_CUE_TR = r"\b[Bb]en\s+"
_TITLE_CUE = r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord)\.?\s+"
_TITLE_CUE_TR = r"\b(?:Sayın|SAYIN|Sn|Bay|Bayan|Av|Doç|Uzm|Op)\.?\s+"
_GREETING_CUE = (
    r"(?i:\b(?:hi|hello|hey|dear|thanks|thank you|cheers|regards|sincerely|best))[,!]?\s+"
)
_GREETING_CUE_TR = (
    r"(?i:\b(?:merhaba|selam|sevgili|teşekkürler|sağ ?ol|saygılarımla|iyi günler))[,!]?\s+"
)
_HONORIFIC_AFTER = f"(?=[ ](?:Bey|Hanım|Hanim|Beyefendi|Hanımefendi|Hoca|Hocam){_END})"
_PLACE_CUE = (
    r"(?i:\b(?:i live in|i'm from|i am from|i come from|living in|lives in|moved to|"
    r"based in|located in|relocated to|staying in|resident of|city of|"
    r"hometown is|flying to|travell?ing to))\s+"
)
_TR_PLACE_AFTER = (
    r"(?=['’](?:da|de|ta|te|dan|den|tan|ten|ya|ye|a|e)[ ]"
    r"(?:yaşıyorum|oturuyorum|ikamet|otur|yaşı|taşındım|doğdum|gidiyorum))"
)
_STREET_TYPES = (
    r"Street|St\.|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|Drive|Way|Court|"
    r"Place|Square|Terrace|Crescent|Close|Caddesi|Cad\.|Cd\.|Sokak|Sokağı|Sk\.|Sok\.|"
    r"Mahallesi|Mah\.|Mh\.|Bulvarı|Blv\.|Straße|Strasse|Str\.|Laan|Gracht|Weg"
)
_STREET = (
    _NAME_REST + f"(?:[ ]{_NAME}){{0,3}}[ ](?:{_STREET_TYPES})"
    r"(?:,?[ ](?:No|Nr|Numara)[:.]?[ ]?\d{1,5}[A-Za-z]?(?:/\d{1,4})?)?(?![\w])"
)

# Capitalised words that start sentences or follow a name without being part of it.
_NOT_NAME_WORDS = frozenset((
    "i", "you", "he", "she", "we", "they", "it", "the", "a", "an", "this", "that", "these",
    "those", "my", "your", "our", "his", "her", "their", "its", "please", "thanks", "thank",
    "hi", "hello", "hey", "dear", "yes", "no", "ok", "okay", "and", "or", "but", "if", "so",
    "then", "also", "hope", "sorry", "regards", "best", "kind", "cheers", "sir", "madam",
    "team", "support", "customer", "service", "order", "invoice", "account", "card", "bank",
    "street", "road", "avenue", "university", "hospital", "company", "group", "ltd", "inc",
    "llc", "airlines", "airport", "station", "center", "centre", "hotel", "school",
    "college", "office", "department", "ministry", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "today", "tomorrow", "merhaba", "selam",
    "sayın", "değerli", "sevgili", "teşekkürler", "teşekkür", "lütfen", "iyi", "günler",
    "evet", "hayır", "ve", "veya", "ama", "bu", "şu", "o", "ben", "sen", "biz", "siz",
    "onlar", "benim", "bizim", "sizin", "müşteri", "destek", "hizmetleri", "sipariş",
    "kargo", "fatura", "hesap", "kart", "banka", "bankası", "üniversitesi", "hastanesi",
    "şirketi", "caddesi", "sokak", "mahallesi", "bölgesi", "havalimanı", "otel", "okulu",
    "bakanlığı", "genel", "müdürlüğü", "pazartesi", "salı", "çarşamba", "perşembe", "cuma",
    "cumartesi", "pazar", "bugün", "yarın", "address", "adres", "adresim", "adresimiz",
    "adresi", "teslimat", "gönderim", "send", "ship", "deliver", "mr", "mrs", "ms", "miss",
    "mx", "dr", "prof", "sayın", "sn", "bay", "bayan", "bey", "hanım", "hanim", "hoca",
    "hocam", "beyefendi", "hanımefendi",
    # function words: a message written in capitals has them after a cue ("ISMIM BIR ...")
    "ile", "bir", "için", "icin", "çok", "de", "da", "ki", "mi", "is", "not", "at", "on",
    "in", "to", "for", "of", "when", "back", "now", "later", "soon", "asap", "here",
))  # fmt: skip


@functools.cache
def word_list(name: str) -> frozenset[str]:
    """A shipped list from `data/`, one entry a line, `#` comments skipped."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _not_name_word(word: str) -> bool:
    return word.lower().replace("\u0307", "") in _NOT_NAME_WORDS


_WORDS = re.compile(r"\S+")


def _name_verdict(score: float, *, min_words: int = 1) -> VerdictFn:
    """Keeps the leading run of name-like words; none when fewer than `min_words`."""

    def verdict(candidate: str) -> Verdict | None:
        end = kept = 0
        particle = False
        for match in _WORDS.finditer(candidate):
            if match.group() in PARTICLES:
                particle = True
                continue  # kept only with the name after it (the pattern puts one there)
            word = match.group().rstrip(",.;:")
            if _not_name_word(word) or (particle and word in word_list("places.txt")):
                break  # a particle never joins a place: `Ayşe Kaya da Bursa` (review)
            end, kept = match.end(), kept + 1
        if kept < (2 if candidate[:end].isupper() else min_words):
            return None  # one word in capitals is as likely an acronym as a name
        if particle and candidate[:end].rstrip(" ,") in word_list("places.txt"):
            return None  # "it's Rio de Janeiro": a place, as `place_list` says
        return Verdict(len(candidate[:end].rstrip(" ,")), score)

    return verdict


def _street_verdict(candidate: str) -> Verdict | None:
    first = candidate.split(" ", 1)[0]
    return None if _not_name_word(first) else Verdict(len(candidate), 0.6)


def _given_name_verdict(score: float, *, min_words: int) -> VerdictFn:
    """The first word is a known given name; then as `_name_verdict`."""
    rest = _name_verdict(score, min_words=min_words)
    given = word_list("given_names.txt")

    def verdict(candidate: str) -> Verdict | None:
        first = candidate.split(" ", 1)[0]
        return rest(candidate) if first in given else None

    return verdict


def _surname_verdict(candidate: str) -> Verdict | None:
    """`Tuğba Karakaya`: a capitalised word, then a known Turkish surname."""
    first, _, second = candidate.partition(" ")
    if second not in word_list("surnames_tr.txt") or _not_name_word(first):
        return None
    return Verdict(len(candidate), 0.55)


_PLACE_WORDS = re.compile(r"[ ](?:(?:and|of|de|es|da|del|la|upon)[ ])?")


@functools.cache
def _place_first_words() -> frozenset[str]:
    return frozenset(place.partition(" ")[0] for place in word_list("places.txt"))


def _place_verdict(candidate: str) -> Verdict | None:
    """The longest run of leading words that names a known place."""
    if candidate.partition(" ")[0] not in _place_first_words():
        return None  # every run tried below starts with this word: most words end here
    places = word_list("places.txt")
    ends = [m.start() for m in _PLACE_WORDS.finditer(candidate)] + [len(candidate)]
    for end in reversed(ends):
        if candidate[:end] in places:
            return Verdict(end, 0.5)
    return None


_PERSON_CONTEXT = ("name*", "customer*", "contact*", "isim*", "adı", "soyad*", "müşteri*", "kişi*")
_PLACE_CONTEXT = ("live*", "city*", "address*", "from*", "town*", "country*", "adres*", "şehir*",
                  "oturuyorum*", "yaşıyorum*", "ikamet*", "il", "ilçe*")  # fmt: skip
_WORDS_1_3 = (
    _NAME_REST + f"(?:{_CUE_NEXT}){{0,3}}{_END}"
)  # up to four: `Maria Fernanda Gómez López`
_CUED = f"(?:{_WORDS_1_3}|{_CAPS_NAME})"
_CUED_TR = f"(?:{_NAME_REST}(?:{_TR_NEXT}){{0,3}}{_END}|{_CAPS_NAME})"


# Cue words as anchors: a cue recognizer runs only on texts that contain one of them.
_NAME_CUE_WORDS = ("name", "call me", "account holder")
_NAME_CUE_WORDS_TR = ("ad soyad", "adı soyadı", "adi soyadi", "adım", "adim", "ismim", "isim",
                      "gönderen", "alıcı", "alici", "hesap sahibi")  # fmt: skip
_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Lady", "Lord")
_TITLES_TR = ("Sayın", "SAYIN", "Sn", "Bay", "Av", "Doç", "Uzm", "Op")
_INTRO_WORDS = ("i am", "i'm", "this is", "it's", "here is")
_GREETING_WORDS = ("hi", "hello", "hey", "dear", "thank", "cheers", "regards", "sincerely",
                   "best")  # fmt: skip
_GREETING_WORDS_TR = ("merhaba", "selam", "sevgili", "teşekkür", "sağ", "saygı", "iyi gün")
_PLACE_CUE_WORDS = ("live", "from", "moved", "based", "located", "staying", "resident",
                    "city of", "hometown", "flying", "travel")  # fmt: skip
_TR_PLACE_WORDS = ("yaşıyorum", "oturuyorum", "ikamet", "otur", "yaşı", "taşındım", "doğdum",
                   "gidiyorum")  # fmt: skip
_STREET_WORDS = ("street", "st.", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane",
                 "ln", "drive", "way", "court", "place", "square", "terrace", "crescent",
                 "close", "cadde", "cad.", "cd.", "sokak", "sokağı", "sk.", "sok.", "mahalle",
                 "mah.", "mh.", "bulvar", "blv.", "straße", "strasse", "str.", "laan", "gracht",
                 "weg")  # fmt: skip


def person_recognizers() -> list[RecognizerSpec]:
    """The cue recognizers come once per cue language: after a Turkish cue no particle
    joins a name, as `da`/`de` there mean "too" (`Sayın Ayşe Kaya da Bursa da geldi`)."""
    verdict = _name_verdict
    given = _given_name_verdict
    specs: list[RecognizerSpec] = []
    for tr, cued, name_cue, titles, title_cue, intro_cue, greeting_cue, anchors in (
        (
            False,
            _CUED,
            _NAME_CUE,
            _TITLES,
            _TITLE_CUE + f"(?:{_PARTICLE}[ ])?",
            _INTRO_CUE,
            _GREETING_CUE,
            (_NAME_CUE_WORDS, _INTRO_WORDS, _GREETING_WORDS),
        ),
        (
            True,
            _CUED_TR,
            _NAME_CUE_TR,
            _TITLES_TR,
            _TITLE_CUE_TR,
            _INTRO_CUE_TR,
            _GREETING_CUE_TR,
            (_NAME_CUE_WORDS_TR, ("ben ",), _GREETING_WORDS_TR),
        ),
    ):
        name_words, intro_words, greeting_words = anchors
        nxt = _TR_NEXT if tr else _CUE_NEXT
        specs += [
            RecognizerSpec(
                "person_cue", "PERSON", cued, verdict(0.7), 0.7, trigger=UPPER,
                prefix=name_cue, prefix_in_entity=False, prefix_window=32,
                lower_anchors=name_words,
            ),
            RecognizerSpec(
                "person_title", "PERSON", cued, verdict(0.7), 0.7, trigger=UPPER,
                prefix=title_cue, prefix_in_entity=False, prefix_window=24, anchors=titles,
            ),
            RecognizerSpec(
                "person_intro", "PERSON", _NAME_REST + f"(?:{nxt}){{1,2}}{_END}",
                verdict(0.6, min_words=2), 0.6, trigger=UPPER, prefix=intro_cue,
                prefix_in_entity=False, prefix_window=16, lower_anchors=intro_words,
            ),
            RecognizerSpec(
                "person_intro_given", "PERSON", _NAME_REST + _END,
                given(0.6, min_words=1), 0.6, trigger=UPPER, prefix=intro_cue,
                prefix_in_entity=False, prefix_window=16, lower_anchors=intro_words,
            ),
            RecognizerSpec(
                "person_greeting", "PERSON", _NAME_REST + f"(?:{nxt}){{0,2}}{_END}",
                given(0.6, min_words=1), 0.6, trigger=UPPER, prefix=greeting_cue,
                prefix_in_entity=False, prefix_window=20, lower_anchors=greeting_words,
            ),
        ]  # fmt: skip
    specs += [
        RecognizerSpec(
            "person_honorific", "PERSON", _NAME_REST + f"(?:[ ]{_NAME})?" + _HONORIFIC_AFTER,
            verdict(0.7), 0.7, trigger=UPPER, anchors=("Bey", "Hanım", "Hanim", "Hoca"),
        ),
        RecognizerSpec(
            "person_given_name", "PERSON", _NAME_REST + f"(?:{_NEXT}){{1,2}}{_END}",
            given(0.6, min_words=2), 0.6, context=_PERSON_CONTEXT, trigger=UPPER,
        ),
        RecognizerSpec(
            "person_tr_surname", "PERSON", _NAME_REST + f"[ ]{_NAME}{_END}", _surname_verdict,
            0.55, context=_PERSON_CONTEXT, trigger=UPPER,
        ),
    ]  # fmt: skip
    return sorted(specs, key=lambda spec: _PERSON_ORDER.index(spec.name))


_PERSON_ORDER = ("person_cue", "person_title", "person_honorific", "person_intro",
                 "person_intro_given", "person_given_name", "person_greeting",
                 "person_tr_surname")  # fmt: skip
"""Which is tried first when two match at one position (a cue's English one first)."""


def place_recognizers() -> list[RecognizerSpec]:
    return [
        RecognizerSpec(
            "place_cue", "LOCATION", _NAME_REST + f"(?:[ ]{_NAME}){{0,2}}{_END}",
            _name_verdict(0.6), 0.6, trigger=UPPER, prefix=_PLACE_CUE,
            prefix_in_entity=False, prefix_window=24, lower_anchors=_PLACE_CUE_WORDS,
        ),
        RecognizerSpec(
            "place_tr_suffix", "LOCATION", _NAME_REST + _TR_PLACE_AFTER, None, 0.6,
            trigger=UPPER, lower_anchors=_TR_PLACE_WORDS,
        ),
        RecognizerSpec(
            "street_address", "LOCATION", _STREET, _street_verdict, 0.6, trigger=UPPER,
            prefix=r"(?:\d{1,5}[A-Za-z]?,?[ ])?", prefix_window=8, lower_anchors=_STREET_WORDS,
        ),
        RecognizerSpec(
            "place_list", "LOCATION",
            _NAME_REST + f"(?:[ ](?:(?:and|of|de|es|da|del|la|upon)[ ])?{_NAME}){{0,3}}{_END}",
            _place_verdict, 0.5, context=_PLACE_CONTEXT, trigger=UPPER,
        ),
    ]  # fmt: skip
