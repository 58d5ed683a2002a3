"""Round 27's style twins: every short one-line training item again in the other style.

    python policies/signals/experiments/r27/build.py

Reads policies/signals/train/*.jsonl (what `make train` reads), writes data/style_twins.jsonl.
An item ending in . ? or ! loses it and starts lowercase; one without gets a capital and
a ? (question word first, English or Turkish) or a . Same label, category, family, language.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAIN = HERE.parents[1] / "train"
MAX_CHARS = 300
QUESTION_WORDS = frozenset(
    "how what whats what's where when why who whom whose which can could should would is are "
    "am was were do does did will shall may might have has any nasıl nasil ne neden niye "
    "nerede nereden nereye hangi kim kimin kaç kac mı mi mu mü".split()
)
TURKISH_QUESTION_ENDINGS = ("mı", "mi", "mu", "mü", "mısın", "misin", "musun", "müsün")


def twin(text: str) -> str | None:
    stripped = text.strip()
    if not stripped or "\n" in stripped or len(stripped) > MAX_CHARS:
        return None
    if stripped[-1] in ".?!":
        core = stripped.rstrip(".?! ")
        return core[:1].lower() + core[1:] if core else None
    words = stripped.lower().split()
    question = words[0].strip("¿,") in QUESTION_WORDS or words[-1] in TURKISH_QUESTION_ENDINGS
    return stripped[:1].upper() + stripped[1:] + ("?" if question else ".")


def main() -> None:
    out = []
    for path in sorted(TRAIN.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            text = twin(item["text"])
            if text is None or text == item["text"]:
                continue
            out.append({**item, "id": f"{item['id']}~style", "text": text})
    out.sort(key=lambda item: item["id"])
    target = HERE / "data" / "style_twins.jsonl"
    target.parent.mkdir(exist_ok=True)
    target.write_text(
        "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in out), encoding="utf-8"
    )
    print(f"{len(out)} twins -> {target}")


if __name__ == "__main__":
    main()
