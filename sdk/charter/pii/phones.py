"""Phone numbers of every country, validated by libphonenumber (`phonenumbers`).

Presidio runs libphonenumber's matcher once per configured region over the whole text.
Here one regex proposes candidates and libphonenumber only judges them:

- international numbers (`+32 2 555 12 34`, `0044 20 7946 0958`) of any country count;
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

from charter.pii.verdict import Verdict, VerdictFn, shorter_by_groups

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
    "phone", "telephone", "tel", "mobile", "cell", "cellphone", "call", "fax", "whatsapp",
    "sms", "landline", "dial", "text me", "telefon", "cep", "gsm", "arayın", "ara",
    "aranabilir", "ulaşabilirsiniz", "hat",
)  # fmt: skip
PHONE_WEAK_CONTEXT = ("number", "numara", "contact", "reach", "iletişim", "ulaş")
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
    pattern: re.Pattern[str]
    kinds: tuple[re.Pattern[str], ...]
    """Patterns of the number types (fixed line, mobile, toll free, ...): what
    `is_valid_number` checks, tried here before paying for a full parse."""

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

    def _plausible(self, nsn: str) -> bool:
        if len(nsn) not in self.lengths or not self.pattern.fullmatch(nsn):
            return False
        return any(kind.fullmatch(nsn) for kind in self.kinds)


@functools.cache
def _region(code: str) -> _Region | None:
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region(code)
    if meta is None or meta.general_desc is None:
        return None
    prefix = meta.national_prefix or ""
    descs = (getattr(meta, kind, None) for kind in _KINDS)
    return _Region(
        code=code,
        prefix=prefix,
        prefix_optional=prefix == "1",
        lengths=frozenset(meta.general_desc.possible_length or ()),
        pattern=re.compile(meta.general_desc.national_number_pattern or r"\d+"),
        kinds=tuple(
            re.compile(d.national_number_pattern) for d in descs if d and d.national_number_pattern
        ),
    )


_KINDS = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
          "voip", "pager", "uan", "voicemail")  # fmt: skip


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
    return digits if digits.isdigit() and 7 <= len(digits) <= 15 else None


def _national_score(
    value: str, digits: str, regions: Iterable[_Region], formatted: float, bare: float
) -> float | None:
    """The best score over the regions where `value` is a valid national number. The
    metadata check picks the candidates; libphonenumber confirms the best one."""
    written_formatted = value[0] in "0(" or not _FORMATTING.isdisjoint(value)
    plausible: list[tuple[float, str]] = []
    for region in regions:
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
        regions = [r for c in codes if (r := _region(c))]
        return _national_score(value, digits, regions, _FORMATTED, _BARE)

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
        home = [r for c in codes if (r := _region(c))]
        if _national_score(candidate, digits, home, _FORMATTED, _BARE) is not None:
            return None  # a number of the configured countries: `phone_verdict` scores it
        regions = (r for r in _all_regions() if r.code not in excluded)
        score = _national_score(candidate, digits, regions, _ELSEWHERE_FORMATTED, _ELSEWHERE_BARE)
        return None if score is None else Verdict(len(candidate), score)

    return verdict
