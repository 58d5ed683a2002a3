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

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from charter._jsonl import jsonl_lines
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


def load_labelled(paths: Sequence[str | Path]) -> list[LabelledText]:
    """Labelled texts from JSON-lines files (or directories of `pii*.jsonl`)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files += sorted(path.glob("pii*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise PIIError(f"no PII corpus files in {[str(p) for p in paths]}")
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
            item = _parse(line, f"{path}:{number}")
            if item.id in seen:
                raise PIIError(f"{path}:{number}: duplicate id {item.id!r}")
            seen.add(item.id)
            items.append(item)
    return items


def _parse(line: str, where: str) -> LabelledText:
    try:
        raw = json.loads(line)
        text = raw["text"]
        entities = []
        for entity in raw.get("entities", []):
            value, kind = entity["value"], entity["type"]
            start = text.find(value, int(entity.get("from", 0)))
            if start < 0:
                raise PIIError(f"{where}: value {value!r} is not in the text")
            entities.append(Gold(kind, start, start + len(value)))
        lookalike = raw.get("lookalike", False)
        if not isinstance(lookalike, bool):  # bool("false") is True (found by probing)
            raise PIIError(f"{where}: `lookalike` must be true or false (a JSON boolean)")
        return LabelledText(
            id=str(raw["id"]), text=text, entities=tuple(entities),
            family=str(raw.get("family", "default")), split=str(raw.get("split", "dev")),
            lang=str(raw.get("lang", "")), lookalike=lookalike,
        )  # fmt: skip
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise PIIError(
            f"{where}: not a labelled PII item ({type(exc).__name__}: {exc}); each line "
            "needs a JSON object with text and spans"
        ) from None


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
