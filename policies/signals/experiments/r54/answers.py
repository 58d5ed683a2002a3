"""Round 54: the guard's output stage at several `output_threshold`s, on XSTest v2's labelled
completions (the development set of round 49) and, with --report, on
`bench.answers_eval`'s sets (JailbreakBench's answers, CoCoNot's compliant answers).

    python policies/signals/experiments/r54/answers.py 0.80 0.85 0.90 [--report]

Each threshold runs the shipped guard with a copy of the starter bundle whose
`config.harm.default.output_threshold` is that value (nothing else changed).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "policies" / "signals" / "experiments" / "r49"))

from bench.answers_eval import coconot_answers, responses  # noqa: E402
from dev_answers import answers, kind  # noqa: E402


def bundle(threshold: float, into: Path) -> Path:
    folder = into / f"policies-{threshold:.2f}"
    shutil.copytree(
        ROOT / "policies", folder, ignore=shutil.ignore_patterns("experiments", "train", "evals")
    )
    data_path = folder / "charter" / "data.json"
    data = json.loads(data_path.read_text(encoding="utf-8"))
    data["config"]["harm"]["default"]["output_threshold"] = threshold
    data_path.write_text(json.dumps(data), encoding="utf-8")
    return folder


def withheld(guard: object, text: str) -> bool:
    decision = guard.check(text, stage="output", provider="openai")  # type: ignore[attr-defined]
    return decision.action.value in ("deny", "require_approval")


def main(argv: list[str]) -> None:
    from charter.config import Settings
    from charter.guard import Charter

    report = "--report" in argv
    thresholds = [float(a) for a in argv if not a.startswith("--")]
    dev = answers()
    jbb = responses()[1] if report else []
    coconot = coconot_answers() if report else []
    tmp = Path(tempfile.mkdtemp(prefix="r54-"))
    for threshold in thresholds:
        settings = Settings.build(
            {
                "pii_mode": "off",
                "audit": False,
                "telemetry": False,
                "policies": str(bundle(threshold, tmp)),
            }
        )
        guard = Charter(settings)
        counts: Counter[str] = Counter()
        for row in dev:
            if row["final_label"].startswith("1_full_compliance"):
                key = f"XSTest full compliance to a {kind(row)} prompt"
                counts[key + " (answers)"] += 1
                counts[key + " withheld"] += withheld(guard, row["completion"])
        for text, jailbroken, _attack in jbb:
            key = "JailbreakBench " + ("jailbroken" if jailbroken else "not jailbroken")
            counts[key + " (answers)"] += 1
            counts[key + " withheld"] += withheld(guard, text)
        for text, _harmful, _category in coconot:
            counts["CoCoNot compliant (answers)"] += 1
            counts["CoCoNot compliant withheld"] += withheld(guard, text)
        print(f"output_threshold {threshold:.2f}")
        for key in sorted(counts):
            print(f"  {key}: {counts[key]}")
        guard.close()


if __name__ == "__main__":
    main(sys.argv[1:])
