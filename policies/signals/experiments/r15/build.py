"""Round 15's data: the helpers' look-alikes, minus any that overlap a report text.

    python policies/signals/experiments/r15/build.py HELPER_DIR... OUT_DIR

Reads every `*_lookalike_*.jsonl` in the helper folders and writes the items into OUT_DIR
under the same file names, with round 12's overlap check (`r12/build.py`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "r12"))

from build import build

if __name__ == "__main__":
    *sources, out = (Path(a) for a in sys.argv[1:])
    print(json.dumps(build(sources, out, pattern="*_lookalike_*.jsonl")))
