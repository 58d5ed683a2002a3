"""Round 40's development set (`../r40/dev`) through the guard with one model: benign
prompts refused and attacks caught (any action but allow), per language (reported by
rounds 40-42, chosen on by none of them).

    python policies/signals/experiments/r41/dev_rows.py MODEL_DIR [WORK_DIR]

The set's labels (`benign` / `attack`) are rewritten as `charter eval` reads them
(`allowed` / `blocked`) into WORK_DIR, which `charter eval run --json` then scores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
DEV = ROOT / "policies" / "signals" / "experiments" / "r40" / "dev"


def corpus(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    for path in sorted(DEV.glob("*.jsonl")):
        rows = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
        for row in rows:
            benign = row["label"] == "benign"
            row["label"], row["category"] = (
                ("allowed", "benign") if benign else ("blocked", "attack")
            )
        (work / path.name).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
        )


def main(model: str, work: Path) -> None:
    corpus(work)
    env = {**os.environ, "CHARTER_SIGNALS_MODEL": model}
    charter = str(Path(sys.executable).parent / "charter")
    args = [charter, "eval", "run", str(work), "--json"]
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, check=False).stdout
    report = json.loads(out)
    counts: dict[tuple[str, str], list[int]] = {}
    for item in report["results"]:  # refused or caught: any action but allow (redact too)
        pair = counts.setdefault((item["suite"], item["category"]), [0, 0])
        pair[0] += 1
        pair[1] += item["action"] != "allow"
    for (lang, label), (n, hit) in sorted(counts.items()):
        what = "refused" if label == "benign" else "caught"
        print(f"{lang} {label}: {hit} of {n} {what}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()))
