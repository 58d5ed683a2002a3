"""Checks that turn a regex candidate into a finding, or reject it.

A regex only proposes; these decide, the way Presidio's recognizers do: Luhn for cards,
the NVI checksum for TC Kimlik numbers, ISO 7064 mod-97 and per-country lengths for IBANs,
libphonenumber for phone numbers, the public suffix list for e-mail and web domains. They
run only on candidates, so their cost scales with what is found, not with the text.

A verdict can keep a prefix of the candidate (`Verdict.length`): a URL loses trailing
punctuation, an IBAN or phone number followed by an unrelated number loses that number.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import tldextract


class Verdict(NamedTuple):
    """`length`: how much of the candidate is the entity; `score`: confidence before
    context words are taken into account."""

    length: int
    score: float


VerdictFn = Callable[[str], Verdict | None]
Check = Callable[[str], bool]

_SEPARATORS = re.compile(r"[ \-]")


# --- checksums (pure, usable by custom recognizers by name) ---------------------------------


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by every card scheme; `digits` has digits only."""
    kept = digits[-1::-2].encode()
    doubled = digits[-2::-2].translate(_LUHN_DOUBLED).encode()
    return (sum(kept) + sum(doubled) - 48 * len(digits)) % 10 == 0


# each digit d -> the digit sum of 2d (2d, minus 9 when above 9)
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def tr_national_id_ok(value: str) -> bool:
    """TC Kimlik No: 11 digits, no leading zero, two check digits (NVI algorithm)."""
    if len(value) != 11 or not value.isdigit() or value[0] == "0":
        return False
    d = [ord(c) - 48 for c in value]
    odd = d[0] + d[2] + d[4] + d[6] + d[8]
    even = d[1] + d[3] + d[5] + d[7]
    return (odd * 7 - even) % 10 == d[9] and sum(d[:10]) % 10 == d[10]


# ISO 13616 registry: country -> IBAN length.
# fmt: off
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
# fmt: on
_IBAN_LETTERS = {ord(c): str(i) for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def iban_ok(value: str) -> bool:
    """An IBAN without separators: known country, its exact length, mod-97 == 1."""
    iban = value.upper()
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    if not iban[2:4].isdigit() or not "02" <= iban[2:4] <= "98":
        return False
    if iban[:2] == "TR" and iban[9] != "0":  # TR: 5-digit bank code, then a reserved 0
        return False
    return int((iban[4:] + iban[:4]).translate(_IBAN_LETTERS)) % 97 == 1


def card_number_ok(digits: str) -> bool:
    """13-19 digits, a known issuer prefix (incl. Troy, Turkey's domestic scheme), Luhn."""
    if not 13 <= len(digits) <= 19 or not digits.isdigit():
        return False
    if not _known_issuer(digits):
        return False
    return luhn_ok(digits)


def _known_issuer(d: str) -> bool:
    first = d[0]
    if first in "456":
        return True
    if first == "3":
        return d[1] in "0456789"  # Diners 30/36/38/39, Amex 34/37, JCB 35
    if first == "2":
        return 2221 <= int(d[:4]) <= 2720  # Mastercard 2-series
    if first == "1":
        return len(d) != 13  # UATP; 13 digits starting with 1 are usually not cards
    return d.startswith("9792")  # Troy


def ip_ok(value: str) -> bool:
    if value.strip(":") == "":  # "::" is the unspecified address, not anyone's
        return False
    try:  # ip_interface (for a /prefix) costs twice ip_address
        ipaddress.ip_interface(value) if "/" in value else ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# --- the public suffix list, offline -------------------------------------------------------


@functools.cache
def offline_suffix_extractor() -> tldextract.TLDExtract:
    """tldextract on its bundled public-suffix snapshot: never fetches the list at run time
    (no URLs, no cache directory). Used directly by Presidio's e-mail recognizer setup and
    as the source of the suffix rules below."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), fallback_to_snapshot=True, cache_dir=None)


@functools.cache
def _suffix_rules() -> frozenset[str]:
    return frozenset(rule.lower() for rule in offline_suffix_extractor().tlds)


def registrable_domain_ok(host: str) -> bool:
    """True when `host` ends in a public suffix and has a name before it (`example.com`,
    `shop.example.com.tr`): tldextract's `fqdn != ""`, the test Presidio applies to e-mail
    domains, as a few set lookups instead of a trie walk per call."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) < 2 or not all(labels):
        return False
    if "xn--" in host:
        labels = [_from_punycode(label) for label in labels]
    rules = _suffix_rules()
    if labels[-1] not in rules and "*." + labels[-1] not in rules:
        return False  # unknown top-level label: most rejections end here
    for i in range(len(labels)):  # longest candidate suffix first
        tail = ".".join(labels[i:])
        if "!" + tail in rules:  # exception rule: the suffix is one label shorter
            return True
        if tail in rules or (i + 1 < len(labels) and "*." + ".".join(labels[i + 1 :]) in rules):
            return i > 0
    return False


def _from_punycode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


# --- verdicts for the built-in recognizers -------------------------------------------------


def accept_if(check: Check, score: float, *, strip: str = "") -> VerdictFn:
    """A verdict that keeps the whole candidate when `check` passes on it (with the
    characters in `strip` removed first, e.g. separators)."""
    table = str.maketrans("", "", strip)

    def verdict(candidate: str) -> Verdict | None:
        return Verdict(len(candidate), score) if check(candidate.translate(table)) else None

    return verdict


def card_verdict(candidate: str) -> Verdict | None:
    digits = candidate.translate(_CARD_STRIP)
    if len(digits) != len(candidate):  # grouped: one kind of separator, card-like groups
        if " " in candidate and "-" in candidate:
            return None
        groups = [len(g) for g in candidate.replace("-", " ").split(" ")]
        if not _card_grouping_ok(groups):
            return None
    return Verdict(len(candidate), 1.0) if card_number_ok(digits) else None


_CARD_STRIP = str.maketrans("", "", " -")


def _card_grouping_ok(groups: list[int]) -> bool:
    """As printed on cards: fours (last group 1-4), or Amex/Diners 4-6-5 / 4-6-4."""
    if all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4:
        return True
    return groups in ([4, 6, 5], [4, 6, 4])


def iban_verdict(candidate: str) -> Verdict | None:
    for value in _shorter_by_groups(candidate, max_drops=2):
        if iban_ok(value.replace(" ", "").replace("-", "")):
            return Verdict(len(value), 1.0)
    return None


_PRIVATE_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}\.?", re.I)


def email_verdict(candidate: str) -> Verdict | None:
    """1.0 on a registrable domain. An address on a private or reserved domain
    (`corp.example`, `intranet.local`) still names a person: 0.7, not a miss."""
    domain = candidate.rpartition("@")[2]
    if registrable_domain_ok(domain):
        return Verdict(len(candidate), 1.0)
    return Verdict(len(candidate), 0.7) if _PRIVATE_DOMAIN.fullmatch(domain) else None


_URL_TRAILING = ".,;:!?'\"\u201d\u2019)]}>"  # incl. typographic closing quotes
_SCHEMES = ("http://", "https://", "ftp://")


_URL_HOST = re.compile(r"[^:]*://(?:[^/?#@\s]*@)?(\[[^\]/]*\]|[^/?#:\s]*)")


def url_verdict(candidate: str) -> Verdict | None:
    """Scheme URLs 0.6; `www.` or with a path 0.5; a bare domain 0.3 (needs context)."""
    url = _trim_url(candidate)
    scheme = _URL_HOST.match(url)
    if scheme is not None:
        return Verdict(len(url), 0.6) if scheme.group(1).strip("[]") else None
    host = _HOST_END.split(url, maxsplit=1)[0]
    if not registrable_domain_ok(host):
        return None
    if host[:3].lower() == "www" or len(host) < len(url):
        return Verdict(len(url), 0.5)
    return Verdict(len(url), 0.3)


_HOST_END = re.compile(r"[/?#:]")


def _trim_url(candidate: str) -> str:
    end = len(candidate)
    while end and candidate[end - 1] in _URL_TRAILING:
        if candidate[end - 1] == ")" and candidate.count("(", 0, end) >= candidate.count(
            ")", 0, end
        ):
            break
        end -= 1
    return candidate[:end]


def ip_verdict(candidate: str) -> Verdict | None:
    return Verdict(len(candidate), 0.6) if ip_ok(candidate) else None


def ipv4_verdict(candidate: str) -> Verdict | None:
    """The regex already fixed the shape (four dotted groups of 1-3 digits, optional
    /prefix); check the numbers as `ipaddress` would, without its cost per call."""
    address, _, prefix = candidate.partition("/")
    if prefix and int(prefix) > 32:
        return None
    for octet in address.split("."):
        if int(octet) > 255 or (len(octet) > 1 and octet[0] == "0"):
            return None
    return Verdict(len(candidate), 0.6)


_SSN_SAMPLES = frozenset({"123456789", "987654320", "078051120", "219099999"})


def ssn_verdict(candidate: str) -> Verdict | None:
    """Presidio's invalidation rules plus never-issued areas; unformatted 9-digit runs
    score 0.05 and need context words ("ssn", "social security") to count."""
    separators = {c for c in candidate if not c.isdigit()}
    if len(separators) > 1:
        return None
    digits = "".join(c for c in candidate if c.isdigit())
    if len(set(digits)) == 1 or digits[3:5] == "00" or digits[5:] == "0000":
        return None
    if digits[:3] in ("000", "666") or digits[0] == "9" or digits in _SSN_SAMPLES:
        return None
    return Verdict(len(candidate), 0.5 if separators else 0.05)


_PHONE_STRIP = str.maketrans("", "", " .-()/")
_PHONE_FORMATTING = frozenset(" .-()")


def phone_verdict(national_regions: Collection[str]) -> VerdictFn:
    """Valid numbers per libphonenumber: any country when written internationally
    (`+90 ...`, `0090 ...`), national formats only for `national_regions`. A bare digit
    run without a leading `0`/`+` (it could be an order number) scores 0.25, so it needs
    a context word such as "phone" or "telefon" to count."""
    regions = tuple(national_regions)

    def verdict(candidate: str) -> Verdict | None:
        for value in _shorter_by_groups(candidate, max_drops=2):
            score = _phone_score(value, regions)
            if score is not None:
                return Verdict(len(value), score)
        return None

    return verdict


def _phone_score(value: str, regions: tuple[str, ...]) -> float | None:
    import phonenumbers

    digits = value.translate(_PHONE_STRIP).lstrip("+")
    if not 7 <= len(digits) <= 15:
        return None
    national: list[tuple[str, str | None]] = [
        (value, r) for r in regions if _NATIONAL_SHAPE.get(r, _any)(digits)
    ]
    if value.startswith("+"):
        attempts: list[tuple[str, str | None]] = [(value, None)]
    elif value.startswith("00"):
        attempts = [("+" + value[2:], None), *national]
    else:
        attempts = national
    for text, region in attempts:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            formatted = value[0] in "+0(" or not _PHONE_FORMATTING.isdisjoint(value)
            return 0.4 if formatted else 0.25
    return None


def _any(digits: str) -> bool:
    return True


# Cheap shape checks before libphonenumber (which costs ~50 us a call): national numbers
# in Turkey are 0 + 10 digits (area/mobile code starts with 2, 3, 4, 5 or 8), in the NANP
# 10 digits (area code starts with 2-9), optionally after a 1.
_NATIONAL_SHAPE: dict[str, Callable[[str], bool]] = {
    "TR": lambda d: (
        (len(d) == 11 and d[0] == "0" and d[1] in "23458") or (len(d) == 10 and d[0] in "23458")
    ),
    "US": lambda d: (
        (len(d) == 10 and d[0] in "23456789")
        or (len(d) == 11 and d[0] == "1" and d[1] in "23456789")
    ),
}


def _shorter_by_groups(candidate: str, *, max_drops: int) -> list[str]:
    """The candidate, then the candidate without its last separated group, and so on:
    `TR33 0006 ... 26 2` -> `TR33 0006 ... 26`."""
    out = [candidate]
    value = candidate
    for _ in range(max_drops):
        cut = max(value.rfind(" "), value.rfind("-"), value.rfind("."))
        if cut <= 0:
            break
        value = value[:cut].rstrip(" -.(")
        out.append(value)
    return out
