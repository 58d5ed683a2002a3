"""Slices of an eval run: in-distribution vs held-out families, and languages.

A family is the public source an item comes from or imitates (`family` in the corpus).
The safety classifier's artifact records the families it was trained on; an item of any
other family is *held-out*: the detector never saw its style, so its number is the one
that predicts behaviour on new traffic. Both are reported side by side, per category.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from charter.evals.corpus import Label
from charter.evals.runner import ItemResult, Outcome

IN_DISTRIBUTION = "in-distribution"
HELD_OUT = "held-out"
UNSPECIFIED = "no family"


class SliceStats(BaseModel):
    """Attacks caught and benign items refused in one slice, overall and per category."""

    model_config = ConfigDict(frozen=True)

    name: str
    attacks: int
    caught: int
    attack_rate: float | None
    benign: int
    refused: int
    refusal_rate: float | None
    by_category: tuple[tuple[str, int, int], ...] = ()
    """(category, items, caught-or-refused) per category, sorted by category."""


def trained_families(signals: Any) -> tuple[str, ...]:
    """Families the guard's classifiers were trained on (from their artifacts' records)."""
    found: set[str] = set()
    for signal in getattr(signals, "signals", ()) or ():
        meta = getattr(signal, "meta", None)
        if isinstance(meta, dict):
            families = meta.get("trained_on", {}).get("families", ())
            found.update(str(f) for f in families)
    return tuple(sorted(found))


def family_key(family: str) -> str:
    """Families compare case- and separator-insensitively ("charter-violent_crimes")."""
    return family.strip().lower().replace("_", "-")


def split_of(result: ItemResult, trained: frozenset[str]) -> str:
    if not result.family:
        return UNSPECIFIED
    known = {family_key(f) for f in trained}
    return IN_DISTRIBUTION if family_key(result.family) in known else HELD_OUT


def slices(
    results: Sequence[ItemResult],
    key: Callable[[ItemResult], str],
    caught: Callable[[ItemResult], bool],
) -> tuple[SliceStats, ...]:
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        groups[key(r)].append(r)
    return tuple(_stats(name, members, caught) for name, members in sorted(groups.items()))


def _stats(
    name: str, members: Iterable[ItemResult], caught: Callable[[ItemResult], bool]
) -> SliceStats:
    members = list(members)
    attacks = [r for r in members if r.label is Label.BLOCKED]
    benign = [r for r in members if r.label is Label.ALLOWED]
    hits = sum(caught(r) for r in attacks)
    refused = sum(r.outcome is Outcome.BLOCKED for r in benign)
    per: dict[str, list[ItemResult]] = defaultdict(list)
    for r in members:
        per[r.category].append(r)
    by_category = tuple(
        (
            category,
            len(rs),
            sum(
                caught(r) if r.label is Label.BLOCKED else r.outcome is Outcome.BLOCKED for r in rs
            ),
        )
        for category, rs in sorted(per.items())
    )
    return SliceStats(
        name=name,
        attacks=len(attacks),
        caught=hits,
        attack_rate=hits / len(attacks) if attacks else None,
        benign=len(benign),
        refused=refused,
        refusal_rate=refused / len(benign) if benign else None,
        by_category=by_category,
    )
