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

from bench.external_eval import _git  # noqa: E402

REPO, PATH = "declare-lab/red-instruct", "harmful_questions/dangerousqa.json"

if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    commit = _git(REPO, "rev-parse", "HEAD").strip()
    rows = [
        {"id": f"dangerousqa-{n:03d}", "text": text, "label": "blocked", "category": "harm"}
        for n, text in enumerate(json.loads(_git(REPO, "show", f"{commit}:{PATH}")))
    ]
    (out / "dangerousqa.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    print(f"{len(rows)} questions from {REPO}@{commit[:12]} -> {out / 'dangerousqa.jsonl'}")
