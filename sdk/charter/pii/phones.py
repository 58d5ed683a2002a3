"""Phone numbers of every country, validated by libphonenumber (`phonenumbers`).

Presidio runs libphonenumber's matcher once per configured region over the whole text.
Here one regex proposes candidates and libphonenumber only judges them:

- international numbers (`+32 2 555 12 34`, `0044 20 7946 0958`) of any country count
  (written without the `+`, `msisdn=905321234567`, as a bare digit run: see below);
- national numbers (`02 555 12 34`, `0532 123 45 67`) count for the configured regions
  (Turkey, the EU/EEA, the UK and North America unless configured otherwise);
- a national number that is valid only in some other country needs a phone word nearby
  ("phone", "tel", "call", "telefon", ...), since nearly any digit run is valid somewhere.

A bare digit run (`2125550199`) scores below the reporting threshold on its own: it could
be an order number, so it needs a phone word too ("number" alone is not enough).
libphonenumber's metadata is indexed once (possible lengths, national prefix, the pattern
of each number type per region): a candidate is parsed only for the regions it fits.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from charter.pii.verdict import REJECTED, Verdict, VerdictFn, call_memo, shorter_by_groups

EU_REGIONS = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip
PHONE_REGIONS: dict[str, tuple[str, ...]] = {
    "TR": ("TR",),
    "EU": (*EU_REGIONS, "IS", "LI", "NO", "CH"),  # the EU, the rest of the EEA, Switzerland
    "UK": ("GB",),
    "US": ("US", "CA"),
}
"""Which countries' national formats each Charter region turns on."""

PHONE_CONTEXT = (
    "phone*", "telephone*", "tel", "mobile*", "cell*", "cellphone*", "call*", "fax", "whatsapp*",
    "sms", "landline*", "dial*", "text me*", "telefon*", "cep", "gsm", "arayın*", "ara",
    "aranabilir*", "ulaşabilirsiniz*", "hat", "msisdn",
)  # fmt: skip
PHONE_WEAK_CONTEXT = ("number*", "numara*", "contact*", "reach*", "iletişim*", "ulaş*")
"""Count only when no negative word (order, invoice, sipariş ...) is near."""

_STRIP = str.maketrans("", "", " .-()/")
_FORMATTING = frozenset(" .-()/")
_BARE, _FORMATTED, _ELSEWHERE_FORMATTED, _ELSEWHERE_BARE = 0.15, 0.4, 0.2, 0.05


@dataclass(frozen=True, slots=True)
class _Region:
    code: str
    prefix: str
    """National (trunk) prefix, `0` in most of Europe; empty where there is none."""
    prefix_optional: bool
    """Numbers are written without the prefix too (North America's `1`)."""
    lengths: frozenset[int]
    plausible: re.Pattern[str] | None
    """The region's general pattern and the patterns of its number types (fixed line,
    mobile, toll free, ...) as one regex: what `is_valid_number` checks, tried here before
    paying for a full parse. None when the region has no number types."""

    def national_part(self, digits: str) -> tuple[str, bool] | None:
        """The national significant number and whether the prefix was written, when it
        matches one of the region's number types."""
        if self.prefix and digits.startswith(self.prefix):
            rest = digits[len(self.prefix) :]
            if self._plausible(rest):
                return rest, True
        if self._plausible(digits):
            return digits, False
        return None

    def fits(self, length: int) -> bool:
        """A digit run of `length` can be a national number here (with or without the
        prefix): regions that fail this are skipped without a regex."""
        return length in self.lengths or (
            bool(self.prefix) and length - len(self.prefix) in self.lengths
        )

    def _plausible(self, nsn: str) -> bool:
        return (
            len(nsn) in self.lengths
            and self.plausible is not None
            and self.plausible.fullmatch(nsn) is not None
        )


@functools.cache
def _region(code: str) -> _Region | None:
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region(code)
    if meta is None or meta.general_desc is None:
        return None
    prefix = meta.national_prefix or ""
    descs = (getattr(meta, kind, None) for kind in _KINDS)
    kinds = [d.national_number_pattern for d in descs if d and d.national_number_pattern]
    general = meta.general_desc.national_number_pattern or r"\d+"
    # fullmatch of `(?=G\Z)(?:K1|K2|...)` == G.fullmatch(n) and any(K.fullmatch(n))
    either = "|".join(f"(?:{k})" for k in kinds)
    return _Region(
        code=code,
        prefix=prefix,
        prefix_optional=prefix == "1",
        lengths=frozenset(meta.general_desc.possible_length or ()),
        plausible=re.compile(f"(?=(?:{general})\\Z)(?:{either})") if kinds else None,
    )


_KINDS = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
          "voip", "pager", "uan", "voicemail")  # fmt: skip
_MAX_DIGITS = 15


class _Regions:
    """Regions in a fixed order, indexed by the length of the digit run they can hold, so
    scoring a candidate visits only the regions where it could be a national number."""

    __slots__ = ("_by_length", "codes")

    def __init__(self, regions: Iterable[_Region]) -> None:
        ordered = tuple(regions)
        self.codes = frozenset(r.code for r in ordered)
        self._by_length = {
            n: tuple(r for r in ordered if r.fits(n)) for n in range(_MAX_DIGITS + 1)
        }

    def fitting(self, digits: str) -> tuple[_Region, ...]:
        return self._by_length.get(len(digits), ())


@functools.cache
def _regions(codes: tuple[str, ...]) -> _Regions:
    return _Regions(r for c in codes if (r := _region(c)))


@functools.cache
def _regions_except(codes: frozenset[str]) -> _Regions:
    return _Regions(r for r in _all_regions() if r.code not in codes)


@functools.cache
def _all_regions() -> tuple[_Region, ...]:
    import phonenumbers

    return tuple(r for code in sorted(phonenumbers.SUPPORTED_REGIONS) if (r := _region(code)))


def known_region(code: str) -> bool:
    import phonenumbers

    return code in phonenumbers.SUPPORTED_REGIONS


def phone_regions_for(regions: Iterable[str]) -> tuple[str, ...]:
    """The countries whose national formats count for Charter `regions`."""
    return tuple(dict.fromkeys(c for r in regions for c in PHONE_REGIONS.get(r, ())))


def _valid(text: str, region: str | None) -> bool:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def _digits(value: str) -> str | None:
    digits = value.translate(_STRIP).lstrip("+")
    return digits if digits.isdigit() and 7 <= len(digits) <= _MAX_DIGITS else None


_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3}){2,}")
"""`2.500.000`: an amount as Turkish and most of Europe write it, and a valid national
number in some countries (probing found mortgages redacted as phone numbers). Scored as a
bare digit run: a phone word must say it is one (`tel: 912.345.678`)."""

_DECIMAL = re.compile(r"(?:0|[1-9]\d{0,2})\.\d+")
"""`46.204391`, `3.14159265`, the seconds of `23:31:46.123456`: a decimal fraction, valid
as a national number in some countries (probing found coordinates and timestamps redacted
as phone numbers). Scored as a bare digit run; `0171.1234567` keeps its trunk prefix. At
most three digits before the dot (a longitude, `139.691706`): `9123.4567` and
`2125.551234` are how numbers are written in Hong Kong, Singapore and elsewhere (review
found them missed with any length). A number written `612.345678` needs a phone word."""


def _national_score(
    value: str, digits: str, regions: _Regions, formatted: float, bare: float
) -> float | None:
    """The best score over the regions where `value` is a valid national number. The
    metadata check picks the candidates; libphonenumber confirms the best one."""
    a_quantity = _THOUSANDS.fullmatch(value) or _DECIMAL.fullmatch(value)
    written_formatted = not a_quantity and (value[0] in "0(" or not _FORMATTING.isdisjoint(value))
    plausible: list[tuple[float, str]] = []
    for region in regions.fitting(digits):
        part = region.national_part(digits)
        if part is None:
            continue
        _, with_prefix = part
        if region.prefix and not with_prefix and not region.prefix_optional:
            score = bare  # `532 123 45 67` for 0532...: plausible, but needs a phone word
        else:
            score = formatted if written_formatted else bare
        plausible.append((score, region.code))
        if score >= formatted:
            break
    for score, code in sorted(plausible, reverse=True):
        if _valid(value, code):
            return score
    return None


def _home_score(value: str, digits: str, codes: tuple[str, ...]) -> float | None:
    """`_national_score` for the configured countries. Both phone recognizers ask it of
    the same candidate in turn (`phone_elsewhere`, then `phone`): the last answer of the
    current `detect` call is kept, so the second asks libphonenumber nothing."""
    memo = call_memo()
    key = ("phone-home", codes)
    if memo is not None:
        last = memo.get(key)
        if last is not None and last[0] == value:  # type: ignore[index]
            return last[1]  # type: ignore[index,no-any-return]
    score = _national_score(value, digits, _regions(codes), _FORMATTED, _BARE)
    if memo is not None:
        memo[key] = (value, score)
    return score


def _bare_run(candidate: str) -> bool:
    """Digits only (no separator, no `+`), not led by 0, 7-15 of them: any phone verdict
    keeps such a candidate whole and scores it as bare."""
    return candidate.isdigit() and candidate[0] != "0" and 7 <= len(candidate) <= _MAX_DIGITS


def phone_ceiling(candidate: str) -> float | None:
    """`RecognizerSpec.ceiling` of `phone_verdict`: fewer than 7 digits or a card's
    grouping is rejected outright; a bare digit run scores 0.15 at most, so without a
    phone word it is never reported and libphonenumber is not asked."""
    if candidate.isdigit():  # one group: never card-shaped, never shortened
        if len(candidate) < 7:
            return REJECTED
        return _BARE if _bare_run(candidate) else None
    if len(candidate.translate(_STRIP).lstrip("+")) < 7 or _card_shaped(candidate):
        return REJECTED  # so would every shorter value `_first` tries
    return None


def phone_elsewhere_ceiling(candidate: str) -> float | None:
    """`RecognizerSpec.ceiling` of `phone_elsewhere_verdict` (0.05 for a bare run)."""
    if candidate.isdigit():
        if not 7 <= len(candidate) <= _MAX_DIGITS or candidate.startswith("00"):
            return REJECTED
        return _ELSEWHERE_BARE if candidate[0] != "0" else None
    if _digits(candidate) is None or candidate[0] == "+" or candidate.startswith("00"):
        return REJECTED
    return None


def _international_score(value: str) -> float | None:
    if value.startswith("+"):
        return _FORMATTED if _valid(value, None) else None
    if value.startswith("00") and not value.startswith("000"):
        return _FORMATTED if _valid("+" + value[2:], None) else None
    return None


_GROUPS = re.compile(r"\d+")


def _card_shaped(candidate: str) -> bool:
    """`4111 1111 1111 1112`: three or more groups of four digits are a card number (one
    that failed its checks), not a phone number or the start of one."""
    groups = _GROUPS.findall(candidate)
    return len(groups) >= 3 and all(len(g) == 4 for g in groups[:3])


def _first(candidate: str, score: Callable[[str], float | None]) -> Verdict | None:
    if _card_shaped(candidate):
        return None
    for value in shorter_by_groups(candidate, max_drops=2):
        found = score(value)
        if found is not None:
            return Verdict(len(value), found)
    return None


_CURRENCY = r"(?:TL|TRY|EUR|USD|GBP|CHF|[₺$€£])"
_CURRENCY_AFTER = re.compile(
    r" ?(?:" + _CURRENCY + r"(?![A-Za-z])|(?i:lira|euro|dolar|dollar|avro))"
)
_CURRENCY_BEFORE = re.compile(r"(?<![A-Za-z])" + _CURRENCY + r" ?\Z")


def next_to_a_currency(text: str, start: int, end: int) -> bool:
    """`RecognizerSpec.beside` of the phone recognizers: a number right after or before a
    currency (`2.500.000 TL`, `USD 1 250 000`, `₺1 234 567`) is an amount, unless it is
    written with an international prefix."""
    if text[start] == "+" or text.startswith("00", start):
        return False
    return (
        _CURRENCY_AFTER.match(text, end) is not None
        or _CURRENCY_BEFORE.search(text, max(0, start - 5), start) is not None
    )


def written_as_a_phone(value: str) -> bool:
    """`RecognizerSpec.sure` of `phone`: a number written with its international prefix
    (`+90 532 ...`, `0090 ...`), its trunk prefix (`0532 123 45 67`) or its area code in
    parentheses (`(415) 555-2671`) is no order number. A bare run such as `2125550199`
    could be one."""
    return value[0] in "+0("


def phone_verdict(national_regions: Collection[str]) -> VerdictFn:
    """International numbers of any country; national formats of `national_regions`
    (ISO codes such as `TR`, `FR`): 0.4 when written as a phone number usually is, 0.15
    for a bare digit run or a number missing its trunk prefix (needs a phone word)."""
    codes = tuple(national_regions)

    def score(value: str) -> float | None:
        digits = _digits(value)
        if digits is None:
            return None
        international = _international_score(value)
        if international is not None or value[0] == "+":
            return international
        home = _home_score(value, digits, codes)
        if home is None and _bare_run(value) and _valid("+" + value, None):
            return _BARE  # E.164 without its `+` (`msisdn=905321234567`): needs a phone word
        return home

    return lambda candidate: _first(candidate, score)


def phone_elsewhere_verdict(national_regions: Collection[str]) -> VerdictFn:
    """A whole candidate that is a national number valid only in a country *outside*
    `national_regions`: 0.2 (0.05 bare), so it counts only with a phone word nearby. Runs
    before `phone_verdict`, which would otherwise keep a shorter number that happens to be
    valid at home (`11 98456` of the São Paulo mobile `11 98456-5666`)."""
    codes = tuple(national_regions)
    excluded = frozenset(codes)

    def verdict(candidate: str) -> Verdict | None:
        digits = _digits(candidate)
        if digits is None or candidate[0] == "+" or candidate.startswith("00"):
            return None
        if _home_score(candidate, digits, codes) is not None:
            return None  # a number of the configured countries: `phone_verdict` scores it
        regions = _regions_except(excluded)
        score = _national_score(candidate, digits, regions, _ELSEWHERE_FORMATTED, _ELSEWHERE_BARE)
        return None if score is None else Verdict(len(candidate), score)

    return verdict
