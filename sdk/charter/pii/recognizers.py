"""Recognizers as data: a pattern that proposes, a verdict that decides, context words.

The built-in set is chosen per region (`TR`, `EU`, `US`) instead of taking Presidio's
defaults blindly: those flag `212-555-0199` as a UK NHS number with score 1.0. Custom
recognizers come from configuration (regex + context words + a named validation), so a
team can add `EMPLOYEE_ID` without writing code.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from charter.errors import PIIError
from charter.pii import validators as v

Region = Literal["TR", "EU", "US"]
ALL_REGIONS: tuple[Region, ...] = ("TR", "EU", "US")
_PHONE_REGIONS: dict[str, tuple[str, ...]] = {"TR": ("TR",), "US": ("US",), "EU": ()}

VALUE_GROUP = "value"
"""A custom pattern may wrap the entity in `(?P<value>...)`; the rest is a cue that must be
present but is not redacted (`customer no: (?P<value>\\d{8})`)."""
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


@dataclass(frozen=True, slots=True)
class RecognizerSpec:
    r"""One recognizer.

    Built-in recognizers are *triggered*: scanning stops only at characters in `trigger`
    (a character-class body such as `@` or `\d`), and the match is that character followed
    by `pattern`. Text before the trigger that belongs to the match (an e-mail's local
    part) or that must be present (a cue such as "my name is") is matched by `prefix`, a
    regex that must end right at the trigger. This lets one compiled pass skip everything
    between triggers at C speed. Custom recognizers have no trigger: `pattern` is an
    ordinary regex.
    """

    name: str
    entity_type: str
    pattern: str
    verdict: v.VerdictFn | None = None
    """Decides on a candidate; None accepts every match with `score`."""
    score: float = 0.5
    context: tuple[str, ...] = ()
    """Words (or word starts, for words of 4+ letters) near a match that raise its score."""
    negative_context: tuple[str, ...] = ()
    """Words that drop a match unless a context word is present too (`order`, `sipariş`)."""
    trigger: str | None = None
    """Character-class body of the characters a match starts at; None: untriggered."""
    prefix: str | None = None
    """Regex for the text right before the trigger; it must match (possibly empty)."""
    prefix_in_entity: bool = True
    """False: the prefix is a cue that must be there but is not redacted."""
    prefix_window: int = 64
    anchors: tuple[str, ...] = ()
    """The text must contain one of these for the recognizer to run at all (`@`)."""
    needs_digit: bool = False

    @property
    def value_groups(self) -> tuple[str, ...]:
        """Names of the groups that mark the entity inside a cue (`value`)."""
        return tuple(g for g in _NAMED_GROUP.findall(self.pattern) if g.startswith(VALUE_GROUP))


# --- the built-in set ----------------------------------------------------------------------
# Patterns below start *after* their trigger character; lookbehinds such as `(?<!\w.)`
# ("the character before the trigger is not a word character") stand in for `\b`.

_DIGIT = r"\d"
_LABEL = r"(?>[a-z0-9]+(?:-+[a-z0-9]+)*)"
_NOT_A_TAIL = r"(?<!\d[ .-].)"  # the trigger digit does not continue a longer number

_URL_SCHEME = r"//[^\s<>\"'`{}|\\^\[\]]+"
_URL_SCHEME_PREFIX = r"(?i:(?<![\w.+-])(?:https?|ftp))"
_DOMAIN = (  # after the first dot of a host name: labels, a top-level label, a path
    r"(?i:(?:" + _LABEL + r"\.)*[a-z](?>[a-z0-9-]{1,62}))(?![\w@%+-])(?:[:/?#][^\s<>\"'`]*)?"
)
_DOMAIN_PREFIX = r"(?i:(?<![\w.@-])" + _LABEL + ")"
_EMAIL = r"(?>\w+(?:-+\w+)*)(?:\.(?>\w+(?:-+\w+)*))+"
_EMAIL_PREFIX = r"(?<![\w.%+-])[\w.%+-]{1,64}"
_IBAN = (  # trigger: the first check digit, after two letters
    r"(?<=[a-zA-Z]{2}\d)(?<!\w[a-zA-Z]{2}\d)"
    r"\d(?:[ -]?[a-zA-Z0-9]{4}){2,7}(?:[ -]?[a-zA-Z0-9]{1,3})?\b"
)
_CARD = r"(?<!\w.)" + _NOT_A_TAIL + r"(?:[ -]?\d){12,18}\b"
_TCKN = r"(?<!\w.)" + _NOT_A_TAIL + r"(?<=[1-9])\d{10}\b"
_SSN = r"(?<!\w.)" + _NOT_A_TAIL + r"\d{2}(?:-\d{2}-\d{4}|\ \d{2}\ \d{4}|\.\d{2}\.\d{4}|\d{6})\b"
_IPV4 = r"(?<!\w.)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?:/\d{1,2})?\b"
_IPV6 = (  # trigger: the first colon; the first group (if any) is the prefix
    r"(?i:(?:[0-9a-f]{0,4}:){1,6}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
    r"(?:%\w+)?(?:/\d{1,3})?)(?![\w:])"
)
_IPV6_PREFIX = r"(?i:(?<![\w:.])[0-9a-f]{0,4})"
_PHONE = (  # trigger: `+`, `(` or the first digit; not a date (2024-03-12, 12.03.2024)
    r"(?:(?<=\+)(?<![\w+]\+)|(?<=\()(?<!\w\()"
    r"|(?<=\d)(?<![\w+]\d)(?<!\d[ .-]\d)"
    r"(?!\d{3}[-./]\d\d?[-./]\d\d?(?!\d)|\d?[-./]\d\d?[-./]\d{2,4}(?!\d)))"
    r"\(?\d{0,4}+\)?(?:[ .-]?\(?\d{1,4}+\)?){1,6}(?!\w)"
)
_UPPER = "A-ZÀ-ÖØ-ÞĞİŞ"
_LOWER = "a-zß-öø-ÿğış"
_NAME = f"[{_UPPER}][{_LOWER}]+"
_NAME_REST = f"[{_LOWER}]+"  # after the trigger (the name's capital letter)
_NAME_CUE = r"(?i:\b(?:my name is|my name's|name:|adım|adim|ismim|isim:))\s+"
_INTRO_CUE = r"(?:(?i:\b(?:i am|i'm|this is))|\b[Bb]en)\s+"

# Turkey's 81 provinces and the most populous districts: the English spaCy model does not
# know Turkish places, so `spacy` mode adds this list for the TR region.
_TR_PLACES = (
    "Adana", "Adıyaman", "Afyonkarahisar", "Ağrı", "Aksaray", "Amasya", "Ankara", "Antalya",
    "Ardahan", "Artvin", "Aydın", "Balıkesir", "Bartın", "Batman", "Bayburt", "Bilecik",
    "Bingöl", "Bitlis", "Bolu", "Burdur", "Bursa", "Çanakkale", "Çankırı", "Çorum", "Denizli",
    "Diyarbakır", "Düzce", "Edirne", "Elazığ", "Erzincan", "Erzurum", "Eskişehir", "Gaziantep",
    "Giresun", "Gümüşhane", "Hakkari", "Hatay", "Iğdır", "Isparta", "İstanbul", "İzmir",
    "Kahramanmaraş", "Karabük", "Karaman", "Kars", "Kastamonu", "Kayseri", "Kilis", "Kırıkkale",
    "Kırklareli", "Kırşehir", "Kocaeli", "Konya", "Kütahya", "Malatya", "Manisa", "Mardin",
    "Mersin", "Muğla", "Muş", "Nevşehir", "Niğde", "Ordu", "Osmaniye", "Rize", "Sakarya",
    "Samsun", "Siirt", "Sinop", "Sivas", "Şanlıurfa", "Şırnak", "Tekirdağ", "Tokat", "Trabzon",
    "Tunceli", "Uşak", "Van", "Yalova", "Yozgat", "Zonguldak", "Kadıköy", "Beşiktaş", "Üsküdar",
    "Şişli", "Bakırköy", "Beyoğlu", "Ataşehir", "Maltepe", "Kartal", "Pendik", "Sarıyer",
    "Esenyurt", "Bağcılar", "Çankaya", "Keçiören", "Yenimahalle", "Karşıyaka", "Bornova",
    "Konak", "Buca", "Nilüfer", "Osmangazi", "Muratpaşa", "Seyhan", "Selçuklu", "Şahinbey",
)  # fmt: skip


def _gazetteer_after_capital(names: Sequence[str]) -> str:
    """A triggered pattern for a word list: after the capital letter that triggered it,
    the rest of one of `names` starting with that letter, as a whole word."""
    by_first: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        by_first.setdefault(name[0], []).append(re.escape(name[1:]))
    branches = "|".join(
        f"(?<={re.escape(first)})(?:{'|'.join(rests)})" for first, rests in by_first.items()
    )
    return rf"(?<!\w.)(?:{branches})(?!\w)"


_ORDERISH = (
    "order", "invoice", "tracking", "ticket", "ref", "reference", "transaction",
    "sipariş", "siparis", "fatura", "takip", "kargo", "bilet", "talep", "işlem", "referans",
)  # fmt: skip


def builtin_recognizers(
    regions: Collection[str] = ALL_REGIONS, *, places: bool = False
) -> list[RecognizerSpec]:
    """The built-in recognizers for `regions`, highest priority first (when two match at
    the same position, the earlier one is tried first). `places` adds the gazetteer of
    Turkish places (LOCATION) for the TR region."""
    unknown = set(regions) - set(ALL_REGIONS)
    if unknown:
        raise PIIError(f"unknown PII region(s) {sorted(unknown)}; choose from {list(ALL_REGIONS)}")
    national_phone = tuple(r for region in regions for r in _PHONE_REGIONS[region])
    url_context = ("url", "website", "site", "link", "web", "domain", "adres", "bağlantı")
    specs = [
        RecognizerSpec(
            "url", "URL", _URL_SCHEME, v.url_verdict, 0.6, context=url_context,
            trigger=":", prefix=_URL_SCHEME_PREFIX, prefix_window=6, anchors=("://",),
        ),
        RecognizerSpec(
            "email", "EMAIL_ADDRESS", _EMAIL, v.email_verdict, 1.0,
            context=("email", "e-mail", "mail", "e-posta", "eposta"),
            trigger="@", prefix=_EMAIL_PREFIX, prefix_window=65, anchors=("@",),
        ),
        RecognizerSpec(
            "domain", "URL", _DOMAIN, v.url_verdict, 0.5, context=url_context,
            trigger=r"\.", prefix=_DOMAIN_PREFIX, prefix_window=64, anchors=(".",),
        ),
        RecognizerSpec(
            "iban", "IBAN_CODE", _IBAN, v.iban_verdict, 1.0,
            context=("iban", "bank", "account", "hesap", "banka", "havale", "eft"),
            trigger=_DIGIT, prefix="[a-zA-Z]{2}", prefix_window=2, needs_digit=True,
        ),
        RecognizerSpec(
            "credit_card", "CREDIT_CARD", _CARD, v.card_verdict, 1.0,
            context=("credit", "card", "visa", "mastercard", "amex", "kart", "kredi", "troy"),
            trigger=_DIGIT, needs_digit=True,
        ),
    ]  # fmt: skip
    if "TR" in regions:
        specs.append(
            RecognizerSpec(
                "tr_national_id", "TR_NATIONAL_ID", _TCKN,
                v.accept_if(v.tr_national_id_ok, 1.0), 1.0,
                context=("tc", "kimlik", "tckn", "nüfus", "national id", "turkish id", "t.c"),
                negative_context=_ORDERISH, trigger=_DIGIT, needs_digit=True,
            )
        )  # fmt: skip
    if "US" in regions:
        specs.append(
            RecognizerSpec(
                "us_ssn", "US_SSN", _SSN, v.ssn_verdict, 0.5,
                context=("ssn", "ssns", "social security", "ssid"),
                trigger=_DIGIT, needs_digit=True,
            )
        )  # fmt: skip
    specs += [
        RecognizerSpec(
            "ipv4", "IP_ADDRESS", _IPV4, v.ipv4_verdict, 0.6,
            context=("ip", "ipv4", "address", "adres", "host", "server", "sunucu"),
            negative_context=("version", "ver", "v", "build", "release", "sürüm", "versiyon"),
            trigger=_DIGIT, needs_digit=True,
        ),
        RecognizerSpec(
            "ipv6", "IP_ADDRESS", _IPV6, v.ip_verdict, 0.6,
            context=("ip", "ipv6", "address", "adres", "host"),
            trigger=":", prefix=_IPV6_PREFIX, prefix_window=5, anchors=(":",),
        ),
        RecognizerSpec(
            "phone", "PHONE_NUMBER", _PHONE, v.phone_verdict(national_phone), 0.4,
            context=(
                "phone", "telephone", "tel", "mobile", "cell", "call", "fax", "whatsapp",
                "sms", "telefon", "cep", "gsm", "arayın", "aranabilir", "ulaşabilirsiniz",
            ),
            negative_context=(*_ORDERISH, "amount", "total", "price", "tutar", "fiyat",
                              "serial", "seri", "version", "sürüm"),
            trigger=r"\d\+\(", needs_digit=True,
        ),
        RecognizerSpec(
            "person_cue", "PERSON", _NAME_REST + rf"(?:[ -]{_NAME}){{0,2}}\b", None, 0.7,
            trigger=_UPPER, prefix=_NAME_CUE, prefix_in_entity=False, prefix_window=24,
        ),
        RecognizerSpec(
            "person_intro", "PERSON", _NAME_REST + rf"(?:[ -]{_NAME}){{1,2}}\b", None, 0.6,
            trigger=_UPPER, prefix=_INTRO_CUE, prefix_in_entity=False, prefix_window=16,
        ),
    ]  # fmt: skip
    if places and "TR" in regions:
        specs.append(
            RecognizerSpec(
                "tr_place", "LOCATION", _gazetteer_after_capital(_TR_PLACES), None, 0.6,
                trigger=_UPPER,
            )
        )  # fmt: skip
    return specs


# --- custom recognizers from configuration -------------------------------------------------

Validation = Literal["none", "luhn", "iban", "tr_national_id", "ip"]
_CHECKS: dict[str, v.Check] = {
    "luhn": lambda s: s.isdigit() and 8 <= len(s) <= 19 and v.luhn_ok(s),
    "iban": v.iban_ok,
    "tr_national_id": v.tr_national_id_ok,
    "ip": v.ip_ok,
}
_ENTITY_TYPE = re.compile(r"[A-Z][A-Z0-9_]*")


class CustomRecognizer(BaseModel):
    """A recognizer declared in configuration, e.g. in TOML:

    [[recognizers]]
    name = "employee_id"
    entity_type = "EMPLOYEE_ID"
    pattern = '\\bEMP-\\d{6}\\b'
    context = ["employee", "personel"]
    validation = "none"     # or luhn, iban, tr_national_id, ip
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w.-]+$")
    entity_type: str
    pattern: str = Field(min_length=1)
    score: float = Field(default=0.6, gt=0.0, le=1.0)
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    validation: Validation = "none"
    ignore_case: bool = False

    @field_validator("entity_type")
    @classmethod
    def _entity_type_is_upper_snake(cls, value: str) -> str:
        if not _ENTITY_TYPE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not an entity type name; use UPPER_SNAKE_CASE like EMPLOYEE_ID"
            )
        return value

    @field_validator("pattern")
    @classmethod
    def _pattern_is_combinable(cls, value: str) -> str:
        # All recognizers share one compiled alternation, so a pattern must stand alone.
        if re.search(r"\\[1-9]|\(\?P=", value):
            raise ValueError("backreferences are not supported; repeat the sub-pattern instead")
        extra = [g for g in _NAMED_GROUP.findall(value) if g != VALUE_GROUP]
        if extra:
            raise ValueError(
                f"named groups {extra} are not supported; use (?:...) or (?P<value>...) "
                "to mark the part to redact"
            )
        if _GLOBAL_FLAGS.search(value):
            raise ValueError(
                "global flags such as (?i) are not supported; set ignore_case = true, or "
                "scope a flag with (?i:...)"
            )
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"does not compile: {exc}") from None
        if compiled.fullmatch(""):
            raise ValueError("matches the empty string; it would redact nothing everywhere")
        return value

    @field_validator("context", "negative_context")
    @classmethod
    def _words_are_lowercase(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w.strip().lower() for w in value if w.strip())

    def to_spec(self) -> RecognizerSpec:
        pattern = f"(?i:{self.pattern})" if self.ignore_case else self.pattern
        verdict: v.VerdictFn | None = None
        if self.validation != "none":
            verdict = v.accept_if(_CHECKS[self.validation], self.score, strip=" -")
        return RecognizerSpec(
            name=f"custom:{self.name}",
            entity_type=self.entity_type,
            pattern=pattern,
            verdict=verdict,
            score=self.score,
            context=self.context,
            negative_context=self.negative_context,
        )


def load_custom_recognizers(
    source: str | Path | Sequence[Mapping[str, Any]],
) -> list[CustomRecognizer]:
    """Custom recognizers from a `.toml` / `.json` file (a `recognizers` list, at the top
    or under `[pii]`) or from already-parsed mappings. Errors name the entry and field."""
    where = "custom recognizers"
    if isinstance(source, str | Path):
        path = Path(source)
        where = str(path)
        entries = _read_entries(path)
    else:
        entries = list(source)
    out: list[CustomRecognizer] = []
    for number, entry in enumerate(entries, start=1):
        label = f"recognizer #{number}"
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            label += f" ({entry['name']!r})"
        try:
            out.append(CustomRecognizer.model_validate(entry))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                for err in exc.errors()
            )
            raise PIIError(f"{where}: {label}: {problems}") from None
    names = [r.name for r in out]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PIIError(f"{where}: recognizer names must be unique; repeated: {duplicates}")
    return out


def _read_entries(path: Path) -> list[Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PIIError(f"cannot read custom recognizers file {path}: {exc.strerror}") from None
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(raw)
        elif path.suffix == ".json":
            data = json.loads(raw)
        else:
            raise PIIError(f"{path}: custom recognizers must be a .toml or .json file")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise PIIError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    if isinstance(data, dict):
        section = data.get("pii", data)
        data = section.get("recognizers") if isinstance(section, dict) else None
    if not isinstance(data, list):
        raise PIIError(f"{path}: expected a list named `recognizers` (e.g. [[recognizers]])")
    return data
