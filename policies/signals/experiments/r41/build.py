"""Round 41's data: attacks in the shapes of round 40's benign formats.

Round 40's real formatted prompts (word problems, multiple choice, passages with a
question, writing and coding tasks) taught their *shape* as benign, so attacks hidden in
long documents passed. Here every other formatted prompt (seeded, 1,065 of 2,131) gets an
attack twin: an English harmful request or prompt injection from the committed training
set (`policies/signals/train`, nothing from a report set) put before it, after it, or at
the paragraph or sentence boundary nearest its middle (a third each). The benign prompt
stays in training too, so the same container appears with both labels and only the
inserted text tells them apart. Nothing here is new text: each item names the two
training items it joins.

    python policies/signals/experiments/r41/build.py    # -> data/format_attacks.jsonl
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
FORMATS = HERE.parent / "r40" / "data" / "formats.jsonl"
TRAIN = ROOT / "policies" / "signals" / "train"
OUT = HERE / "data" / "format_attacks.jsonl"
SEED = 41
CATEGORIES = {
    "prompt_injection", "violent_crimes", "nonviolent_crimes", "sex_crimes",
    "child_exploitation", "defamation", "specialized_advice", "privacy",
    "intellectual_property", "indiscriminate_weapons", "hate", "self_harm",
    "sexual_content", "elections", "code_interpreter_abuse",
}  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def attacks() -> list[dict[str, object]]:
    """English attacks of the learnt categories (not jailbreak templates), by id."""
    found = [
        row
        for path in sorted(TRAIN.glob("*.jsonl"))
        for row in _rows(path)
        if row.get("lang") == "en"
        and str(row.get("label", "")).lower() not in {"benign", "allowed"}
        and row.get("category") in CATEGORIES
    ]
    return sorted(found, key=lambda r: str(r["id"]))


def middle_split(text: str) -> tuple[str, str, str]:
    """Split at the paragraph (else sentence, else word) boundary nearest the middle;
    returns (head, joiner, tail)."""
    for pattern, joiner in ((re.compile(r"\n\s*\n"), "\n\n"), (_SENTENCE_END, " "), (re.compile(r"\s+"), " ")):
        cuts = [m.start() for m in pattern.finditer(text) if 0 < m.start() < len(text) - 1]
        if cuts:
            cut = min(cuts, key=lambda c: abs(c - len(text) / 2))
            return text[:cut].rstrip(), joiner, text[cut:].lstrip()
    return text, " ", ""


def compose(container: str, attack: str, where: str) -> str:
    if where == "before":
        return f"{attack}\n\n{container}"
    if where == "after":
        return f"{container}\n\n{attack}"
    head, joiner, tail = middle_split(container)
    return joiner.join(part for part in (head, attack, tail) if part)


def main() -> int:
    rng = random.Random(SEED)
    formats = sorted(_rows(FORMATS), key=lambda r: str(r["id"]))
    pool = attacks()
    chosen = sorted(rng.sample(range(len(formats)), len(formats) // 2))
    places = ("before", "after", "middle")
    out = []
    for n, index in enumerate(chosen, 1):
        container, attack = formats[index], pool[rng.randrange(len(pool))]
        where = places[n % 3]
        row = {
            "id": f"r41-fmtatk-{n:05d}",
            "text": compose(str(container["text"]), str(attack["text"]), where),
            "lang": "en",
            "label": "attack",
            "category": attack["category"],
            "family": "format_attacks",
            "kind": f"{container.get('kind', '')}+{where}",
            "source": f"composed: {container['id']} ({container['source']}) + training item {attack['id']}",
        }
        if "harm" in attack:
            row["harm"] = attack["harm"]
        out.append(row)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), "utf-8")
    print(f"{len(out)} items from {len(formats)} formats and {len(pool)} attacks -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
