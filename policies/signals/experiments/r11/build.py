"""Round 11's data, built deterministically: the embedded-attack items and the calibration set.

    python policies/signals/experiments/r11/build.py OUT_DIR

- `en_attack_embedded.jsonl` (training): every round 9 everyday item longer than 400
  characters once more, with one training attack of at most 300 characters inserted at a
  paragraph or sentence boundary, labelled as that attack. Attacks are taken in turn over
  the attack categories of `policies/signals/train` (English), each category's items in an
  order fixed by the seed, so no category dominates.
- `calibration_catqa_en.jsonl` (alignment only, never trained on or reported): CatQA
  English, `harmful_questions/catqa_english.json` of declare-lab/red-instruct (Apache-2.0),
  read from /work/.mirror (or $CHARTER_MIRROR) with `git show`, minus items sharing 60% of
  their word trigrams with a report text (round 9's check).
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent / "r9"))

from bench.external_eval import Dataset, Prompt, load  # noqa: E402
from build_everyday import GramIndex, report_texts, trigrams  # noqa: E402

from charter.signals.training.data import targets_of  # noqa: E402

LONG = 400
MAX_ATTACK = 300


def _rows(path: Path) -> Iterator[dict]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def attacks_by_category(rng: random.Random) -> dict[str, list[dict]]:
    """English training attacks of at most MAX_ATTACK characters, per category, shuffled."""
    found: dict[str, list[dict]] = {}
    for path in sorted((ROOT / "policies" / "signals" / "train").glob("*.jsonl")):
        for row in _rows(path):
            if row.get("lang") == "en" and targets_of(row) and len(row["text"]) <= MAX_ATTACK:
                found.setdefault(row["category"], []).append(row)
    for rows in found.values():
        rng.shuffle(rows)
    return dict(sorted(found.items()))


def boundaries(text: str) -> list[int]:
    """Offsets just after a line break or a sentence end, inside the text."""
    return [m.end() for m in re.finditer(r"\n+|(?<=[.!?])\s+", text) if 0 < m.end() < len(text)]


def embedded(seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    pool = attacks_by_category(rng)
    categories = list(pool)
    everyday = list(_rows(HERE.parent / "r9" / "en_benign_everyday.jsonl"))
    out = []
    for n, item in enumerate(r for r in everyday if len(r["text"]) > LONG):
        category = categories[n % len(categories)]
        attack = pool[category][(n // len(categories)) % len(pool[category])]
        text = item["text"]
        cuts = boundaries(text)
        cut = rng.choice(cuts) if cuts else len(text)
        joiner = "\n\n" if "\n" in text[max(0, cut - 2) : cut] else " "
        row = {
            "id": f"r11-embedded-{n:03d}",
            "text": text[:cut].rstrip() + joiner + attack["text"].strip() + joiner + text[cut:],
            "lang": "en",
            "label": "attack",
            "category": attack["category"],
            "family": "r11-embedded",
            "subcategory": "attack inside an everyday text",
            "source": f"{item['id']} with {attack['id']} inserted (round 11 build.py)",
        }
        if "harm" in attack:
            row["harm"] = attack["harm"]
        out.append(row)
    return out


def _flat(node: object) -> Iterator[str]:
    """Every string of a nested JSON value (CatQA nests category -> subcategory -> list)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _flat(value)
    elif isinstance(node, list):
        for value in node:
            yield from _flat(value)


def _catqa(text: str) -> Iterator[Prompt]:
    for question in _flat(json.loads(text)):
        yield Prompt(question.strip(), True, "harm")


CATQA = Dataset(
    "CatQA English",
    "catqa",
    "declare-lab/red-instruct",
    "harmful_questions/catqa_english.json",
    "Apache-2.0",
    "550 harmful questions in 11 categories (calibration only)",
    _catqa,
)


def catqa() -> tuple[list[dict], int]:
    commit, prompts = load(CATQA)
    index = GramIndex([trigrams(t) for t in report_texts()])
    texts = [p.text for p in prompts]
    kept = [t for t in texts if t and not index.overlaps(trigrams(t))]
    rows = [
        {
            "id": f"catqa-en-{n:03d}",
            "text": t,
            "source": f"{CATQA.repo}@{commit[:12]} {CATQA.path} ({CATQA.licence})",
        }
        for n, t in enumerate(kept)
    ]
    return rows, len(texts) - len(kept)


def write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    items = embedded()
    write(out / "en_attack_embedded.jsonl", items)
    calibration, dropped = catqa()
    write(out / "calibration_catqa_en.jsonl", calibration)
    print(
        json.dumps(
            {"embedded": len(items), "catqa kept": len(calibration), "catqa dropped": dropped}
        )
    )
