"""Custom recognizers from configuration: a regex, context words and a named check, so a
team can add `EMPLOYEE_ID` without writing code."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from charter.errors import PIIError
from charter.pii import checksums as c
from charter.pii.spec import NAMED_GROUP, VALUE_GROUP, RecognizerSpec
from charter.pii.validators import ip_ok
from charter.pii.verdict import Check, VerdictFn, accept_if

_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")

Validation = Literal[
    "none",
    "luhn",
    "iban",
    "tr_national_id",
    "ip",
    "mod97",
    "dea",
    "es_nif",
    "it_fiscal_code",
    "pl_pesel",
    "nl_bsn",
    "uk_nhs",
    "de_tax_id",
    "bitcoin",
    "ethereum",
]
_CHECKS: dict[str, Check] = {
    "mod97": lambda s: s.isalnum() and s.isascii() and c.mod97(s) == 1,
    "dea": c.dea_ok,
    "es_nif": lambda s: c.es_nif_ok(s) or c.es_nie_ok(s),
    "it_fiscal_code": c.it_fiscal_code_ok,
    "pl_pesel": c.pl_pesel_ok,
    "nl_bsn": c.nl_bsn_ok,
    "uk_nhs": c.uk_nhs_ok,
    "de_tax_id": c.de_tax_id_ok,
    "bitcoin": lambda s: c.base58check_ok(s) or c.bech32_address_ok(s),
    "ethereum": c.eth_address_ok,
    "luhn": lambda s: s.isdigit() and 8 <= len(s) <= 19 and c.luhn_ok(s),
    "iban": c.iban_ok,
    "tr_national_id": c.tr_national_id_ok,
    "ip": ip_ok,
}
_ENTITY_TYPE = re.compile(r"[A-Z][A-Z0-9_]*")


class CustomRecognizer(BaseModel):
    """A recognizer declared in configuration, e.g. in TOML:

    [[recognizers]]
    name = "employee_id"
    entity_type = "EMPLOYEE_ID"
    pattern = '\\bEMP-\\d{6}\\b'
    context = ["employee", "personel*"]
    validation = "none"     # or luhn, iban, mod97, tr_national_id, ip, dea, es_nif, ...

    Context words match whole words; a trailing `*` makes a stem that matches word starts
    (`personel*` matches `personelimiz`). See `charter.pii.context`.
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
        extra = [g for g in NAMED_GROUP.findall(value) if g != VALUE_GROUP]
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
        verdict: VerdictFn | None = None
        if self.validation != "none":
            verdict = accept_if(_CHECKS[self.validation], self.score, strip=" -")
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
