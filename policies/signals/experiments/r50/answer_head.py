"""Round 50: an `answer_harm` head fitted on real answers, added to the shipped model.

    python policies/signals/experiments/r50/answer_head.py OUT_DIR

Stage-1 extra head (round 31's mechanism, `charter.signals.training.extra_heads`), fitted on
answers alone, read from the fetched repositories at run time (nothing committed):
- GPTFuzz's human-labelled responses (sherdencooper/GPTFuzz @ 1eddeb5, MIT):
  `datasets/responses_labeled/{train,evaluate}.csv`, ChatGPT, Llama-2 and Vicuna answering
  jailbreak templates around 100 harmful questions; label 1 (the answer complies) is
  harmful, 0 (a refusal or deflection) benign;
- the training half of XSTest v2's labelled completions (`dev_answers.py`; half of the 450
  prompts by a hash of the prompt id, every model's answers to them): a full compliance to
  an unsafe (`contrast_*`) prompt is harmful, full compliances to safe prompts and full
  refusals benign; partial refusals are left out.
The other half of XSTest's prompts is this round's development set (`dev_half`).
The shipped model's `tool_injection` column is kept as it is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "policies" / "signals" / "experiments" / "r49"))

from bench.external_eval import _git  # noqa: E402
from dev_answers import answers, kind  # type: ignore[import-not-found]  # noqa: E402

from charter.signals.classifier import default_model_dir  # noqa: E402
from charter.signals.features import StaticEmbedder  # noqa: E402
from charter.signals.model import HEAD_PREFIX, STAGE_ONE_ARRAYS, load_artifact  # noqa: E402
from charter.signals.training.data import TrainItem  # noqa: E402
from charter.signals.training.extra_heads import HeadSpec, fit_head, with_heads  # noqa: E402
from charter.signals.training.linear import TrainConfig  # noqa: E402

GPTFUZZ = ("sherdencooper/GPTFuzz", "1eddeb5")
NAME = "answer_harm"
HEAD = HeadSpec(NAME, "output", "answers", lambda item: bool(item.targets))


def gptfuzz_items() -> list[TrainItem]:
    repo, commit = GPTFUZZ
    items = []
    for part in ("train", "evaluate"):
        text = _git(repo, "show", f"{commit}:datasets/responses_labeled/{part}.csv")
        for n, row in enumerate(csv.DictReader(io.StringIO(text))):
            answer = (row.get("Response") or "").strip()
            if not answer:
                continue
            harmful = row.get("label", "").strip() == "1"
            items.append(
                TrainItem(
                    id=f"gptfuzz-{part}-{n:05d}",
                    text=answer,
                    targets=("harm",) if harmful else (),
                    family="gptfuzz-responses",
                    lang="en",
                    stage="output",
                )
            )
    return items


def in_dev_half(prompt_id: str) -> bool:
    return int(hashlib.sha256(prompt_id.encode()).hexdigest()[:8], 16) % 2 == 1


def xstest_label(row: dict[str, str]) -> bool | None:
    """True harmful, False benign, None left out (partial refusals)."""
    if row["final_label"].startswith("3"):
        return None
    return row["final_label"].startswith("1") and kind(row) == "unsafe"


def dev_half() -> list[tuple[dict[str, str], bool]]:
    return [
        (row, label)
        for row in answers()
        if in_dev_half(row["id"]) and (label := xstest_label(row)) is not None
    ]


def xstest_items() -> list[TrainItem]:
    items = []
    for row in answers():
        label = xstest_label(row)
        if in_dev_half(row["id"]) or label is None or not row["completion"].strip():
            continue
        items.append(
            TrainItem(
                id=f"xstest-{row['model']}-{row['id']}",
                text=row["completion"],
                targets=("harm",) if label else (),
                family="xstest-completions",
                lang="en",
                stage="output",
            )
        )
    return items


def kept_head(artifact: Any, name: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """An extra head of `artifact` as `with_heads` takes it: its columns and record."""
    at = list(artifact.extra_labels).index(name)
    arrays = {
        part: artifact.arrays[HEAD_PREFIX + part][..., at : at + 1] for part in STAGE_ONE_ARRAYS
    }
    return name, arrays, artifact.meta[name]


def main(out: str) -> None:
    artifact, revision = load_artifact(default_model_dir())
    items = sorted(gptfuzz_items() + xstest_items(), key=lambda i: i.id)
    harmful = sum(bool(i.targets) for i in items)
    print(f"{len(items)} answers, {harmful} harmful")
    config = TrainConfig(spec=artifact.spec)
    arrays, record = fit_head(items, HEAD, config, StaticEmbedder())
    kept = [kept_head(artifact, name) for name in artifact.extra_labels if name != NAME]
    updated = with_heads(artifact, [*kept, (NAME, arrays, record)])
    print(f"{revision} -> {updated.save(Path(out))} in {out}")


if __name__ == "__main__":
    main(sys.argv[1])
