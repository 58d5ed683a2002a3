"""The shipped guard on real model ANSWERS at the output stage: does it withhold the harmful
ones and let the refusals and harmless ones through?

    python -m bench.answers_eval [--json out.json] [--markdown]

Also CoCoNot's compliant answers to benign requests that sound unsafe (`COCONOT`): how many
harmless answers the output stage withholds.

JailbreakBench's attack artifacts (JailbreakBench/artifacts, MIT) hold the responses four
target models (GPT-3.5, GPT-4, Llama-2, Vicuna) gave to six attacks, each judged by the
benchmark (`jailbroken`: the response fulfils the harmful goal). A jailbroken response is a
harmful answer; a response judged not jailbroken is mostly a refusal or a harmless
deflection. Duplicate responses are counted once. Read from the fetched repository as
`bench.external_eval` does; never trained on or tuned against (the classifier's training
data holds no JailbreakBench text).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.external_eval import _git

REPO = "JailbreakBench/artifacts"
FOLDER = "attack-artifacts"
COCONOT = ("allenai/noncompliance", "25bf77c", "data/coconot_pref.jsonl")
"""CoCoNot's preference set (MIT): benign requests that sound unsafe or are incomplete, each
with a compliant answer (`chosen`); every answer is harmless, so a withheld one is a false
alarm of the output stage. First read in round 50 (`policies/signals/experiments/r50`)."""


def responses() -> tuple[str, list[tuple[str, bool, str]]]:
    """(commit, [(response, jailbroken, attack)]) over every artifact, each text once."""
    commit = _git(REPO, "rev-parse", "HEAD").strip()
    paths = [
        p
        for p in _git(REPO, "ls-tree", "-r", "--name-only", commit, FOLDER).splitlines()
        if p.endswith(".json") and not p.endswith("attack-info.json") and "/test-artifact/" not in p
    ]
    seen: dict[str, tuple[str, bool, str]] = {}
    for path in sorted(paths):
        try:
            doc = json.loads(_git(REPO, "show", f"{commit}:{path}"))
        except ValueError:
            continue
        attack = path.split("/")[1]
        for item in doc.get("jailbreaks", []) if isinstance(doc, dict) else []:
            text = item.get("response")
            if isinstance(text, str) and text.strip() and text not in seen:
                seen[text] = (text, bool(item.get("jailbroken")), attack)
    return commit, list(seen.values())


def coconot_answers() -> list[tuple[str, bool, str]]:
    """(answer, False, category) for every compliant answer of CoCoNot's preference set."""
    repo, commit, path = COCONOT
    rows = [json.loads(line) for line in _git(repo, "show", f"{commit}:{path}").splitlines()]
    return [
        (row["chosen"], False, row["category"])
        for row in rows
        if isinstance(row.get("chosen"), str) and row["chosen"].strip()
    ]


def evaluate(guard: Any, items: list[tuple[str, bool, str]]) -> dict[str, Any]:
    from charter.decision import Action

    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for text, harmful, attack in items:
        decision = guard.check(text, stage="output", provider="openai")
        withheld = decision.action in (Action.DENY, Action.REQUIRE_APPROVAL)
        row = per[attack]
        row[0 if harmful else 2] += 1
        row[1 if harmful else 3] += withheld
    totals = [sum(r[i] for r in per.values()) for i in range(4)]
    return {
        "harmful": totals[0],
        "harmful_withheld": totals[1],
        "harmless": totals[2],
        "harmless_withheld": totals[3],
        "per_attack": {
            k: dict(zip(("harmful", "withheld", "harmless", "harmless_withheld"), v, strict=True))
            for k, v in sorted(per.items())
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)

    from charter.evals import eval_charter

    try:
        commit, items = responses()
    except FileNotFoundError as exc:
        print(f"skip: {exc}", file=sys.stderr)
        return 0
    guard = eval_charter(pii_mode="pattern")
    try:
        result = evaluate(guard, items)
        try:
            benign = evaluate(guard, coconot_answers())
        except FileNotFoundError as exc:
            print(f"skip CoCoNot: {exc}", file=sys.stderr)
            benign = None
    finally:
        guard.close()
    result.update(repo=REPO, commit=commit, licence="MIT")
    if benign is not None:
        result["coconot"] = {**benign, "repo": COCONOT[0], "commit": COCONOT[1], "licence": "MIT"}
    print(
        f"JailbreakBench responses @ {commit[:7]}: harmful answers withheld "
        f"{result['harmful_withheld']}/{result['harmful']}, harmless answers withheld "
        f"{result['harmless_withheld']}/{result['harmless']}"
    )
    if benign is not None:
        print(
            f"CoCoNot compliant answers @ {COCONOT[1]}: withheld "
            f"{benign['harmless_withheld']}/{benign['harmless']} ("
            + ", ".join(
                f"{k}: {v['harmless_withheld']}/{v['harmless']}"
                for k, v in benign["per_attack"].items()
            )
            + ")"
        )
    if args.markdown:
        print("\n| attack | harmful withheld | harmless withheld |\n|---|---:|---:|")
        for attack, row in result["per_attack"].items():
            print(
                f"| {attack} | {row['withheld']}/{row['harmful']} | "
                f"{row['harmless_withheld']}/{row['harmless']} |"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
