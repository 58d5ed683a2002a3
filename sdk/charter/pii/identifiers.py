"""Built-in recognizers for identifiers with a check digit or a telling shape: crypto
wallets, passports, medical licences, dates of birth and national identity numbers.

Patterns start *after* their trigger character (see `RecognizerSpec`); `(?<!\\w.)` reads
"the character before the trigger is not a word character". Identifiers whose check is weak
(one random number in ten passes) or that have none (passports, dates) need a context word
and run only when the text holds one (`lower_anchors`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from charter.pii import checksums as c
from charter.pii.spec import RecognizerSpec
from charter.pii.verdict import Check, Verdict, VerdictFn, accept_if

_DIGIT = r"\d"
_UPPER_ASCII = "A-Z"
ORDERISH = (
    "order*", "invoice*", "tracking*", "ticket*", "ref", "reference*", "transaction*", "sku",
    "product", "products", "serial*", "model", "models", "part", "parts",
    "sipariş*", "siparis*", "fatura*", "takip*", "kargo*", "bilet*", "talep*", "işlem*",
    "referans*", "ürün*", "seri",
)  # fmt: skip

# --- crypto wallets ----------------------------------------------------------------------------

_CRYPTO_CONTEXT = ("wallet*", "bitcoin*", "btc", "ethereum*", "eth", "crypto*", "cüzdan*",
                   "kripto*")  # fmt: skip


def _eth_verdict(candidate: str) -> Verdict | None:
    if not c.eth_address_ok(candidate):
        return None
    body = candidate[2:]
    checksummed = body.lower() != body and body.upper() != body
    return Verdict(len(candidate), 1.0 if checksummed else 0.8)


def crypto_recognizers() -> list[RecognizerSpec]:
    return [
        RecognizerSpec(
            "bitcoin_base58", "CRYPTO", r"(?<!\w.)[1-9A-HJ-NP-Za-km-z]{24,34}(?!\w)",
            accept_if(c.base58check_ok, 1.0), 1.0, context=_CRYPTO_CONTEXT,
            trigger="13", needs_digit=True,
        ),
        RecognizerSpec(
            "bitcoin_bech32", "CRYPTO", r"(?<!\w.)(?i:c1[02-9ac-hj-np-z]{8,87})(?!\w)",
            accept_if(c.bech32_address_ok, 1.0), 1.0, context=_CRYPTO_CONTEXT,
            trigger="bB", lower_anchors=("bc1",),
        ),
        RecognizerSpec(
            "ethereum", "CRYPTO", r"(?<!\w.)x[0-9a-fA-F]{40}(?!\w)", _eth_verdict, 0.8,
            context=_CRYPTO_CONTEXT, trigger="0", anchors=("0x",),
        ),
    ]  # fmt: skip


# --- medical licences ---------------------------------------------------------------------------


def medical_recognizers() -> list[RecognizerSpec]:
    return [
        RecognizerSpec(
            "us_dea", "MEDICAL_LICENSE", r"(?<!\w.)[A-Z9]\d{7}(?!\w)",
            accept_if(c.dea_ok, 0.4), 0.4,
            context=("dea", "medical*", "licence*", "license*", "certificate*", "prescriber*",
                     "physician*", "doctor*", "pharmacy*", "registration*", "reçete*", "hekim*",
                     "doktor*", "lisans*", "sertifika*"),
            negative_context=ORDERISH, trigger="ABCDEFGHJKLMPRSTUX",
        ),
    ]  # fmt: skip


# --- passports -----------------------------------------------------------------------------------

_PASSPORT_WORDS = (
    "passport*", "pasaport*", "passeport*", "reisepass*", "pasaporte*", "passaporto*", "paszport*",
    "paspoort*", "travel document*",
)  # fmt: skip
_PASSPORT_ANCHORS = ("passport", "pasaport", "passeport", "reisepass", "passaporto", "paszport",
                     "paspoort", "travel doc")  # fmt: skip
# EU formats, after the first character: DE (9 of C-Z without vowels, digits), FR (2 digits
# + 2 letters + 5 digits), IT/PL/BE/ES/PT (2-3 letters + 6-7 digits), NL (2 letters, 6
# letters/digits, a digit), AT/HU/CZ style (1-2 letters + 7 digits), IE/SE style.
_EU_PASSPORT = (
    r"(?<!\w.)(?:"
    r"(?<=[CFGHJKLMNPRTVWXYZ])[CFGHJKLMNPRTVWXYZ0-9]{8}"
    r"|(?<=\d)\d[A-Z]{2}\d{5}"
    r"|(?<=[A-Z])[A-Z]{1,2}\d{6,7}"
    r"|(?<=[A-Z])[A-Z][A-Z0-9]{6}\d"
    r"|(?<=[A-Z])\d{7,8}"
    r")(?!\w)"
)


def _has_digit(candidate: str) -> Verdict | None:
    digits = sum(ch.isdigit() for ch in candidate)
    return Verdict(len(candidate), 0.3) if digits >= 5 else None


def passport_recognizers(regions: Collection[str]) -> list[RecognizerSpec]:
    """Scores break ties where shapes overlap (`U12345678` fits all three): Turkish (with a
    Turkish word) over US over the looser EU shapes."""
    specs = []
    if "TR" in regions:
        specs.append(RecognizerSpec(
            "tr_passport", "TR_PASSPORT", r"(?<!\w.)\d{8}(?!\w)", None, 0.45,
            context=("pasaport*", "turkish*", "türk*", "t.c"), context_required=True,
            trigger="USZ", lower_anchors=("pasaport", "turkish", "türk"),
        ))  # fmt: skip
    if "US" in regions:
        specs.append(RecognizerSpec(
            "us_passport", "US_PASSPORT", r"(?<!\w.)\d{8}(?!\w)", None, 0.4,
            context=_PASSPORT_WORDS, context_required=True, trigger=_UPPER_ASCII + _DIGIT,
            lower_anchors=_PASSPORT_ANCHORS,
        ))  # fmt: skip
    if "EU" in regions:
        specs.append(RecognizerSpec(
            "eu_passport", "EU_PASSPORT", _EU_PASSPORT, _has_digit, 0.3,
            context=_PASSPORT_WORDS, context_required=True, trigger=_UPPER_ASCII + _DIGIT,
            lower_anchors=_PASSPORT_ANCHORS,
        ))  # fmt: skip
    return specs


# --- dates of birth ------------------------------------------------------------------------------

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
    "|ocak|şubat|subat|mart|nisan|mayıs|mayis|haziran|temmuz|ağustos|agustos|eylül|eylul"
    "|ekim|kasım|kasim|aralık|aralik"
)
_ORDINAL = r"(?:st|nd|rd|th|\.)?"
_YEAR = r"(?:19|20)\d{2}"
_DATE_AFTER_DIGIT = (  # after the first digit of a day, month or year
    r"(?<!\w.)(?<!\d[./-].)(?:"
    r"\d?[./-]\d{1,2}[./-](?:\d{4}|\d{2})"  # 12.03.1985, 3/12/85
    r"|\d{3}-\d{2}-\d{2}"  # 1985-03-12
    r"|\d?"
    + _ORDINAL
    + r"\s+(?:of\s+)?(?i:"
    + _MONTHS
    + r")\.?,?\s+"
    + _YEAR  # 12 March 1985
    + r"|\d{3}"  # 1985 (born in 1985)
    r")(?![\w/.-]\d)(?!\w)"
)
_MONTH_AFTER_CAPITAL = (
    "(?:"
    + "|".join(  # the month name after its (capital) first letter
        f"(?<=[{m[0].upper()}{m[0]}]){m[1:]}" for m in _MONTHS.split("|")
    )
    + ")"
)
_DATE_AFTER_CAPITAL = (  # March 12, 1985
    r"(?<!\w.)" + _MONTH_AFTER_CAPITAL + r"\.?\s+\d{1,2}" + _ORDINAL + r",?\s+" + _YEAR + r"(?!\w)"
)
_DOB_CONTEXT = (
    "born*", "birth*", "birthday*", "dob", "d.o.b*", "doğum*", "dogum*", "doğdum*", "doğumlu*",
    "doğum tarihi*", "d.t.*", "yaşında*",
)  # fmt: skip
_DOB_ANCHORS = ("born", "birth", "dob", "d.o.b", "doğ", "dogum", "d.t.", "yaşında")
_BIRTH_CUE = re.compile(
    r"(?i:\b(?:born|birth\w*|dob|d\.o\.b\.?|do[ğg]um\w*|do[ğg]du\w*|d\.t\.|yaşında\w*))"
)
_CLAUSE_BREAK = re.compile(r"[,;\n\d]|\b(?i:and|ve|but|ama)\b")
_BIRTH_AFTER = re.compile(r"(?:['’]\w{1,4})?\s+(?:tarihinde\s+)?(?i:do[ğg](?:du|um))")
_CUE_REACH = 40


def _not_the_birth_date(text: str, start: int, end: int) -> bool:
    """`RecognizerSpec.beside` of the date-of-birth recognizers: a date counts only when a
    birth cue introduces it (a few words before, no comma, `and`, `ve` or other number
    between) or a `doğumluyum`-style word follows it; review found `born in 2010 and my
    order from 12/03/2024` redacting the order's date, any date near a birth word."""
    if _BIRTH_AFTER.match(text, end) is not None:
        return False
    cues = list(_BIRTH_CUE.finditer(text, max(0, start - _CUE_REACH), start))
    if not cues:
        return True
    between = text[cues[-1].end() : start]
    return len(between.split()) > 4 or _CLAUSE_BREAK.search(between) is not None


_NUMERIC_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")


def _date_verdict(candidate: str) -> Verdict | None:
    """A plausible calendar date (or a year of birth): day 1-31, month 1-12 in any order."""
    numeric = _NUMERIC_DATE.fullmatch(candidate)
    if numeric is not None:
        a, b, y = (int(g) for g in numeric.groups())
        if len(numeric.group(1)) == 4:  # year first
            a, b, y = b, y, a
        if not (1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12)):
            return None
        if len(str(y)) == 4 and not 1900 <= y <= 2099:
            return None
    elif candidate.isdigit() and not 1900 <= int(candidate) <= 2099:
        return None
    return Verdict(len(candidate), 0.3)


def date_of_birth_recognizers() -> list[RecognizerSpec]:
    return [
        RecognizerSpec(
            "date_of_birth",
            "DATE_TIME",
            _DATE_AFTER_DIGIT,
            _date_verdict,
            0.3,
            context=_DOB_CONTEXT,
            context_required=True,
            beside=_not_the_birth_date,
            trigger=_DIGIT,
            lower_anchors=_DOB_ANCHORS,
            needs_digit=True,
        ),
        RecognizerSpec(
            "date_of_birth_month_first",
            "DATE_TIME",
            _DATE_AFTER_CAPITAL,
            None,
            0.3,
            context=_DOB_CONTEXT,
            context_required=True,
            beside=_not_the_birth_date,
            trigger="A-Z",
            lower_anchors=_DOB_ANCHORS,
            needs_digit=True,
        ),
    ]


# --- national identity numbers ------------------------------------------------------------------


def _id(check: Check, score: float) -> VerdictFn:
    return accept_if(check, score, strip=" -")


def national_id_recognizers(regions: Collection[str]) -> list[RecognizerSpec]:
    specs: list[RecognizerSpec] = []
    if "EU" in regions:
        specs += [
            RecognizerSpec(
                "es_nif", "ES_NIF", r"(?<!\w.)\d{7}-?[A-Za-z](?!\w)", _id(c.es_nif_ok, 0.5), 0.5,
                context=("dni", "nif", "documento*", "identidad*", "spanish id*", "id"),
                negative_context=ORDERISH, trigger=_DIGIT, needs_digit=True,
            ),
            RecognizerSpec(
                "es_nie", "ES_NIE", r"(?<!\w.)-?\d{7}-?[A-Za-z](?!\w)", _id(c.es_nie_ok, 0.6),
                0.6, context=("nie", "extranjero*", "foreigner*", "residence*"), trigger="XYZ",
                needs_digit=True,
            ),
            RecognizerSpec(
                "it_fiscal_code", "IT_FISCAL_CODE",
                r"(?<!\w.)[A-Z]{5}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z]"
                r"[0-9LMNPQRSTUV]{3}[A-Z](?!\w)",
                accept_if(c.it_fiscal_code_ok, 1.0), 1.0,
                context=("codice fiscale*", "fiscal code*", "cf", "tax code*"),
                trigger=_UPPER_ASCII,
            ),
            RecognizerSpec(
                "pl_pesel", "PL_PESEL", r"(?<!\w.)\d{10}(?!\w)", accept_if(c.pl_pesel_ok, 0.4),
                0.4, context=("pesel*",), context_required=True, trigger=_DIGIT,
                lower_anchors=("pesel",), needs_digit=True,
            ),
            RecognizerSpec(
                "nl_bsn", "NL_BSN", r"(?<!\w.)(?:\d{8}|\d{2}\.\d{2}\.\d{3})(?!\w)",
                accept_if(c.nl_bsn_ok, 0.4, strip="."), 0.4,
                context=("bsn", "burgerservicenummer*", "sofinummer*"), context_required=True,
                trigger=_DIGIT, lower_anchors=("bsn", "burgerservice", "sofinummer"),
                needs_digit=True,
            ),
            RecognizerSpec(
                "fi_personal_identity_code", "FI_PERSONAL_IDENTITY_CODE",
                r"(?<!\w.)\d{5}[-+A-FYXWVU]\d{3}[0-9A-Y](?!\w)", accept_if(c.fi_hetu_ok, 0.8),
                0.8, context=("hetu*", "henkilötunnus*", "personal identity code*"),
                trigger=_DIGIT, needs_digit=True,
            ),
            RecognizerSpec(
                "fr_nir", "FR_NIR",
                r"(?<!\w.)[ ]?\d{2}[ ]?\d{2}[ ]?(?:\d{2}|2[AB])[ ]?\d{3}[ ]?\d{3}[ ]?\d{2}(?!\w)",
                accept_if(c.fr_nir_ok, 0.6, strip=" "), 0.6,
                context=("sécurité sociale*", "securite sociale*", "nir", "insee*",
                         "social security*"),
                trigger="12", needs_digit=True,
            ),
            RecognizerSpec(
                "se_personnummer", "SE_PERSONNUMMER",
                r"(?<!\w.)(?:\d{5}|\d{7})[-+]?\d{4}(?!\w)",
                accept_if(c.se_personnummer_ok, 0.4, strip="-+"), 0.4,
                context=("personnummer*", "samordningsnummer*"), context_required=True,
                trigger=_DIGIT, lower_anchors=("personnummer", "samordningsnummer"),
                needs_digit=True,
            ),
            RecognizerSpec(
                "de_tax_id", "DE_TAX_ID", r"(?<!\w.)\d{1}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?!\w)",
                accept_if(c.de_tax_id_ok, 0.4, strip=" "), 0.4,
                context=("steuer-id*", "steuerid*", "steueridentifikationsnummer*",
                         "identifikationsnummer*", "tax id*", "idnr"), context_required=True,
                trigger=_DIGIT, lower_anchors=("steuer", "identifikationsnummer", "tax id", "idnr"),
                needs_digit=True,
            ),
        ]  # fmt: skip
    if "UK" in regions:
        specs += [
            RecognizerSpec(
                "uk_nino", "UK_NINO",
                r"(?<!\w.)[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)",
                _nino_verdict, 0.5, context=("national insur*", "nino", "ni number*"),
                negative_context=ORDERISH, decisive_context=True, trigger="A-CEGHJ-PR-TW-Z",
                needs_digit=True,
            ),
            RecognizerSpec(
                "uk_nhs", "UK_NHS", r"(?<!\w.)\d{2}[ -]?\d{3}[ -]?\d{4}(?!\w)",
                accept_if(c.uk_nhs_ok, 0.4, strip=" -"), 0.4,
                context=("nhs", "national health*"), context_required=True, trigger=_DIGIT,
                lower_anchors=("nhs", "national health"), needs_digit=True,
            ),
        ]  # fmt: skip
    return specs


def _nino_verdict(candidate: str) -> Verdict | None:
    return Verdict(len(candidate), 0.5) if c.uk_nino_ok(candidate.replace(" ", "")) else None
