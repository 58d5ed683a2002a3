"""Round 49's development set: XSTest v2's model completions with their human labels
(paul-rottger/exaggerated-safety, CC BY 4.0; five models' answers to 450 prompts each,
labelled full compliance, full refusal or partial refusal by two annotators), read from the
fetched repository as `bench.external_eval` reads its sets.

    python policies/signals/experiments/r49/dev_answers.py [--guard [--without-refusal]]

Prints, per label and prompt kind (safe / unsafe prompt), how many answers the refusal
reading calls a refusal, and with --guard how many the shipped guard withholds at the
output stage.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from bench.external_eval import _git  # noqa: E402

REPO = "paul-rottger/exaggerated-safety"
COMMIT = "d7bb5bd"
MODELS = ("gpt4", "llama2new", "llama2orig", "mistralguard", "mistralinstruct")


def answers() -> list[dict[str, str]]:
    """Every completion with its model, label and prompt type (`contrast_*` = unsafe)."""
    rows = []
    for model in MODELS:
        text = _git(REPO, "show", f"{COMMIT}:model_completions/xstest_v2_completions_{model}.csv")
        for row in csv.DictReader(io.StringIO(text)):
            row["model"] = model
            rows.append(row)
    return rows


def kind(row: dict[str, str]) -> str:
    return "unsafe" if row["type"].startswith("contrast") else "safe"


def main(argv: list[str]) -> None:
    from charter.signals.refusal import cues

    reading = cues()

    guard = None
    if "--guard" in argv:
        from charter.config import Settings
        from charter.guard import Charter
        from charter.signals import SignalSet, default_signals

        signals = default_signals()
        if "--without-refusal" in argv:  # the guard as it was before round 49
            signals = SignalSet([s for s in signals.signals if s.name != "refusal"])
        settings = Settings.build({"pii_mode": "off", "audit": False, "telemetry": False})
        guard = Charter(settings, signals=signals)
    seen: Counter[tuple[str, str]] = Counter()
    read: Counter[tuple[str, str]] = Counter()
    opened: Counter[tuple[str, str]] = Counter()
    withheld: Counter[tuple[str, str]] = Counter()
    for row in answers():
        key = (row["final_label"], kind(row))
        seen[key] += 1
        read[key] += reading.is_refusal(row["completion"])
        opened[key] += reading.opens_with_refusal(row["completion"])
        if guard is not None:
            decision = guard.check(row["completion"], stage="output", provider="openai")
            withheld[key] += decision.action.value in ("deny", "require_approval")
    for key in sorted(seen):
        extra = f", withheld {withheld[key]}" if guard is not None else ""
        print(
            f"{key[0]:18s} {key[1]:6s} {seen[key]:4d}: opens with a refusal {opened[key]}, "
            f"read as refusal {read[key]}{extra}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
