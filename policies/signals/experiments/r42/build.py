"""Round 42's data: real Turkish prompts with a format (maths word problems, multiple
choice, passages with a question) a helper gathered (`fetch_tr_formats.py`, verbatim from
four public repositories, `data/SOURCES-helper.md`), deduplicated as rounds 24-40 did, and
their attack twins built as round 41 built the English ones, from Turkish training attacks.

    python policies/signals/experiments/r42/fetch_tr_formats.py  # -> /work/r42data/...
    python policies/signals/experiments/r42/build.py [IN]  # -> data/tr_formats.jsonl and
                                                            #    data/tr_format_attacks.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "r24"))
sys.path.insert(1, str(HERE.parent / "r41"))  # after r24: its build is the one imported

from build import dedupe_file  # type: ignore[import-not-found]  # noqa: E402 - round 24's dedupe
from twins import write  # type: ignore[import-not-found]  # noqa: E402 - round 41's composer

IN = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/r42data/tr_formats.jsonl")
OUT = HERE / "data" / "tr_formats.jsonl"
TWINS = HERE / "data" / "tr_format_attacks.jsonl"


def main() -> int:
    seen = [
        *(HERE.parent / "r36" / "data").glob("*.jsonl"),
        HERE.parent / "r39" / "data" / "tr_everyday.jsonl",
        HERE.parent / "r40" / "data" / "formats.jsonl",
    ]
    print(json.dumps(dedupe_file(IN, OUT, seen), indent=1))
    print(write(OUT, TWINS, lang="tr", seed=42, prefix="r42-trfmtatk"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
