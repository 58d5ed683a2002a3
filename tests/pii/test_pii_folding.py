"""Direction marks, odd hyphens, Arabic-Indic digits and decomposed letters hide no value
(found by probing: `TC kimlik: 39141<LRM>777694`, a card with RLMs between its groups, a
phone number with non-breaking hyphens passed unredacted, `jane<LRM>.doe@gmail.com` lost
only its tail, and a name typed on macOS, NFD, matched no word list)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from charter.config import DEFAULT_POLICIES
from charter.errors import PolicyViolation
from charter.pii import PatternDetector, Redactor, Vault
from charter.pii.folding import folded
from charter.testing import make_charter

TCKN = "39141777694"
IBAN = "TR180006200119000006672315"
LRM, RLM, LRI, PDI, NBH = "\u200e", "\u200f", "\u2066", "\u2069", "\u2011"
DIGITS = (0x0966, 0x09E6, 0x0E50, 0xFF10, 0x1D7CE)
"""Devanagari, Bengali, Thai, full-width and mathematical bold zeros: found by review
probing, a card or TC Kimlik No in the first three or the last passed unredacted."""


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def arabic_indic(digits: str) -> str:
    return written_in(0x0660, digits)


def written_in(zero: int, text: str) -> str:
    """`text` with its digits in another script's, `zero` the code point of its 0."""
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        (f"TC kimlik: {TCKN[:5]}{LRM}{TCKN[5:]}", "TR_NATIONAL_ID", f"{TCKN[:5]}{LRM}{TCKN[5:]}"),
        (f"IBAN: {IBAN[:10]}{LRM}{IBAN[10:]}", "IBAN_CODE", f"{IBAN[:10]}{LRM}{IBAN[10:]}"),
        (f"card 4111{RLM}1111{RLM}1111{RLM}1111", "CREDIT_CARD", f"4111{RLM}1111{RLM}1111{RLM}1111"),
        (f"phone: {LRI}+90 532 123 45 67{PDI}", "PHONE_NUMBER", "+90 532 123 45 67"),
        (f"tel: +90{LRM} 532{LRM} 123{LRM} 45{LRM} 67", "PHONE_NUMBER",
         f"+90{LRM} 532{LRM} 123{LRM} 45{LRM} 67"),
        (f"email: jane{LRM}.doe@gmail.com", "EMAIL_ADDRESS", f"jane{LRM}.doe@gmail.com"),
        (f"phone +90{NBH}532{NBH}123{NBH}45{NBH}67", "PHONE_NUMBER",
         f"+90{NBH}532{NBH}123{NBH}45{NBH}67"),
        ("card 4111\u20131111\u20131111\u20131111", "CREDIT_CARD", "4111\u20131111\u20131111\u20131111"),
        (f"TC kimlik: {arabic_indic(TCKN)}", "TR_NATIONAL_ID", arabic_indic(TCKN)),
        *((f"TC kimlik: {written_in(zero, TCKN)} tamam", "TR_NATIONAL_ID", written_in(zero, TCKN))
          for zero in DIGITS),
        *((f"card {written_in(zero, '4111 1111 1111 1111')} ok", "CREDIT_CARD",
           written_in(zero, "4111 1111 1111 1111")) for zero in DIGITS),
        (nfd("Ad Soyad: Gülşen Koç"), "PERSON", nfd("Gülşen Koç")),
        (nfd("e-posta: ayşe.yılmaz@şirket.com.tr"), "EMAIL_ADDRESS",
         nfd("ayşe.yılmaz@şirket.com.tr")),
    ],
)  # fmt: skip
def test_the_value_is_found_and_redacted_as_written(
    patterns: PatternDetector, vault: Vault, text: str, entity: str, value: str
) -> None:
    red = Redactor(patterns, vault=vault).redact(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in red.findings] == [(entity, value)]
    assert red.restore(red.text) == text


def test_a_composed_letter_maps_back_to_its_whole_cluster() -> None:
    text = f"a{LRM}s\u0327b c\u0327"  # a, LRM, s + cedilla, b, space, c + cedilla
    scan, where = folded(text)
    assert scan == "aşb ç" and where is not None
    assert where.starts == [0, 2, 4, 5, 6]
    assert where.ends == [1, 4, 5, 6, 8]


def test_text_with_nothing_to_fold_keeps_its_offsets() -> None:
    for text in ("plain ascii", "tab\tline\r\nfeed", "Ayşe Yılmaz, İstanbul", "“tırnak” — ✓"):
        assert folded(text) == (text, None)


def test_a_mark_nothing_composes_with_is_dropped_and_mapped_back_over() -> None:
    """A keycap on a digit, a dot above an `i` (Python's lower() of `İ`), a mark after a
    dropped character: NFC keeps them apart, the recognizers read without them."""
    text = "1\u20e3 i\u0307 \u0000\u0301x"
    scan, where = folded(text)
    assert scan == "1 i x" and where is not None
    assert where.starts == [0, 2, 3, 5, 8]
    assert where.ends == [2, 3, 5, 6, 9]


ODD = {
    "U+061C arabic letter mark": "\u061c",
    "U+2065 unassigned ignorable": "\u2065",
    "U+E0020 tag space": "\U000e0020",
    "U+FE0F variation selector": "\ufe0f",
    "U+034F grapheme joiner": "\u034f",
    "U+20E3 keycap": "\u20e3",
    "U+0301 on a digit": "\u0301",
    "NUL": "\x00",
    "lone surrogate": "\ud800",
    "U+2800 braille blank": "\u2800",
    "U+FFFC object replacement": "\ufffc",
    "U+1D159 null notehead": "\U0001d159",
    "U+0903 spacing mark": "\u0903",
    "U+1D165 astral spacing mark": "\U0001d165",
}
"""Found by probing: each one inside a card, a TC Kimlik No or an e-mail hid the value
from the recognizers (the hand-written list of invisible characters had U+200B, not
these; marks were composed only from U+0300-036F, and onto nothing they stayed)."""
CARD = "4111111111111111"


def _hidden(odd: str) -> dict[str, str]:
    return {
        "CREDIT_CARD": odd.join((CARD[:4], CARD[4:8], CARD[8:12], CARD[12:])),
        "TR_NATIONAL_ID": f"{TCKN[:6]}{odd}{TCKN[6:]}",
        "EMAIL_ADDRESS": f"jane{odd}.doe@exam{odd}ple.com",
    }


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
def test_an_odd_character_inside_a_value_hides_nothing(
    patterns: PatternDetector, vault: Vault, odd: str
) -> None:
    for entity, value in _hidden(odd).items():
        text = f"bilgi: {value} tamam"
        red = Redactor(patterns, vault=vault).redact(text)
        assert [(f.entity_type, text[f.start : f.end]) for f in red.findings] == [(entity, value)]
        assert red.restore(red.text) == text


def test_a_value_in_text_with_marks_on_its_letters_maps_back(
    patterns: PatternDetector, vault: Vault
) -> None:
    """Hindi is NFC with a mark on most letters: read without them at the regex engine's
    speed, the way back worked out for the finding."""
    value = f"{TCKN[:6]}\u20e3{TCKN[6:]}"
    text = f"नमस्ते, मेरा पहचान संख्या {value} है, कृपया जाँचें"
    red = Redactor(patterns, vault=vault).redact(text)
    assert [text[f.start : f.end] for f in red.findings] == [value]
    assert red.restore(red.text) == text


@pytest.mark.parametrize(
    "text",
    [
        "नमस्ते\u200b क\u093c ख\u20e3 1\u0301\U000e0041 \x00",  # NFC: dropped in one pass
        nfd("Gülşen\u20e3 Koç") + "\u0301 \U0001d167x\ufe0f 👍🏽\U000e0020",  # composed
    ],
    ids=["nfc", "nfd"],
)
def test_each_character_maps_back_to_what_it_was_read_from(text: str) -> None:
    scan, where = folded(text)
    assert where is not None and len(where.starts) == len(where.ends) == len(scan)
    spans = list(dict.fromkeys(zip(where.starts, where.ends, strict=True)))
    assert "".join(folded(text[start:end])[0] for start, end in spans) == scan


def _digits(text: str) -> str:
    """The digits of `text` outside placeholders (`<EMAIL_ADDRESS_1>`)."""
    return "".join(c for c in re.sub(r"<[A-Z_]+_\d+>", "", text) if c in "0123456789")


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
@pytest.mark.parametrize("stream", [False, True], ids=["call", "stream"])
def test_a_guarded_call_sends_no_hidden_value(tmp_path: Path, odd: str, stream: bool) -> None:
    """The card is masked and the e-mail replaced before the model, the TC Kimlik No
    denied (privacy.national_id_external), as with a zero-width space inside."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    seen: list[str] = []

    def model(prompt: str) -> str:
        seen.append(prompt)
        return "ok"

    def chunks(prompt: str) -> Iterator[str]:
        seen.append(prompt)
        yield "o"
        yield "k"

    ask = charter.guard(model="gpt-4o-mini", provider="openai")(chunks if stream else model)
    values = _hidden(odd)
    try:
        for entity in ("CREDIT_CARD", "EMAIL_ADDRESS"):
            answer = ask(f"Please check {values[entity]} today")
            assert "".join(answer) == "ok"
        with pytest.raises(PolicyViolation, match=r"privacy\.national_id_external"):
            "".join(ask(f"TC kimlik numaram {values['TR_NATIONAL_ID']}, kontrol eder misiniz?"))
    finally:
        charter.close()
    card, email = seen
    assert _digits(card) == "1111" and "<EMAIL_ADDRESS_1>" in email
    assert "jane" not in email and "ple.com" not in email


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
def test_a_streamed_answer_shows_no_hidden_value(tmp_path: Path, odd: str) -> None:
    """The value split across chunks, the odd character at a chunk's edge."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    values = _hidden(odd)
    text = f"Card {values['CREDIT_CARD']}, mail {values['EMAIL_ADDRESS']}. " + "Fine. " * 12

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def answer(prompt: str) -> Iterator[str]:
        cut = text.index(odd)
        yield text[:cut]
        yield text[cut : cut + 9]
        yield text[cut + 9 :]

    try:
        released = "".join(answer("what is on file?"))
    finally:
        charter.close()
    assert _digits(released) == "1111" and "jane" not in released
    assert released.endswith("Fine. ")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("mail jane.o'brien@example.ie please", "jane.o'brien@example.ie"),
        ("mail jane%40example.com please", "jane%40example.com"),
        ("https://x.example.com/r?email=jane.doe%40example.com&t=1", "jane.doe%40example.com"),
    ],
)
def test_an_e_mail_with_an_apostrophe_or_an_encoded_at_is_found_whole(
    patterns: PatternDetector, vault: Vault, text: str, value: str
) -> None:
    """Probing: `jane.o'brien@example.ie` became `jane.o'<EMAIL_ADDRESS_1>` and
    `jane%40example.com` became `jane%<URL_1>`."""
    red = Redactor(patterns, vault=vault).redact(text)
    assert ("EMAIL_ADDRESS", value) in [
        (f.entity_type, text[f.start : f.end]) for f in red.findings
    ]
    assert value not in red.text and red.restore(red.text) == text
    assert "URL" not in {f.entity_type for f in red.findings if text[f.start : f.end] in value}


def test_a_percent_40_that_is_no_e_mail_stays() -> None:
    assert folded("a discount of 50%40 on all") == ("a discount of 50%40 on all", None)


BREAKS = {"VT": "\x0b", "FF": "\x0c", "RS": "\x1e", "US": "\x1f", "NEL": "\x85",
          "LS": "\u2028", "PS": "\u2029"}  # fmt: skip


@pytest.mark.parametrize("brk", BREAKS.values(), ids=BREAKS.keys())
def test_a_break_keeps_two_numbers_apart(
    tmp_path: Path, patterns: PatternDetector, vault: Vault, brk: str
) -> None:
    """Found by review probing: dropped, VT (Word's shift-enter), FF, NEL and the
    separators joined `39141` and `777694` into a TC Kimlik No (the call denied) and two
    card halves into a card. Read as a line break or a space, in place."""
    text = f"Ref A 41111111{brk}11111111 ref B, codes 39141{brk}777694"
    scan, where = folded(text)
    assert where is None and scan == text.replace(brk, " " if brk == "\x1f" else "\n")
    red = Redactor(patterns, vault=vault).redact(text)
    assert {f.entity_type for f in red.findings} <= {"PHONE_NUMBER"}
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")

    def model(prompt: str) -> str:
        return "ok"

    ask = charter.guard(model="gpt-4o-mini", provider="openai")(model)
    try:
        assert ask(f"Stock codes from the sheet: 39141{brk}777694 - which is larger?") == "ok"
    finally:
        charter.close()


def test_a_spacing_mark_stays_on_the_letters_of_its_script() -> None:
    """Devanagari's vowel signs (Mc) are part of the word; after a digit or an ASCII
    letter one is dropped and mapped back over."""
    text = "नाम: 12\u0903x"
    scan, where = folded(text)
    assert scan == "नाम: 12x" and where is not None
    assert (where.starts[-2], where.ends[-2]) == (6, 8)
