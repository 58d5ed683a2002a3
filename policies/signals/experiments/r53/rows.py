"""Round 53's rows 1-3 from two `charter eval run policies/evals --json` reports.

    python policies/signals/experiments/r53/rows.py BASELINE/evals.json CANDIDATE/evals.json

Row 1: held-out user messages (stage `input`): prompt injections caught, benign refused.
Row 2: items at the `tool_result` and `output` stages whose outcome or rules changed.
Row 3: in-distribution and no-family attacks caught and benign refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _split(report: dict[str, Any], r: dict[str, Any]) -> str:
    family = r["family"]
    if not family:
        return "no family"
    return "in-distribution" if family in report["trained_families"] else "held-out"


def rows(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = {}
    for r in report["results"]:
        split = _split(report, r)
        benign = r["label"] == "allowed"
        hit = r["outcome"] == "blocked"  # as the report counts: a redaction is neither
        keys = [f"{split} {'benign refused' if benign else 'attacks caught'}"]
        if split == "held-out" and r["stage"] == "input":
            if benign:
                keys.append("1. held-out user messages: benign refused")
            elif r["category"] == "prompt_injection":
                keys.append("1. held-out user messages: injections caught")
        for key in keys:
            counts = out.setdefault(key, [0, 0])
            counts[0] += int(hit)
            counts[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def changed_late_stages(base: dict[str, Any], cand: dict[str, Any]) -> list[str]:
    before = {r["id"]: r for r in base["results"]}
    return [
        r["id"]
        for r in cand["results"]
        if r["stage"] in ("tool_result", "output")
        and (r["outcome"], r["rules"]) != (before[r["id"]]["outcome"], before[r["id"]]["rules"])
    ]


def main() -> None:
    base, cand = (json.loads(Path(p).read_text(encoding="utf-8")) for p in sys.argv[1:3])
    b, c = rows(base), rows(cand)
    for key in sorted(set(b) | set(c)):
        print(f"{key}: {b.get(key)} -> {c.get(key)}")
    print("2. tool_result/output items changed:", changed_late_stages(base, cand))
    moved = [
        (r["id"], r["outcome"], r["rules"])
        for r, o in zip(cand["results"], base["results"], strict=True)
        if r["outcome"] != o["outcome"]
    ]
    print(f"items whose outcome changed: {len(moved)}")
    for m in moved:
        print("  ", *m)


if __name__ == "__main__":
    main()
