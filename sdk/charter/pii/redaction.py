"""Replacing what was found: the policy picks an operator per entity type.

- `placeholder`: `<EMAIL_ADDRESS_1>`, stable within the scope and restorable;
- `mask`: letters and digits become `*`, the last four kept when at least eight exist
  (`**** **** **** 1111`), separators kept so the shape stays readable;
- `hash`: `<EMAIL_ADDRESS#3f2a9c1b7d4e5f60>`, a keyed hash (per tenant): the same value
  gives the same token, but it cannot be reversed or brute-forced without the vault key;
- `drop`: removed.

The operator map comes straight from `Decision.redact`; the key `"*"` covers every type
not named, and `default` covers types the map does not mention at all.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.errors import PIIError
from charter.pii._arguments import require_json, require_text
from charter.pii.findings import Detector, Finding, JsonPath, detect_field, resolve_overlaps
from charter.pii.placeholders import entity_type_of, present
from charter.pii.scope import Scope
from charter.pii.vault import Vault
from charter.values import JsonKey, RedactOperator, free_key, integral_digits

WILDCARD = "*"
_MASK_KEEP = 4
_MASK_MIN_FOR_KEEP = 8


@dataclass(frozen=True)
class Redaction:
    """The redacted text, what was found (offsets into the original), and the way back."""

    text: str
    findings: tuple[Finding, ...]
    placeholders: Mapping[str, int]
    """Entity type -> how many distinct placeholders this text got."""
    scope: Scope
    vault: Vault = field(repr=False, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.findings)

    def restore(self, text: str, *, entities: Collection[str] | None = None) -> str:
        """Put values back into `text` (typically the model's answer) for every placeholder
        of this scope, optionally only for `entities` (the types the policy lets back)."""
        require_text("Redaction.restore", text)
        return self.vault.restore(text, self.scope, entities=entities)

    def restore_json(self, value: Any, *, entities: Collection[str] | None = None) -> Any:
        return self.vault.restore_json(value, self.scope, entities=entities)


def resolve_operators(
    operators: Mapping[str, RedactOperator | str],
) -> dict[str, RedactOperator]:
    """Validate an operator map (as the policy wrote it) into `RedactOperator` values."""
    resolved: dict[str, RedactOperator] = {}
    for entity_type, operator in operators.items():
        try:
            resolved[entity_type] = RedactOperator(operator)
        except ValueError:
            choices = ", ".join(o.value for o in RedactOperator)
            raise PIIError(
                f"unknown redaction operator {operator!r} for {entity_type}; use one of {choices}"
            ) from None
    return resolved


def redact(
    text: str,
    findings: Collection[Finding],
    operators: Mapping[str, RedactOperator | str],
    *,
    vault: Vault,
    scope: Scope | str | None = None,
    default: RedactOperator | None = RedactOperator.PLACEHOLDER,
    numeric: bool = False,
    reserved: Collection[str] | None = None,
    fresh: list[str] | None = None,
) -> Redaction:
    """Apply the operators to `findings` in `text`. Overlapping findings are resolved
    first (see `resolve_overlaps`). Types with no operator get `default`; None keeps them.
    `numeric` marks `text` as a JSON number's digits, so restore can give a number back.
    `scope`: a `Scope`, a scope id, or None for a fresh request scope. A new placeholder
    never takes the name of one already in `text`, or in `reserved` (the other texts of
    the same prompt: `placeholders.present`), issued elsewhere: an agent's tool result
    redacted in its own scope said `<EMAIL_ADDRESS_1>` for another customer, and the next
    prompt's scope gave the user's address the same name, then restored it in its place.
    A caller that gives `reserved` has searched `text` with the rest (None: it is searched
    here), so a prompt's texts are searched once, not once more each. `fresh` gets the
    placeholders the scope issued new (`Vault.retract` can take them back)."""
    require_text("redact", text)
    scope = Scope.of(scope)
    ops = resolve_operators(operators)
    fallback = ops.get(WILDCARD, default)
    chosen: list[tuple[Finding, RedactOperator]] = []
    for finding in resolve_overlaps(list(findings)):
        if not 0 <= finding.start < finding.end <= len(text):
            raise PIIError(
                f"a {finding.entity_type} finding at {finding.start}:{finding.end} lies outside "
                f"the text (length {len(text)}); findings must come from detecting this text"
            )
        operator = ops.get(finding.entity_type, fallback)
        if operator is not None:
            chosen.append((finding, operator))
    if not chosen:
        return Redaction(text, (), {}, scope, vault)

    wanted = [
        (f.entity_type, text[f.start : f.end], numeric and f.length == len(text))
        for f, op in chosen
        if op is RedactOperator.PLACEHOLDER
    ]
    if wanted:
        types = {entity_type for entity_type, _, _ in wanted}
        seen = present([text], types) if reserved is None else reserved
        foreign = {p for p in seen if entity_type_of(p) in types}
        issued = iter(vault.placeholders(scope, wanted, reserved=foreign, fresh=fresh))
    else:
        issued = iter(())
    parts: list[str] = []
    per_type: dict[str, set[str]] = {}
    last = 0
    for finding, operator in chosen:
        value = text[finding.start : finding.end]
        if operator is RedactOperator.PLACEHOLDER:
            replacement = next(issued)
            per_type.setdefault(finding.entity_type, set()).add(replacement)
        elif operator is RedactOperator.MASK:
            replacement = mask(value)
        elif operator is RedactOperator.HASH:
            digest = vault.digest(scope.tenant, finding.entity_type, value)
            replacement = f"<{finding.entity_type}#{digest}>"
        else:
            replacement = ""
        parts += [text[last : finding.start], replacement]
        last = finding.end
    parts.append(text[last:])
    counts = {kind: len(tokens) for kind, tokens in sorted(per_type.items())}
    return Redaction("".join(parts), tuple(f for f, _ in chosen), counts, scope, vault)


def mask(value: str) -> str:
    """Letters and digits to `*`; the last four kept only when there are at least eight."""
    require_text("mask", value)
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    keep = set(positions[-_MASK_KEEP:]) if len(positions) >= _MASK_MIN_FOR_KEEP else set()
    return "".join(c if not c.isalnum() or i in keep else "*" for i, c in enumerate(value))


def redact_json(
    value: Any,
    detector: Detector,
    operators: Mapping[str, RedactOperator | str],
    *,
    vault: Vault,
    scope: Scope | str | None = None,
    entities: Collection[str] | None = None,
    default: RedactOperator | None = RedactOperator.PLACEHOLDER,
) -> tuple[Any, list[Finding]]:
    """Redact every string (and integral number: `4111111111111111.0` reads as the card
    number it is) inside a JSON value: tool-call arguments, tool
    results, and every string dict key (keys usually name fields, but can be data:
    `{"jane@example.com": 450}`; a finding in one has a path ending in `JsonKey`). Returns
    the redacted copy and the findings, each with its `path`. All strings share one scope,
    so the same value gets the same placeholder wherever it appears."""
    require_json("redact_json", value)
    scope = Scope.of(scope)
    found: list[Finding] = []
    reserved = present(json_strings(value))

    def leaf(text: str, path: JsonPath, numeric: bool, field: object = None) -> str | None:
        hits = detect_field(detector, field, text, entities)
        if not hits:
            return None
        result = redact(
            text,
            hits,
            operators,
            vault=vault,
            scope=scope,
            default=default,
            numeric=numeric,
            reserved=reserved,
        )
        found.extend(_at(path, f) for f in result.findings)
        return result.text if result.changed else None

    def walk(node: Any, path: JsonPath, field: object = None) -> Any:
        if isinstance(node, str):
            replaced = leaf(node, path, numeric=False, field=field)
            return node if replaced is None else replaced
        if (digits := integral_digits(node)) is not None:
            replaced = leaf(digits, path, numeric=True, field=field)
            return node if replaced is None else replaced
        if isinstance(node, Mapping):
            out: dict[Any, Any] = {}
            for k, v in node.items():
                renamed = (
                    leaf(k, (*path, JsonKey(k)), numeric=False) if isinstance(k, str) else None
                )
                key = k if renamed is None else free_key(renamed, {*node, *out})
                out[key] = walk(v, (*path, k), k)
            return out
        if isinstance(node, list | tuple):  # {"phones": [...]}: each under its field's name
            return [walk(v, (*path, i), field) for i, v in enumerate(node)]
        return node

    return walk(value, ()), found


def json_strings(value: Any) -> list[str]:
    """Every string in a JSON value, dict keys too (where `redact_json` reads)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        keys = [k for k in value if isinstance(k, str)]
        return keys + [s for v in value.values() for s in json_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in json_strings(v)]
    return []


def _at(path: JsonPath, f: Finding) -> Finding:
    return Finding(f.entity_type, f.start, f.end, f.score, f.recognizer, path)
