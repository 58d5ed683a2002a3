"""Attack twins of benign prompts with a format (rounds 41 and 42).

Every other prompt of a formats file (seeded choice) gets a twin: one harmful request or
prompt injection of the same language from the committed training set
(`policies/signals/train`, nothing from a report set; jailbreak templates left out) put
before it, after it, or at the paragraph or sentence boundary nearest its middle (a third
each). The twin takes the attack's label and category; the benign prompt stays in
training, so the same container is seen with both labels. No new text: each twin names
the two items it joins.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
TRAIN = ROOT / "policies" / "signals" / "train"
CATEGORIES = {
    "prompt_injection", "violent_crimes", "nonviolent_crimes", "sex_crimes",
    "child_exploitation", "defamation", "specialized_advice", "privacy",
    "intellectual_property", "indiscriminate_weapons", "hate", "self_harm",
    "sexual_content", "elections", "code_interpreter_abuse",
}  # fmt: skip
PLACES = ("before", "after", "middle")
_BOUNDARIES = (
    (re.compile(r"\n\s*\n"), "\n\n"),
    (re.compile(r"(?<=[.?!])\s+"), " "),
    (re.compile(r"\s+"), " "),
)


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def attacks(lang: str) -> list[dict[str, object]]:
    """Training attacks in `lang` of the learnt categories (not jailbreak templates), by id."""
    found = [
        row
        for path in sorted(TRAIN.glob("*.jsonl"))
        for row in _rows(path)
        if row.get("lang") == lang
        and str(row.get("label", "")).lower() not in {"benign", "allowed"}
        and row.get("category") in CATEGORIES
    ]
    return sorted(found, key=lambda r: str(r["id"]))


def middle_split(text: str) -> tuple[str, str, str]:
    """Split at the paragraph (else sentence, else word) boundary nearest the middle;
    returns (head, joiner, tail)."""
    for pattern, joiner in _BOUNDARIES:
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


def write(formats_path: Path, out: Path, *, lang: str, seed: int, prefix: str) -> str:
    """Write the twins of `formats_path`'s prompts to `out`; returns a one-line summary."""
    rng = random.Random(seed)
    formats = sorted(_rows(formats_path), key=lambda r: str(r["id"]))
    pool = attacks(lang)
    chosen = sorted(rng.sample(range(len(formats)), len(formats) // 2))
    rows = []
    for n, index in enumerate(chosen, 1):
        container, attack = formats[index], pool[rng.randrange(len(pool))]
        where = PLACES[n % 3]
        row = {
            "id": f"{prefix}-{n:05d}",
            "text": compose(str(container["text"]), str(attack["text"]), where),
            "lang": lang,
            "label": "attack",
            "category": attack["category"],
            "family": "format_attacks",
            "kind": f"{container.get('kind', '')}+{where}",
            "source": (
                f"composed: {container['id']} ({container['source']})"
                f" + training item {attack['id']}"
            ),
        }
        if "harm" in attack:
            row["harm"] = attack["harm"]
        rows.append(row)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return f"{len(rows)} items from {len(formats)} formats and {len(pool)} attacks -> {out}"
