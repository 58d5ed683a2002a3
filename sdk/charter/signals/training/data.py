"""Training items and labels: what the classifier learns from the sets in git.

Every item has an id (sorted: the order never depends on the file system), a text, the
labels it is positive for (none for benign items), its source family and language.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.base import SignalError
from charter.signals.model import ANY_HARM, HARM_PREFIX

HARM_CATEGORIES = (
    "violent_crimes",
    "nonviolent_crimes",
    "sex_crimes",
    "child_exploitation",
    "defamation",
    "specialized_advice",
    "privacy",
    "intellectual_property",
    "indiscriminate_weapons",
    "hate",
    "self_harm",
    "sexual_content",
    "elections",
    "code_interpreter_abuse",
)
"""MLCommons AILuminate / Llama Guard 3 hazard categories S1-S14, in that order."""
LABELS = (
    "jailbreak",
    "prompt_injection",
    *(HARM_PREFIX + c for c in HARM_CATEGORIES),
    ANY_HARM,
)
LOOKALIKE_WEIGHT = 2.0
"""Benign look-alikes ("kill a Python process") count double: false refusals hurt."""


@dataclass(frozen=True)
class TrainItem:
    id: str
    text: str
    targets: tuple[str, ...]
    """Labels this item is positive for; empty for benign items."""
    family: str
    lang: str
    weight: float = 1.0
    stage: str = ""
    """Where the text occurs when the set says so (`tool_result`: what a tool returned)."""


def targets_of(raw: dict[str, Any]) -> tuple[str, ...] | None:
    """Labels an item is positive for; None for items the classifier does not learn
    (forbidden topics, personal data: the policy's other rules handle those)."""
    label = str(raw.get("label", "")).lower()
    category = str(raw.get("category", ""))
    if label in {"benign", "allowed"}:
        return ()
    found: list[str] = []
    if category in ("jailbreak", "prompt_injection"):
        found.append(category)
    elif category in HARM_CATEGORIES:
        found.append(HARM_PREFIX + category)
    else:
        return None
    harm = raw.get("harm")
    if isinstance(harm, str) and harm in HARM_CATEGORIES:
        found.append(HARM_PREFIX + harm)
    return tuple(dict.fromkeys(found))


def load_items(
    paths: Iterable[Path], lookalike_weight: float = LOOKALIKE_WEIGHT
) -> list[TrainItem]:
    """Training items from JSON-lines files (policies/signals/train/*.jsonl), sorted by id."""
    items: dict[str, TrainItem] = {}
    for path in sorted(paths):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                text = raw["text"]
                item_id = str(raw["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise SignalError(f"{path}:{number}: not a training item ({exc})") from None
            targets = targets_of(raw)
            if targets is None or not isinstance(text, str) or not text.strip():
                continue
            if item_id in items:
                raise SignalError(f"{path}:{number}: id {item_id!r} is used twice")
            weight = lookalike_weight if raw.get("subcategory") == "lookalike" else 1.0
            items[item_id] = TrainItem(
                id=item_id,
                text=text,
                targets=targets,
                family=str(raw.get("family", "unknown")),
                lang=str(raw.get("lang", "en")),
                weight=weight,
                stage=str(raw.get("stage", "")),
            )
    return [items[k] for k in sorted(items)]


def target_matrix(items: Sequence[TrainItem]) -> npt.NDArray[np.float64]:
    """Items x LABELS, 1 where positive; every harm category also sets the `harm` head."""
    targets = np.zeros((len(items), len(LABELS)), dtype=np.float64)
    for row, item in enumerate(items):
        for label in item.targets:
            targets[row, LABELS.index(label)] = 1.0
            if label.startswith(HARM_PREFIX):
                targets[row, LABELS.index(ANY_HARM)] = 1.0
    return targets


def label_weights(
    targets: npt.NDArray[np.float64], base: npt.NDArray[np.float64], cap: float
) -> npt.NDArray[np.float64]:
    """Per item and label: positives of rare labels weigh more (up to `cap`), so fourteen
    small harm categories are not drowned by the benign majority."""
    pos = targets.sum(axis=0)
    neg = len(targets) - pos
    boost = np.where(pos > 0, np.minimum(cap, np.maximum(1.0, 0.5 * neg / np.maximum(pos, 1))), 1.0)
    return base[:, None] * np.where(targets > 0, boost[None, :], 1.0)


def training_record(items: Sequence[TrainItem]) -> dict[str, Any]:
    """What the artifact was trained on: families, counts per family, label and language."""
    families = Counter(i.family for i in items)
    labels = Counter(t for i in items for t in (i.targets or ("benign",)))
    langs = Counter(i.lang for i in items)
    return {
        "items": len(items),
        "families": sorted(families),
        "per_family": dict(sorted(families.items())),
        "per_label": dict(sorted(labels.items())),
        "per_lang": dict(sorted(langs.items())),
    }


def sources_table(items: Sequence[TrainItem]) -> str:
    """Markdown: items per family and language, attacks vs benign (for SOURCES/README)."""
    rows: dict[tuple[str, str], list[int]] = {}
    for item in items:
        counts = rows.setdefault((item.family, item.lang), [0, 0])
        counts[0 if item.targets else 1] += 1
    lines = ["| family | lang | attacks | benign |", "|---|---|---:|---:|"]
    for (family, lang), (attacks, benign) in sorted(rows.items()):
        lines.append(f"| {family} | {lang} | {attacks} | {benign} |")
    total_a = sum(v[0] for v in rows.values())
    total_b = sum(v[1] for v in rows.values())
    lines.append(f"| **total** | | **{total_a}** | **{total_b}** |")
    return "\n".join(lines)
