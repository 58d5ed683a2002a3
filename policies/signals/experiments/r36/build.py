"""Round 36's data: what people really ask an assistant (REAL public text), as benign items
for the `input_harm` head (written to data/ beside this script).

    python policies/signals/experiments/r36/build.py

Reads, with `git show <commit>:<path>` from the mirrors under /work/.mirror (or
$CHARTER_MIRROR), at the pinned commits below:

- CLINC150 (clinc/oos-eval, CC BY 3.0; Larson et al. 2019): data/data_full.json, every
  query of every split, in-scope (150 intents: banking, travel, cooking, home, work, small
  talk, ...) and out-of-scope;
- Banking77 (PolyAI-LDN/task-specific-datasets, CC BY 4.0; Casanueva et al. 2020):
  banking_data/train.csv and test.csv, customers' questions to a bank in 77 intents.

Every item is benign (`label: benign`); every fourth is kept (`STEP`). Dropped first, as
round 24 did (its `ReportIndex`): near-duplicates of any report text (policies/evals, the
external, multilingual and taxonomy benchmarks, the long-document attacks, DangerousQA,
CatQA, and the report sets of bench.assistant_commands_eval: HWU64 and SNIPS), and exact
duplicates of a training text or of an earlier item.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "r24"))

from build import (  # type: ignore[import-not-found]  # noqa: E402 - round 24's dedupe
    _git,
    jsonl_line,
    report_index_with_commands,
    screen,
    training_norms,
)

CLINC = ("clinc/oos-eval", "828f8093932c8fe6ca7936c3d2e52903b1c523de", "CC BY 3.0")
BANKING = (
    "PolyAI-LDN/task-specific-datasets",
    "57ec275d8078af65b7731c2a98be812d844a6d6b",
    "CC BY 4.0",
)
OUT = HERE / "data"
STEP = 4
"""Every STEP-th query kept after the drops (in the files' order): 9,104 of 36,413, about
the size of the training set's own benign user messages, so they do not swamp it."""


def clinc() -> list[tuple[str, str]]:
    repo, commit, _ = CLINC
    data = json.loads(_git(repo, "show", f"{commit}:data/data_full.json"))
    return [
        (text, f"data/data_full.json {split} {intent}")
        for split in sorted(data)
        for text, intent in data[split]
    ]


def banking() -> list[tuple[str, str]]:
    repo, commit, _ = BANKING
    rows = []
    for name in ("train.csv", "test.csv"):
        raw = _git(repo, "show", f"{commit}:banking_data/{name}")
        rows += [
            (r["text"], f"banking_data/{name} {r['category']}")
            for r in csv.DictReader(io.StringIO(raw))
        ]
    return rows


def main() -> int:
    index, skipped = report_index_with_commands()
    seen = training_norms()
    OUT.mkdir(exist_ok=True)
    summary = {}
    for (repo, commit, licence), family, prefix, read in (
        (CLINC, "clinc150", "clinc", clinc),
        (BANKING, "banking77", "b77", banking),
    ):
        rows, dropped = [], Counter()
        for n, (text, where) in enumerate(read()):
            text = text.strip()
            if not screen(text, index, seen, dropped):
                continue
            rows.append(
                {
                    "id": f"{prefix}-{n:05d}",
                    "text": text,
                    "lang": "en",
                    "label": "benign",
                    "category": "benign",
                    "family": family,
                    "source": f"{repo}@{commit[:10]} {where} ({licence})",
                }
            )
        kept = rows[::STEP]
        (OUT / f"{family}.jsonl").write_text("".join(jsonl_line(r) for r in kept), "utf-8")
        summary[family] = {"after drops": len(rows), "kept": len(kept), "dropped": dict(dropped)}
    print(json.dumps({**summary, "report sets skipped": skipped}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
