"""Round 40's data: benign prompts with a format (word problems, multiple choice, passages
with a question, coding and writing tasks) a helper gathered (`fetch_formats.py`, verbatim
from eight public repositories, `data/SOURCES-helper.md`), with near-duplicates of every
report text and exact duplicates of a training text (and of rounds 36 and 39's data)
dropped as rounds 24, 36 and 39 did.

    python policies/signals/experiments/r40/fetch_formats.py    # -> /work/r40data/formats.jsonl
    python policies/signals/experiments/r40/build.py [IN]       # -> data/formats.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "r24"))

from build import (  # type: ignore[import-not-found]  # noqa: E402 - round 24's dedupe
    ReportIndex,
    jsonl_line,
    normalize,
    report_sets,
    training_norms,
)

IN = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/r40data/formats.jsonl")
OUT = HERE / "data" / "formats.jsonl"


def main() -> int:
    from bench.assistant_commands_eval import DATASETS as COMMANDS
    from bench.external_eval import load

    sets, _where, skipped = report_sets()
    for dataset in COMMANDS:
        sets[f"bench.assistant_commands_eval: {dataset.name}"] = [p.text for p in load(dataset)[1]]
    index = ReportIndex(sets)
    seen = training_norms()
    extras = [*(HERE.parent / "r36" / "data").glob("*.jsonl"), HERE.parent / "r39" / "data" / "tr_everyday.jsonl"]
    for extra in sorted(extras):
        seen |= {normalize(json.loads(x)["text"]) for x in extra.read_text("utf-8").splitlines()}
    kept, dropped = [], Counter()
    for line in IN.read_text("utf-8").splitlines():
        item = json.loads(line)
        norm = normalize(item["text"])
        if not norm or norm in seen:
            dropped["duplicate"] += 1
            continue
        hits = index.matches(norm, long_template=False)
        if hits:
            dropped["near a report text: " + ", ".join(sorted(hits))] += 1
            continue
        seen.add(norm)
        kept.append(item)
    OUT.write_text("".join(jsonl_line(r) for r in kept), "utf-8")
    print(json.dumps({"read": len(kept) + sum(dropped.values()), "kept": len(kept),
                      "dropped": dict(dropped), "report sets skipped": skipped}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
