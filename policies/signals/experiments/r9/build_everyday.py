"""Round 9's everyday benign tasks, built deterministically from a fetched repository.

    python policies/signals/experiments/r9/build_everyday.py OUT_DIR

Reads yizhongw/self-instruct (Apache-2.0) from /work/.mirror (or $CHARTER_MIRROR) with
`git show`, as bench.external_eval does:

- `data/seed_tasks.jsonl`: the 175 human-written seed tasks, the instruction with each
  instance's input (family self-instruct-seed);
- `data/finetuning/t0_train_50k/data_per_template/*.jsonl`: P3/promptsource prompts (T0's
  training mixture); 2 prompts of at most 1200 characters per template, drawn with a fixed
  seed, only from datasets whose cards give a permissive licence (family t0-prompts).

Items sharing 60% of their word trigrams (either way) with a text of `policies/evals`, of
the external eval sets, or of MGSM or MultiJail in any language (`bench.multilingual_eval`)
are dropped (reading MultiJail's English column only, as first built, drops the same two).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from bench.external_eval import DATASETS, _git, load  # noqa: E402
from bench.multilingual_eval import DATASETS as MULTILINGUAL  # noqa: E402

REPO = "yizhongw/self-instruct"
T0_DIR = "data/finetuning/t0_train_50k/data_per_template/"
LICENCES = {
    "adversarial_qa": "CC BY-SA 4.0",
    "cosmos_qa": "CC BY 4.0",
    "common_gen": "MIT",
    "cnn_dailymail": "Apache-2.0",
    "duorc": "MIT",
    "wiki_hop": "CC BY-SA 3.0",
    "qasc": "CC BY 4.0",
    "wiki_bio": "CC BY-SA 3.0",
    "kilt_tasks": "MIT",
    "commonsense_qa": "MIT",
    "ropes": "CC BY 4.0",
    "dbpedia_14": "CC BY-SA 3.0",
    "quoref": "CC BY 4.0",
    "quartz": "CC BY 4.0",
    "paws": "PAWS licence (free for any purpose)",
}
PER_TEMPLATE = 2
MAX_CHARS = 1200


def trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def dataset_of(template_file: str) -> str | None:
    name = template_file.rsplit("/", 1)[-1]
    return next((d for d in LICENCES if name.startswith(d)), None)


def seed_items(commit: str) -> list[dict]:
    out = []
    for line in _git(REPO, "show", f"{commit}:data/seed_tasks.jsonl").splitlines():
        task = json.loads(line)
        for k, instance in enumerate(task["instances"]):
            text = task["instruction"].strip()
            if instance.get("input", "").strip():
                text += "\n\n" + instance["input"].strip()
            out.append(
                {
                    "id": f"r9-seed-{task['id'].split('_')[-1]}-{k}",
                    "text": text,
                    "source": f"{REPO}@{commit[:12]} data/seed_tasks.jsonl {task['id']} "
                    "(Apache-2.0)",
                    "family": "self-instruct-seed",
                }
            )
    return out


def t0_items(commit: str, rng: random.Random) -> list[dict]:
    files = _git(REPO, "ls-tree", "-r", "--name-only", commit, T0_DIR).split()
    out = []
    for path in sorted(files):
        dataset = dataset_of(path)
        if dataset is None:
            continue
        prompts = [
            json.loads(line)["prompt"].replace("\\n", "\n").strip()
            for line in _git(REPO, "show", f"{commit}:{path}").splitlines()
            if line.strip()
        ]
        short = [p for p in prompts if 20 <= len(p) <= MAX_CHARS]
        template = path.rsplit("/", 1)[-1].removesuffix(".jsonl")
        for k, text in enumerate(rng.sample(short, min(PER_TEMPLATE, len(short)))):
            out.append(
                {
                    "id": f"r9-t0-{template}-{k}",
                    "text": text,
                    "source": f"{REPO}@{commit[:12]} {path} ({dataset}: {LICENCES[dataset]}; "
                    "prompt template: promptsource, Apache-2.0)",
                    "family": "t0-prompts",
                }
            )
    return out


def report_texts() -> list[str]:
    """Every text the reports read: policies/evals, the external sets, and MGSM and MultiJail
    in every language (`bench.multilingual_eval`)."""
    texts = []
    for path in sorted((ROOT / "policies" / "evals").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                texts += [
                    v for k, v in raw.items() if k in ("text", "prompt") and isinstance(v, str)
                ]
    for dataset in (*DATASETS, *MULTILINGUAL):
        texts += [p.text for p in load(dataset)[1]]
    return texts


class GramIndex:
    """Which report texts share a gram, so an item is compared only with those; an item
    overlaps a text when 60% of either one's grams are shared (round 10 uses it too)."""

    def __init__(self, tests: list[set]) -> None:
        self.sizes = [len(t) for t in tests]
        self.where: dict[object, list[int]] = {}
        for n, grams in enumerate(tests):
            for g in grams:
                self.where.setdefault(g, []).append(n)

    def overlaps(self, grams: set) -> bool:
        shared: dict[int, int] = {}
        for g in grams:
            for n in self.where.get(g, ()):
                shared[n] = shared.get(n, 0) + 1
        return any(s >= 0.6 * len(grams) or s >= 0.6 * self.sizes[n] for n, s in shared.items())



def build(out: Path, seed: int = 9) -> dict[str, int]:
    commit = _git(REPO, "rev-parse", "HEAD").strip()
    rng = random.Random(seed)
    items = seed_items(commit) + t0_items(commit, rng)
    index = GramIndex([trigrams(x) for x in report_texts()])
    counts = {"self-instruct-seed": 0, "t0-prompts": 0, "dropped (60% trigram overlap)": 0}
    out.mkdir(parents=True, exist_ok=True)
    with (out / "en_benign_everyday.jsonl").open("w", encoding="utf-8") as fh:
        for item in items:
            if index.overlaps(trigrams(item["text"])):
                counts["dropped (60% trigram overlap)"] += 1
                continue
            counts[item["family"]] += 1
            row = {
                "id": item["id"],
                "text": item["text"],
                "lang": "en",
                "label": "benign",
                "category": "benign",
                "family": item["family"],
                "subcategory": "everyday task",
                "source": item["source"],
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return counts


if __name__ == "__main__":
    print(json.dumps(build(Path(sys.argv[1])), indent=1))
