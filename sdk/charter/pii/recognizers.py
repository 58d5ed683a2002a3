"""The built-in recognizer set, chosen per region instead of taking Presidio's defaults
blindly (those flag `212-555-0199` as a UK NHS number with score 1.0).

Regions: `TR` (TC Kimlik No, Turkish passports and phone formats), `EU` (the EU/EEA
national ids with check digits, EU passports, European phone formats), `UK` (NINO, NHS
number, UK phone formats), `US` (SSN, US passports, NANP phone formats). E-mail, URL, IP,
card, IBAN (every country), crypto wallets, DEA numbers, dates of birth, international
phone numbers, names and places are always on. Custom recognizers come from configuration
(`charter.pii.custom`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from charter.errors import PIIError
from charter.pii import validators as v
from charter.pii.identifiers import (
    ORDERISH,
    crypto_recognizers,
    date_of_birth_recognizers,
    medical_recognizers,
    national_id_recognizers,
    passport_recognizers,
)
from charter.pii.names import person_recognizers, place_recognizers
from charter.pii.phones import (
    PHONE_CONTEXT,
    PHONE_WEAK_CONTEXT,
    known_region,
    next_to_a_currency,
    phone_ceiling,
    phone_elsewhere_ceiling,
    phone_elsewhere_verdict,
    phone_regions_for,
    written_as_a_phone,
)
from charter.pii.spec import RecognizerSpec
from charter.pii.verdict import accept_if

Region = Literal["TR", "EU", "UK", "US"]
ALL_REGIONS: tuple[Region, ...] = ("TR", "EU", "UK", "US")


# --- the built-in set ----------------------------------------------------------------------
# Patterns below start *after* their trigger character; lookbehinds such as `(?<!\w.)`
# ("the character before the trigger is not a word character") stand in for `\b`.

_DIGIT = r"\d"
_LABEL = r"(?>[a-z0-9]+(?:-+[a-z0-9]+)*)"
_NOT_A_TAIL = r"(?<!\d[ .-].)"  # the trigger digit does not continue a longer number

_URL_SCHEME = r"//[^\s<>\"'`{}|\\^\[\]]+"
_URL_SCHEME_PREFIX = r"(?i:(?<![\w.+-])(?:https?|ftp))"
_DOMAIN = (  # after the first dot of a host name: labels, a top-level label, a path
    # At most 125 labels between the first and the last (DNS allows 127 in all): unbounded,
    # every dot of "a.a.a.a..." would retry the rest of the run, quadratic in its length.
    r"(?i:(?:" + _LABEL + r"\.){0,125}[a-z](?>[a-z0-9-]{1,62}))(?![\w@%+-])"
    r"(?:[:/?#][^\s<>\"'`]*)?"
)
_DOMAIN_PREFIX = r"(?i:(?<![\w.@-])" + _LABEL + ")"
_EMAIL = r"(?>\w+(?:-+\w+)*)(?:\.(?>\w+(?:-+\w+)*))+"
_EMAIL_PREFIX = r"(?<![\w.%+-])[\w.%+-][\w.%+'’-]{0,63}"  # `jane.o'brien`: not a first `'`
_GAP = r"[ \t-]{0,3}"
"""Between an IBAN's groups (or a card's, next to a card word): none, or up to three
spaces, tabs or hyphens (`  `, a tab, ` - ` as PDFs and spreadsheets paste them; probing
found them all passing). The country code and mod-97 keep other numbers out of an IBAN."""
_IBAN = (  # trigger: the first check digit, after two letters (spaced: two capitals)
    r"(?:(?<=[a-zA-Z]{2}\d)|(?<=[A-Z]{2}[ \t-]\d)|(?<=[A-Z]{2}[ \t-]{2}\d)"
    r"|(?<=[A-Z]{2}[ \t-]{3}\d))"
    r"\d(?:(?:" + _GAP + r"[a-zA-Z0-9]{4}){2,7}|[a-zA-Z0-9]{2}(?:" + _GAP + r"[a-zA-Z0-9]{4}){1,7})"
    r"(?:" + _GAP + r"[a-zA-Z0-9]{1,3})?\b"
)
"""The check digits alone (`TR 18 0006 2001 ...`) or opening the first group of four after
a country code apart (`TR 1800 0620 0119 ...`, `DE 8937 0400 ...`): probing found the
second form reaching the model."""
_IBAN_PREFIX = r"(?<!\w)(?:[a-zA-Z]{2}|[A-Z]{2}[ \t-]{1,3})"  # `TR33`, `TR 33`, `DE  89`
_IBAN_APART = (  # trigger: the first check digit, after a code apart not all in capitals
    r"(?:(?<=[a-zA-Z]{2}[ \t-]\d)|(?<=[a-zA-Z]{2}[ \t-]{2}\d)|(?<=[a-zA-Z]{2}[ \t-]{3}\d))"
    r"\d(?:[a-zA-Z0-9]{2})?(?:[ \t-]{1,3}[a-zA-Z0-9]{4}){2,7}(?:[ \t-]{1,3}[a-zA-Z0-9]{1,3})?\b"
)
"""A country code apart in lower case (`tr 18 0006 ...`) may be a word before a number
(`Hesap no 7295926377912`: review found ~1 in 97 reference numbers after `no`, `is`, `at`
or `de` masked as IBANs), so only grouped as IBANs are printed, next to the word `iban`,
and never after a common word (`iban_apart_verdict`)."""
_IBAN_APART_PREFIX = r"(?<!\w)(?![A-Z]{2})[a-zA-Z]{2}[ \t-]{1,3}"  # `tr 18`, `Fr 7630`
_CARD = r"(?<!\w.)" + _NOT_A_TAIL + r"(?:[ -]?\d){12,18}\b"
_CARD_WIDE = r"(?<!\w.)" + _NOT_A_TAIL + r"(?:" + _GAP + r"\d){12,18}\b"
"""A card with wide gaps (a tab, two spaces) only next to a card word: review found Luhn
and the grouping letting one row in 6-17 of a table of random 4-digit numbers through."""
_TCKN = r"(?<!\w.)" + _NOT_A_TAIL + r"(?<=[1-9])\d{10}\b"
_TCKN_GROUPED = (  # 384 920 175 10, 3849 2017 510, 38492 017510 (spaces, dots or hyphens)
    r"(?<!\w.)" + _NOT_A_TAIL + r"(?<=[1-9])"
    r"(?:\d{2}[ .-]\d{3}[ .-]\d{3}[ .-]\d{2}|\d{3}[ .-]\d{4}[ .-]\d{3}|\d{4}[ .-]\d{6})"
    r"(?![ .-]?\d)\b"
)
"""Probing found a grouped TC Kimlik No read as a phone number, so the national-id rule
never fired. Grouped, eleven digits could be a phone number written abroad
(`1 212 555 0147`), so a grouped one needs a word that names it (`TC`, `kimlik`)."""
_TCKN_WORDS = ("tc", "kimlik*", "tckn*", "nüfus*", "national id*", "turkish id*", "t.c")
_SSN = (
    r"(?<!\w.)"
    + _NOT_A_TAIL
    + r"\d{2}(?:-\d{2}-\d{4}|\ \d{2}\ \d{4}|\.\d{2}\.\d{4}|\d{6}|-\d{6})\b"
)
_IPV4 = (  # not the tail or head of a longer dotted run (`A.12.1.2.1`, `1.0.3.7.9`)
    r"(?<!\w.)(?<!\w\.\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?:/\d{1,2})?\b(?!\.\d)"
)
_IPV6 = (  # trigger: the first colon; the first group (if any) is the prefix
    r"(?i:(?:[0-9a-f]{0,4}:){1,6}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
    r"(?:%\w+)?(?:/\d{1,3})?)(?![\w:])"
)
_IPV6_PREFIX = r"(?i:(?<![\w:.])[0-9a-f]{0,4})"
_FR_PAIRS = r"(?<=0)\d(?:(?:\.\d\d){4}|(?:-\d\d){4})(?!\d|[-./]\d)"
"""After its trigger `0`: a French number in five pairs with dots or hyphens
(`06.12.34.56.78`), which the date check below read as the date `06.12.34` (probing)."""
_PHONE = (  # trigger: `+`, `(` or the first digit; not a date (2024-03-12, 12.03.2024) unless
    # French pairs; an extension may follow without a space (`212-555-0147x204`: kept)
    r"(?:(?<=\+)(?<![\w+]\+)|(?<=\()(?<!\w\()"
    r"|(?<=\d)(?<![\w+]\d)(?<!\d[ ./-]\d)"
    r"(?!\d{3}[-./]\d\d?[-./]\d\d?(?!\d)|(?!" + _FR_PAIRS + r")"
    r"\d?[-./]\d\d?[-./]\d{2,4}(?!\d)))"
    r"\(?\d{0,4}+\)?(?:[ ./-]?\(?\d{1,4}+\)?){1,6}(?!(?!x\d)\w)"
)


def builtin_recognizers(
    regions: Collection[str] = ALL_REGIONS,
    *,
    phone_regions: Collection[str] | None = None,
    places: bool = True,
    names: bool = True,
) -> list[RecognizerSpec]:
    """The built-in recognizers for `regions`, highest priority first (when two match at
    the same position, the earlier one is tried first). `phone_regions` (ISO codes such as
    `TR`, `FR`, `JP`) overrides the countries whose national phone formats count without
    a context word; by default those of `regions`. `names`/`places` add PERSON and
    LOCATION recognizers (cues and word lists)."""
    unknown = set(regions) - set(ALL_REGIONS)
    if unknown:
        raise PIIError(f"unknown PII region(s) {sorted(unknown)}; choose from {list(ALL_REGIONS)}")
    if phone_regions is None:
        national_phone = phone_regions_for(regions)
    else:
        national_phone = tuple(r.upper() for r in phone_regions)
        bad = [r for r in national_phone if not known_region(r)]
        if bad:
            raise PIIError(
                f"unknown phone region(s) {bad}; use ISO 3166 codes such as TR, DE, GB, US"
            )
    url_context = ("url", "website*", "site*", "link*", "web", "domain*", "adres*", "bağlantı*")
    specs = [
        RecognizerSpec(
            "url", "URL", _URL_SCHEME, v.url_verdict, 0.6, context=url_context,
            trigger=":", prefix=_URL_SCHEME_PREFIX, prefix_window=6, anchors=("://",),
        ),
        RecognizerSpec(
            "email", "EMAIL_ADDRESS", _EMAIL, v.email_verdict, 1.0,
            context=("email*", "e-mail*", "mail*", "e-posta*", "eposta*"),
            trigger="@", prefix=_EMAIL_PREFIX, prefix_window=65, anchors=("@",),
        ),
        RecognizerSpec(
            "domain", "URL", _DOMAIN, v.url_verdict, 0.5, context=url_context,
            trigger=r"\.", prefix=_DOMAIN_PREFIX, prefix_window=64, anchors=(".",),
        ),
        RecognizerSpec(
            "iban", "IBAN_CODE", _IBAN, v.iban_verdict, 1.0,
            context=("iban*", "bank*", "account*", "hesap*", "banka*", "havale*", "eft"),
            trigger=_DIGIT, prefix=_IBAN_PREFIX, prefix_window=5, needs_digit=True,
        ),
        RecognizerSpec(
            "iban_apart", "IBAN_CODE", _IBAN_APART, v.iban_apart_verdict, 1.0,
            context=("iban*",), context_required=True,
            trigger=_DIGIT, prefix=_IBAN_APART_PREFIX, prefix_window=5, needs_digit=True,
        ),
        *crypto_recognizers(),
        RecognizerSpec(
            "credit_card", "CREDIT_CARD", _CARD, v.card_verdict, 1.0,
            context=(*_CARD_WORDS, "troy"),
            trigger=_DIGIT, needs_digit=True,
        ),
        RecognizerSpec(
            "credit_card_wide", "CREDIT_CARD", _CARD_WIDE, v.card_verdict, 1.0,
            context=(*_CARD_WORDS, "debit*"), context_required=True, trigger=_DIGIT,
            needs_digit=True,
        ),
    ]  # fmt: skip
    if "TR" in regions:
        specs += [
            RecognizerSpec(
                "tr_national_id", "TR_NATIONAL_ID", _TCKN,
                accept_if(v.tr_national_id_ok, 1.0), 1.0,
                context=_TCKN_WORDS,
                negative_context=ORDERISH, sure=True, trigger=_DIGIT, needs_digit=True,
            ),
            RecognizerSpec(
                "tr_national_id_grouped", "TR_NATIONAL_ID", _TCKN_GROUPED,
                v.tr_national_id_grouped_verdict, 1.0, context=_TCKN_WORDS,
                negative_context=ORDERISH, context_required=True, sure=True,
                trigger=_DIGIT, needs_digit=True,
            ),
        ]  # fmt: skip
    specs += national_id_recognizers(regions)
    if "US" in regions:
        specs.append(
            RecognizerSpec(
                "us_ssn", "US_SSN", _SSN, v.ssn_verdict, 0.5,
                context=("ssn", "ssns", "social security*", "ssid*"),
                negative_context=ORDERISH, decisive_context=True, trigger=_DIGIT,
                needs_digit=True,
            )
        )  # fmt: skip
    specs += [
        *date_of_birth_recognizers(),
        *passport_recognizers(regions),
        *medical_recognizers(),
        RecognizerSpec(
            "ipv4", "IP_ADDRESS", _IPV4, v.ipv4_verdict, 0.6,
            context=("ip", "ipv4*", "address*", "adres*", "host*", "server*", "sunucu*"),
            negative_context=_NOT_IP,
            trigger=_DIGIT, needs_digit=True,
        ),
        RecognizerSpec(
            "ipv6", "IP_ADDRESS", _IPV6, v.ip_verdict, 0.6,
            context=("ip", "ipv6*", "address*", "adres*", "host*"),
            trigger=":", prefix=_IPV6_PREFIX, prefix_window=5, anchors=(":",),
        ),
        RecognizerSpec(
            "phone_elsewhere", "PHONE_NUMBER", _PHONE, phone_elsewhere_verdict(national_phone),
            0.2, context=PHONE_CONTEXT, weak_context=PHONE_WEAK_CONTEXT,
            negative_context=_NOT_PHONE, beside=next_to_a_currency, context_required=True,
            trigger=r"\d\(", needs_digit=True, ceiling=phone_elsewhere_ceiling,
        ),
        RecognizerSpec(
            "phone", "PHONE_NUMBER", _PHONE, v.phone_verdict(national_phone), 0.4,
            context=PHONE_CONTEXT, weak_context=PHONE_WEAK_CONTEXT,
            negative_context=_NOT_PHONE, beside=next_to_a_currency, sure=written_as_a_phone,
            trigger=r"\d\+\(", needs_digit=True, ceiling=phone_ceiling,
        ),
    ]  # fmt: skip
    if names:
        specs += person_recognizers()
    if places:
        specs += place_recognizers()
    return specs


_CARD_WORDS = ("credit*", "card*", "visa", "mastercard*", "amex", "kart*", "kredi*")
"""Words near a card number; the plain card adds its Turkish scheme (troy), a card in wide
gaps the word debit too."""
_NOT_IP = ("version*", "ver", "v", "build*", "release*", "sürüm*", "versiyon*", "firmware",
           "section*", "clause*", "chapter*", "paragraph*", "article*", "requirement*", "iso",
           "annex*", "figure*", "madde*", "bölüm*", "fıkra*")  # fmt: skip
"""A dotted quad near these words numbers a document's part or a release, not a host:
probing found `section 3.2.1.4` and `firmware 1.0.3.7` hashed for good (a hash is not
restored), so the model and the user lost the number. Only words that number a document
or a release: review found infrastructure words (node, rule, step, control, package)
beside real hosts (`Kubernetes node 10.0.1.15`) sending the address raw."""
_NOT_PHONE = (*ORDERISH, "amount*", "total*", "price*", "tutar*", "fiyat*", "version*", "sürüm*",
              "isbn", "ssn", "social security*", "passport*", "pasaport*", "nhs", "pesel*",
              "bsn")  # fmt: skip
