"""How well each model *ranks* the fresh sets of round 44, whatever the thresholds: round
43's measure (`../r43/ranking.py`: the classifier alone, a text's score the highest raw
probability of the jailbreak, prompt_injection and harm heads) with HarmfulQA and the
GPTFuzz questions as attacks and PHTest's harmless prompts and OKTest as benign.

    python policies/signals/experiments/r45/fresh_ranking.py MODEL_DIR [MODEL_DIR ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "policies" / "signals" / "experiments" / "r43"))

from bench.external_eval import load  # noqa: E402
from bench.fresh_eval import DATASETS  # noqa: E402
from ranking import rank  # type: ignore[import-not-found]  # noqa: E402 - round 43's


def fresh_rows() -> list[tuple[str, bool]]:
    """(text, is attack) for every prompt of `bench.fresh_eval`'s sets, in their order."""
    return [(p.text, p.attack) for d in DATASETS for p in load(d)[1]]


def main(models: list[str]) -> None:
    rows = fresh_rows()
    print(f"{len(rows)} fresh prompts, {sum(y for _, y in rows)} attacks")
    rank(rows, models)


if __name__ == "__main__":
    main(sys.argv[1:])
