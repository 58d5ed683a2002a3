"""Round 39's data: the Turkish everyday questions a helper gathered (`fetch_tr.py`, verbatim
from five public repositories, `data/SOURCES-helper.md`), with near-duplicates of every
report text and exact duplicates of a training text dropped as rounds 24 and 36 did.

    python policies/signals/experiments/r39/fetch_tr.py      # -> /work/r39data/tr_everyday.jsonl
    python policies/signals/experiments/r39/build.py [IN]    # -> data/tr_everyday.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "r24"))

from build import dedupe_file  # type: ignore[import-not-found]  # noqa: E402 - round 24's dedupe

IN = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/r39data/tr_everyday.jsonl")
OUT = HERE / "data" / "tr_everyday.jsonl"


def main() -> int:
    seen = sorted((HERE.parent / "r36" / "data").glob("*.jsonl"))
    print(json.dumps(dedupe_file(IN, OUT, seen), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
