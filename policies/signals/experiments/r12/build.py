"""Round 12's data: the helpers' short questions, minus any that overlap a report text.

    python policies/signals/experiments/r12/build.py HELPER_DIR... OUT_DIR

Reads every `*_short_*.jsonl` in the helper folders and writes the items into OUT_DIR under
the same file names, dropping an item that shares 60% of its word trigrams (either way)
with a report text (round 9's `report_texts`), a DangerousQA question or a text of round
11's CatQA calibration set.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent / "r9"))
sys.path.insert(0, str(HERE))

from bench.external_eval import load  # noqa: E402
from build_everyday import GramIndex, report_texts, trigrams  # noqa: E402
from dangerousqa_corpus import DANGEROUSQA  # noqa: E402


def guarded_texts() -> list[str]:
    calibration = HERE.parent / "r11" / "calibration_catqa_en.jsonl"
    return [
        *report_texts(),
        *(p.text for p in load(DANGEROUSQA)[1]),
        *(json.loads(line)["text"] for line in calibration.read_text("utf-8").splitlines()),
    ]


def build(sources: list[Path], out: Path, pattern: str = "*_short_*.jsonl") -> dict[str, int]:
    index = GramIndex([trigrams(t) for t in guarded_texts()])
    counts = {"kept": 0, "dropped": 0}
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for s in sources for p in s.glob(pattern)):
        kept = []
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if index.overlaps(trigrams(row["text"])):
                counts["dropped"] += 1
            else:
                kept.append(json.dumps(row, ensure_ascii=False) + "\n")
        counts["kept"] += len(kept)
        (out / path.name).write_text("".join(kept), "utf-8")
    return counts


if __name__ == "__main__":
    *sources, out = (Path(a) for a in sys.argv[1:])
    print(json.dumps(build(sources, out)))
