"""Round 41's data: attacks in the shapes of round 40's benign formats.

Round 40's real formatted prompts (word problems, multiple choice, passages with a
question, writing and coding tasks) taught their *shape* as benign, so attacks hidden in
long documents passed. Here every other formatted prompt (seeded, 1,065 of 2,131) gets an
attack twin from an English harmful request or prompt injection of the committed training
set (`twins.py`: before, after or in the middle of the prompt, a third each).

    python policies/signals/experiments/r41/build.py    # -> data/format_attacks.jsonl
"""

from __future__ import annotations

from pathlib import Path

from twins import write  # type: ignore[import-not-found]  # beside this file

HERE = Path(__file__).resolve().parent
FORMATS = HERE.parent / "r40" / "data" / "formats.jsonl"
OUT = HERE / "data" / "format_attacks.jsonl"


def main() -> int:
    print(write(FORMATS, OUT, lang="en", seed=41, prefix="r41-fmtatk"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
