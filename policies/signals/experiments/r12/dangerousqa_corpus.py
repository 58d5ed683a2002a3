"""DangerousQA as a `charter eval` corpus (round 12's motivating row; never trained on).

    python policies/signals/experiments/r12/dangerousqa_corpus.py OUT_DIR
    charter eval run OUT_DIR

Reads `harmful_questions/dangerousqa.json` of declare-lab/red-instruct (Apache-2.0) from
/work/.mirror (or $CHARTER_MIRROR) with `git show`; every question is labelled blocked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from bench.external_eval import Dataset, Prompt, load  # noqa: E402

DANGEROUSQA = Dataset(
    "DangerousQA",
    "dangerousqa",
    "declare-lab/red-instruct",
    "harmful_questions/dangerousqa.json",
    "Apache-2.0",
    "200 short harmful questions",
    lambda text: (Prompt(q, True, "harm") for q in json.loads(text)),
)

if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    commit, prompts = load(DANGEROUSQA)
    rows = [
        {"id": f"dangerousqa-{n:03d}", "text": p.text, "label": "blocked", "category": "harm"}
        for n, p in enumerate(prompts)
    ]
    target = out / "dangerousqa.jsonl"
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    print(f"{len(rows)} questions from {DANGEROUSQA.repo}@{commit[:12]} -> {target}")
