"""Round 10's multilingual items: the helper-written files, checked and decontaminated.

    python policies/signals/experiments/r10/build_multilingual.py SRC_DIR OUT_DIR

Reads `ml_<lang>.jsonl` from SRC_DIR (written for this round by helper sessions), checks
every item's fields, and drops items that share 60% of their word trigrams or of their
character 8-grams (either way) with a report text: `policies/evals`, the external sets,
MGSM and MultiJail in every language (character n-grams, because a Chinese or Japanese
sentence is one "word" to `\\w+`). Writes one file per language to OUT_DIR.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent / "r9"))
from build_everyday import GramIndex, report_texts, trigrams  # noqa: E402

LANGS = ("zh", "it", "vi", "ar", "ko", "bn", "sw", "de", "es", "fr", "ja", "ru", "pt")
CATEGORIES = {
    "violent_crimes", "nonviolent_crimes", "sex_crimes", "child_exploitation", "defamation",
    "specialized_advice", "privacy", "intellectual_property", "indiscriminate_weapons", "hate",
    "self_harm", "sexual_content", "elections", "code_interpreter_abuse", "jailbreak",
    "prompt_injection",
}  # fmt: skip


def char_grams(text: str, n: int = 8) -> set[str]:
    squeezed = " ".join(text.lower().split())
    return {squeezed[i : i + n] for i in range(len(squeezed) - n + 1)}


def checked(item: dict, lang: str) -> dict:
    attack = item["label"] == "attack"
    if item["lang"] != lang or item["label"] not in ("attack", "benign"):
        raise ValueError(f"{item['id']}: lang or label")
    if (item["category"] in CATEGORIES) != attack or not attack and item["category"] != "benign":
        raise ValueError(f"{item['id']}: category {item['category']!r} for {item['label']}")
    if not item["text"].strip():
        raise ValueError(f"{item['id']}: empty text")
    return {k: item[k] for k in ("id", "text", "lang", "label", "category", "family", "source")}


def build(src: Path, out: Path) -> dict[str, int]:
    texts = report_texts()
    words = GramIndex([trigrams(t) for t in texts])
    chars = GramIndex([char_grams(t) for t in texts])
    counts: dict[str, int] = {"dropped": 0}
    out.mkdir(parents=True, exist_ok=True)
    for lang in LANGS:
        path = src / f"ml_{lang}.jsonl"
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = checked(json.loads(line), lang)
            if words.overlaps(trigrams(item["text"])) or chars.overlaps(char_grams(item["text"])):
                counts["dropped"] += 1
                continue
            kept.append(item)
        counts[lang] = len(kept)
        with (out / f"ml_{lang}.jsonl").open("w", encoding="utf-8") as fh:
            for item in kept:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return counts


if __name__ == "__main__":
    print(json.dumps(build(Path(sys.argv[1]), Path(sys.argv[2])), indent=1))
