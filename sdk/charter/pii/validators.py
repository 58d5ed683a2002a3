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
from typing import TYPE_CHECKING

from charter.pii.checksums import card_number_ok as card_number_ok
from charter.pii.checksums import iban_ok as iban_ok
from charter.pii.checksums import luhn_ok as luhn_ok
from charter.pii.checksums import tr_national_id_ok as tr_national_id_ok
from charter.pii.phones import phone_verdict as phone_verdict
from charter.pii.verdict import Check as Check
from charter.pii.verdict import Verdict as Verdict
from charter.pii.verdict import VerdictFn as VerdictFn
from charter.pii.verdict import accept_if as accept_if
from charter.pii.verdict import shorter_by_groups

if TYPE_CHECKING:
    import tldextract


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
    # longest candidate suffix first; none longer than the longest rule can match
    for i in range(max(0, len(labels) - _longest_rule()), len(labels)):
        tail = ".".join(labels[i:])
        if "!" + tail in rules:  # exception rule: the suffix is one label shorter
            return True
        if tail in rules or (i + 1 < len(labels) and "*." + ".".join(labels[i + 1 :]) in rules):
            return i > 0
    return False


@functools.cache
def _longest_rule() -> int:
    """Labels in the longest suffix rule (`*.` and `!` rules counted whole)."""
    return max(rule.count(".") + 1 for rule in _suffix_rules())


def _from_punycode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


# --- verdicts for the built-in recognizers -------------------------------------------------


def card_verdict(candidate: str) -> Verdict | None:
    """The candidate, or it without its last one or two groups: the pattern takes the
    group after the number too (`4111 1111 1111 1111 12/27 123`, `... 250,00 TL`), as
    it does after an IBAN or a phone number."""
    if _card_ok(candidate, shortened=False):
        return Verdict(len(candidate), 1.0)
    if len(candidate) < 16 or candidate.isdigit():
        return None  # nothing to cut, or too short to keep a whole card after a cut
    for value in shorter_by_groups(candidate, max_drops=2)[1:]:
        if _card_ok(value, shortened=True):
            return Verdict(len(value), 1.0)
    return None


def _card_ok(value: str, *, shortened: bool) -> bool:
    """`shortened`: a group was cut off, so the rest must be a whole card as issued (16
    digits, Amex 15, Diners 14), not any Luhn-valid run of 13 or more."""
    digits = value.translate(_CARD_STRIP)
    if len(digits) != len(value):  # grouped: one kind of separator, card-like groups
        gaps = _CARD_GAPS.findall(value)
        if len({"-" in gap for gap in gaps}) > 1:  # `4539 5787-6362 1486`
            return False
        groups = [len(g) for g in _CARD_GAPS.split(value)]
        if not _card_grouping_ok(groups):
            return False
    if shortened and len(digits) != _ISSUED_LENGTH.get(digits[:2], 16):
        return False
    return card_number_ok(digits)


_ISSUED_LENGTH = {"34": 15, "37": 15, "30": 14, "36": 14, "38": 14}


_CARD_STRIP = str.maketrans("", "", " \t-")
_CARD_GAPS = re.compile(r"[ \t-]+")
"""A gap between groups: a space, two, a tab, ` - ` (hyphenated in every gap or in none)."""


def _card_grouping_ok(groups: list[int]) -> bool:
    """As printed on cards: fours (last group 1-4), or Amex/Diners 4-6-5 / 4-6-4."""
    if all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4:
        return True
    return groups in ([4, 6, 5], [4, 6, 4])


def iban_verdict(candidate: str) -> Verdict | None:
    for value in shorter_by_groups(candidate, max_drops=2):
        if iban_ok(value.translate(_CARD_STRIP)):
            return Verdict(len(value), 1.0)
    return None


_WORD_NOT_CODE = frozenset((
    "ad", "al", "ao", "at", "be", "by", "ci", "de", "do", "es", "il", "is", "it", "ma", "me",
    "mu", "ne", "no", "om", "sa", "se", "si", "so",
))  # fmt: skip
"""IBAN country codes that are also common words (English, Turkish, German, French,
Spanish, Italian, Portuguese, Dutch, Nordic): before a number they are the word."""


def iban_apart_verdict(candidate: str) -> Verdict | None:
    """A country code apart and not in capitals (`tr 18 0006 ...`): never a common word
    (`Hesap no 7295926377912`, `account at 1288...`: review found them masked)."""
    if candidate[:2].lower() in _WORD_NOT_CODE:
        return None
    return iban_verdict(candidate)


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
    opened, closed = candidate.count("("), candidate.count(")")  # in candidate[:end]
    while end and candidate[end - 1] in _URL_TRAILING:
        if candidate[end - 1] == ")":
            if opened >= closed:
                break  # a balanced `)` belongs to the URL (Wikipedia links)
            closed -= 1
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
    if address in ("0.0.0.0", "255.255.255.255"):  # unspecified / broadcast: nobody's
        return None
    for octet in address.split("."):
        if int(octet) > 255 or (len(octet) > 1 and octet[0] == "0"):
            return None
    return Verdict(len(candidate), 0.6)


def tr_national_id_grouped_verdict(candidate: str) -> Verdict | None:
    """A TC Kimlik No in groups: one separator throughout (`384 920 175 10`; a mix such
    as `384 920-175.10` is some other number), then the NVI check digits."""
    separators = {c for c in candidate if not c.isdigit()}
    if len(separators) != 1:
        return None
    digits = "".join(c for c in candidate if c.isdigit())
    return Verdict(len(candidate), 1.0) if tr_national_id_ok(digits) else None


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
