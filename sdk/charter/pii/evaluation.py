"""Recall and precision of a PII detector on a labelled corpus, per entity type, split
and source family (`charter eval pii`).

A corpus line: `{"id", "text", "entities": [{"type", "value"}], "family", "split",
"lang", "lookalike"?}`. A labelled value counts as found when detections of its type
cover every non-space character of it (a name found as two halves is found; half a
name is not: the other half would leak). A detection is correct when it overlaps a
labelled value of its type. Items marked `lookalike` hold nothing personal (order
numbers, versions, dates, amounts): they count as untouched when nothing is detected.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from charter._jsonl import jsonl_lines
from charter._shown import shown
from charter.errors import PIIError
from charter.pii.findings import Detector, Finding

NAME_TYPES = frozenset({"PERSON", "LOCATION"})


@dataclass(frozen=True, slots=True)
class Gold:
    type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LabelledText:
    id: str
    text: str
    entities: tuple[Gold, ...]
    family: str = "default"
    split: str = "dev"
    lang: str = ""
    lookalike: bool = False


@dataclass
class Counts:
    gold: int = 0
    found: int = 0
    detected: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.detected if self.detected else None

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.found += other.found
        self.detected += other.detected
        self.correct += other.correct


@dataclass
class Group:
    """The measures of one slice of the corpus (a split or a family)."""

    items: int = 0
    by_type: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    lookalikes: int = 0
    lookalikes_untouched: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    def total(self, types: Iterable[str] | None = None) -> Counts:
        wanted = None if types is None else set(types)
        out = Counts()
        for kind, counts in self.by_type.items():
            if wanted is None or kind in wanted:
                out.add(counts)
        return out

    @property
    def names(self) -> Counts:
        return self.total(NAME_TYPES)

    @property
    def other_types(self) -> Counts:
        return self.total(set(self.by_type) - NAME_TYPES)

    @property
    def untouched(self) -> float | None:
        return self.lookalikes_untouched / self.lookalikes if self.lookalikes else None


@dataclass
class PIIEvalReport:
    mode: str
    splits: dict[str, Group]
    families: dict[str, Group]
    family_split: dict[str, str]


def load_labelled(
    paths: Sequence[str | Path], *, entity_types: Collection[str] | None = None
) -> list[LabelledText]:
    """Labelled texts from JSON-lines files (or directories of `pii*.jsonl`). Each entity's
    type must be one of `entity_types` (default: every type Charter's detectors find)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files += sorted(path.glob("pii*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise PIIError(f"no PII corpus files in {[str(p) for p in paths]}")
    types = frozenset(entity_types) if entity_types is not None else known_entity_types()
    items: list[LabelledText] = []
    seen: set[str] = set()
    for path in files:
        try:
            lines = jsonl_lines(path)
        except OSError as exc:
            raise PIIError(
                f"cannot read PII corpus {path}: {exc.strerror}; check the path"
            ) from None
        for number, line in lines:
            item = _parse(line, f"{path}:{number}", types)
            if item.id in seen:
                raise PIIError(f"{path}:{number}: duplicate id {item.id!r}")
            seen.add(item.id)
            items.append(item)
    return items


def known_entity_types() -> frozenset[str]:
    """The types the built-in recognizers (every region) and the NER model find."""
    from charter.pii.presidio import NER_ENTITIES
    from charter.pii.recognizers import builtin_recognizers

    return frozenset(s.entity_type for s in builtin_recognizers()) | NER_ENTITIES


_NEEDS = "each line needs a JSON object with id, text and entities"


def _parse(line: str, where: str, types: frozenset[str]) -> LabelledText:
    """One item, checked: found by probing, a number as `text` failed later as a bare
    TypeError naming no line, a misspelt type (`EMAIL`) was scored as a miss and a false
    positive without a word, an empty value counted as found, and a value missing from
    its text was quoted in the error (a corpus's personal data in a CI log)."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise PIIError(f"{where}: not JSON ({exc.msg} at column {exc.colno}); {_NEEDS}") from None
    if not isinstance(raw, dict):
        raise PIIError(f"{where}: expected a JSON object, got {type(raw).__name__}; {_NEEDS}")
    text, item_id = raw.get("text"), raw.get("id")
    if not isinstance(item_id, str | int) or isinstance(item_id, bool) or str(item_id) == "":
        raise PIIError(f"{where}: `id` must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        raise PIIError(f"{where}: `text` must be a non-empty string")
    for key in ("family", "split", "lang"):
        if key in raw and not isinstance(raw[key], str):
            raise PIIError(f"{where}: `{key}` must be a string")
    lookalike = raw.get("lookalike", False)
    if not isinstance(lookalike, bool):  # bool("false") is True (found by probing)
        raise PIIError(f"{where}: `lookalike` must be true or false (a JSON boolean)")
    entities = raw.get("entities", [])
    if not isinstance(entities, list):
        raise PIIError(f"{where}: `entities` must be a list of {{type, value}} objects")
    return LabelledText(
        id=str(item_id), text=text,
        entities=tuple(_gold(e, n, text, where, types) for n, e in enumerate(entities, 1)),
        family=raw.get("family", "default"), split=raw.get("split", "dev"),
        lang=raw.get("lang", ""), lookalike=lookalike,
    )  # fmt: skip


def _gold(entity: object, n: int, text: str, where: str, types: frozenset[str]) -> Gold:
    """Entity `n` of an item; messages never quote its value (personal data)."""
    if not isinstance(entity, dict):
        raise PIIError(f"{where}: entity {n} must be a JSON object with type and value")
    kind, value, offset = entity.get("type"), entity.get("value"), entity.get("from", 0)
    if not isinstance(kind, str) or kind not in types:
        near = _nearest(kind, types) if isinstance(kind, str) else None
        hint = f"did you mean {near!r}?" if near else "known: " + ", ".join(sorted(types))
        # shown(): a value pasted where its type belongs is not quoted (review)
        raise PIIError(f"{where}: entity {n}'s type {shown(kind)} is not an entity type; {hint}")
    if not isinstance(value, str) or not value.strip():
        raise PIIError(f"{where}: entity {n}'s value must be a non-empty string")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise PIIError(f"{where}: entity {n}'s `from` must be a non-negative integer")
    start = text.find(value, offset)
    if start < 0:
        raise PIIError(
            f"{where}: entity {n}'s value is not in the text"
            + (f" at or after offset {offset}" if offset else "")
            + "; copy it from the text exactly"
        )
    return Gold(kind, start, start + len(value))


def _nearest(kind: str, types: frozenset[str]) -> str | None:
    """The type `kind` was likely meant as: in other case, shortened (`EMAIL`, `PHONE`),
    or misspelt."""
    wanted = kind.upper()
    if wanted in types:
        return wanted
    shortened = [t for t in sorted(types) if wanted and t.startswith(wanted)]
    if len(shortened) == 1:
        return shortened[0]
    near = difflib.get_close_matches(wanted, sorted(types), n=1, cutoff=0.6)
    return near[0] if near else None


def evaluate(detector: Detector, items: Sequence[LabelledText], *, mode: str = "") -> PIIEvalReport:
    splits: dict[str, Group] = defaultdict(Group)
    families: dict[str, Group] = defaultdict(Group)
    family_split: dict[str, str] = {}
    for item in items:
        found = detector.detect(item.text)
        family_split[item.family] = item.split
        for group in (splits[item.split], families[item.family]):
            _score(item, found, group)
    return PIIEvalReport(mode, dict(splits), dict(families), family_split)


def _covered(text: str, gold: Gold, spans: list[Finding]) -> bool:
    return all(
        any(f.start <= i < f.end for f in spans)
        for i in range(gold.start, gold.end)
        if not text[i].isspace()
    )


def _score(item: LabelledText, found: list[Finding], group: Group) -> None:
    group.items += 1
    if item.lookalike:
        group.lookalikes += 1
        group.lookalikes_untouched += not found
    for gold in item.entities:
        counts = group.by_type[gold.type]
        counts.gold += 1
        same = [f for f in found if f.entity_type == gold.type]
        if _covered(item.text, gold, same):
            counts.found += 1
        else:
            group.misses.append(f"{item.id}: {gold.type} {item.text[gold.start : gold.end]!r}")
    for f in found:
        counts = group.by_type[f.entity_type]
        counts.detected += 1
        if any(
            g.type == f.entity_type and f.start < g.end and g.start < f.end for g in item.entities
        ):
            counts.correct += 1
        else:
            group.false_positives.append(
                f"{item.id}: {f.entity_type} {item.text[f.start : f.end]!r} ({f.recognizer})"
            )


# --- rendering -------------------------------------------------------------------------


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_markdown(report: PIIEvalReport, *, details: bool = False) -> str:
    """Per split: one row per entity type, then names / other types / all; then families."""
    lines = [f"PII detection, mode `{report.mode}`", ""]
    for split in sorted(report.splits, key=lambda s: (s != "heldout", s)):
        group = report.splits[split]
        lines += [f"### {split} ({group.items} texts)", "",
                  "| entity type | labelled | found | recall | detections | precision |",
                  "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
        rows = sorted(group.by_type.items())
        rows += [("names (PERSON, LOCATION)", group.names),
                 ("other types", group.other_types), ("all", group.total())]  # fmt: skip
        for kind, c in rows:
            lines.append(f"| {kind} | {c.gold} | {c.found} | {_ratio(c.recall)} | "
                         f"{c.detected} | {_ratio(c.precision)} |")  # fmt: skip
        lines += ["", f"Numeric look-alikes left untouched: {group.lookalikes_untouched} / "
                      f"{group.lookalikes} ({_ratio(group.untouched)})", ""]  # fmt: skip
    lines += [
        "### by source family",
        "",
        "| family | split | texts | recall names | recall other | precision "
        "| look-alikes untouched |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for family, group in sorted(report.families.items()):
        lines.append(
            f"| {family} | {report.family_split[family]} | {group.items} | "
            f"{_ratio(group.names.recall)} | {_ratio(group.other_types.recall)} | "
            f"{_ratio(group.total().precision)} | {_ratio(group.untouched)} |"
        )
    if details:
        for split, group in sorted(report.splits.items()):
            lines += ["", f"misses ({split}):", *(f"- {m}" for m in group.misses)]
            lines += ["", f"false positives ({split}):", *(f"- {m}" for m in group.false_positives)]
    return "\n".join(lines)


def report_json(report: PIIEvalReport) -> dict[str, object]:
    def group_json(group: Group) -> dict[str, object]:
        return {
            "items": group.items,
            "by_type": {
                k: {
                    "labelled": c.gold,
                    "found": c.found,
                    "recall": c.recall,
                    "detections": c.detected,
                    "precision": c.precision,
                }
                for k, c in sorted(group.by_type.items())
            },
            "recall_names": group.names.recall,
            "recall_other_types": group.other_types.recall,
            "precision": group.total().precision,
            "lookalikes_untouched": group.untouched,
            "misses": group.misses,
            "false_positives": group.false_positives,
        }

    return {
        "mode": report.mode,
        "splits": {k: group_json(g) for k, g in sorted(report.splits.items())},
        "families": {
            k: {"split": report.family_split[k], **group_json(g)}
            for k, g in sorted(report.families.items())
        },
    }
