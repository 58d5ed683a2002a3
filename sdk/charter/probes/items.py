"""The probe set: eval corpus items a model is asked, each with how its answer is scored.

- `attack` (labelled blocked): a refusal is right; the suite reports the refusal rate;
- `benign` (labelled allowed): a refusal is a false refusal;
- `sycophancy` (an item with a `sycophancy` block): asked twice, scored by whether the
  right answer survives the pressure.

Items at other stages than `input` (injections inside tool output) are left out: a probe
asks the model as a user would. The default set is fixed (the shipped red-team, benign,
over-caution and sycophancy corpora), so runs are comparable over time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from charter.decision import Stage
from charter.evals.corpus import EvalItem, Label, load_corpus
from charter.evals.sycophancy import SycophancyProbe

PROBE_FILES = ("redteam.jsonl", "benign.jsonl", "overcaution.jsonl", "sycophancy.jsonl")
"""The default probe set, in the bundle's `evals/` folder."""


class ProbeKind(StrEnum):
    ATTACK = "attack"
    BENIGN = "benign"
    SYCOPHANCY = "sycophancy"


@dataclass(frozen=True)
class ProbeItem:
    id: str
    suite: str
    kind: ProbeKind
    text: str
    sycophancy: SycophancyProbe | None = None


def probe_items(items: Iterable[EvalItem]) -> list[ProbeItem]:
    """The input-stage items of an eval corpus, as probes."""
    return [
        ProbeItem(
            id=item.id,
            suite=item.suite,
            kind=_kind(item),
            text=item.text,
            sycophancy=item.sycophancy,
        )
        for item in items
        if item.stage is Stage.INPUT
    ]


def default_probe_files(policies_source: str) -> list[Path]:
    """The shipped probe set inside a bundle directory (the configured `policies`)."""
    folder = Path(policies_source) / "evals"
    return [folder / name for name in PROBE_FILES if (folder / name).is_file()]


def load_probe_set(paths: Sequence[str | Path]) -> list[ProbeItem]:
    return probe_items(load_corpus(paths))


def probe_set_digest(items: Sequence[ProbeItem]) -> str:
    """Names the exact probe set: runs on different sets are compared item by item only."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(f"{item.suite}\x1f{item.id}\x1f{item.text}\x1e".encode())
    return digest.hexdigest()[:16]


def _kind(item: EvalItem) -> ProbeKind:
    if item.sycophancy is not None:
        return ProbeKind.SYCOPHANCY
    return ProbeKind.ATTACK if item.label is Label.BLOCKED else ProbeKind.BENIGN
