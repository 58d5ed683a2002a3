"""Round 51's data: CoCoNot's preference-set prompts (allenai/noncompliance @ 25bf77c,
`data/coconot_pref.jsonl`, MIT), requests a model should comply with that sound unsafe
(479), are incomplete (412) or ask for what it cannot do (36), as benign training items.

    python policies/signals/experiments/r51/build.py    # -> data/coconot_pref.jsonl

Screened as rounds 24, 36, 39 and 40 screened theirs (round 24's `screen`: exact duplicates
of a training text, near-duplicates of any report text), with round 44's fresh sets
(`bench.fresh_eval`) added to the report texts.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent / "r24"))

from bench.external_eval import _git, load  # noqa: E402
from build import (  # type: ignore[import-not-found]  # noqa: E402 - round 24's screen
    ReportIndex,
    jsonl_line,
    report_sets,
    screen,
    training_norms,
)

REPO, COMMIT, PATH = "allenai/noncompliance", "25bf77c", "data/coconot_pref.jsonl"
OUT = HERE / "data" / "coconot_pref.jsonl"


def index() -> tuple[ReportIndex, list[str]]:
    from bench.assistant_commands_eval import DATASETS as COMMANDS
    from bench.fresh_eval import DATASETS as FRESH

    sets, _where, skipped = report_sets()
    for dataset in (*COMMANDS, *FRESH):
        sets[f"{dataset.name}"] = [p.text for p in load(dataset)[1]]
    return ReportIndex(sets), skipped


def main() -> int:
    found, skipped = index()
    seen = training_norms()
    kept, dropped = [], Counter[str]()
    for line in _git(REPO, "show", f"{COMMIT}:{PATH}").splitlines():
        row = json.loads(line)
        text = str(row.get("prompt", "")).strip()
        if not screen(text, found, seen, dropped):
            continue
        kept.append(
            {
                "id": f"en-coconot-pref-{row['id']}",
                "text": text,
                "lang": "en",
                "label": "benign",
                "category": "benign",
                "family": "coconot-pref",
                "source": (
                    f"{REPO}@{COMMIT} {PATH} (MIT): CoCoNot's preference set, a request to "
                    f"comply with ({row.get('category')} / {row.get('subcategory')})"
                ),
                "subcategory": "real-contrast",
            }
        )
    OUT.write_text("".join(jsonl_line(r) for r in kept), "utf-8")
    read = len(kept) + sum(dropped.values())
    print(json.dumps({"read": read, "kept": len(kept), "dropped": dropped, "skipped": skipped}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
