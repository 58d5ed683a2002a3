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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "r24"))

from build import dedupe_file  # type: ignore[import-not-found]  # noqa: E402 - round 24's dedupe

IN = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/r40data/formats.jsonl")
OUT = HERE / "data" / "formats.jsonl"


def main() -> int:
    seen = [
        *(HERE.parent / "r36" / "data").glob("*.jsonl"),
        HERE.parent / "r39" / "data" / "tr_everyday.jsonl",
    ]
    print(json.dumps(dedupe_file(IN, OUT, seen), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
