"""`charter signals train` with another weight on the benign look-alikes (round 48).

    python policies/signals/experiments/r48/train.py WEIGHT [charter signals train options]

The trainer counts items marked `subcategory: lookalike` (benign texts that share an
attack's alarming words: "kill a Python process") `LOOKALIKE_WEIGHT` times (2) in both
stages' losses. This runs the same command with that weight set to WEIGHT; nothing else
differs (the weight reaches both stages through the items, stage 1's spawned child too).
"""

from __future__ import annotations

import sys

from charter.signals.training import data


def main(argv: list[str]) -> None:
    weight = float(argv[0])
    data.load_items.__defaults__ = (weight,)
    from charter.cli.signals import app

    app(["train", *argv[1:]])


if __name__ == "__main__":
    main(sys.argv[1:])
