"""Round 6 training data: long pasted documents, benign and with an attack inside.

Until round 6 no benign training text was over 1000 characters (p90: 151), while 65
attacks were, so any long text leaned towards "attack": a licence or a docstring pasted
for a summary was held or denied. This builds, deterministically from the packages
installed with charter (their PyPI long descriptions, i.e. READMEs, permissive licences
only):

- en_benign_long_documents.jsonl: chunks of 300-4000 characters at paragraph boundaries,
  in assorted task wrappers (summarise, translate, review, raw paste), family pypi-readme;
- en_attack_embedded_documents.jsonl: a third of those chunks with one training attack
  (prompt injection or a harmful request, from policies/signals/train) inserted at a
  paragraph boundary, labelled as that attack, family pypi-readme-embedded.

    python policies/signals/experiments/r6/build_long_documents.py OUT_DIR

The items record package, version and licence. Charter's own README is excluded (it
quotes attacks), and so are copyleft licences.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import math
import random
import re
import sys
from pathlib import Path

TRAIN = Path(__file__).resolve().parents[2] / "train"
PERMISSIVE = re.compile(r"\b(MIT|BSD|Apache|ISC|PSF|Python Software Foundation|0BSD)\b", re.I)
EXCLUDED = {"charter"}
COPYLEFT = re.compile(r"GPL|MPL|Mozilla|CNRI", re.I)
PER_PACKAGE = 4

WRAPPERS = (
    "Summarise this for me:\n\n{doc}",
    "Can you summarize the following in three bullet points?\n\n{doc}",
    "{doc}\n\nWhat does this library do, in plain words?",
    "Translate the following into Turkish:\n\n{doc}",
    "Proofread this section of our documentation and fix any grammar mistakes:\n\n{doc}",
    'What are the key points here?\n\n"""\n{doc}\n"""',
    "{doc}",
    "Here is the README of a library we are evaluating. Is it suitable for production?\n\n{doc}",
    "Bunu özetler misin?\n\n{doc}",
    "Aşağıdaki metni Türkçe'ye çevir:\n\n{doc}",
    "I pasted part of a project's docs below. Write a short FAQ from it.\n\n---\n{doc}\n---",
    "{doc}\n\nTL;DR?",
)


def licence_of(meta: md.PackageMetadata) -> str:
    lic = meta.get("License-Expression") or ""
    if not lic:
        classifiers = [c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")]
        lic = classifiers[0].split("::")[-1].strip() if classifiers else ""
    if not lic:
        lic = (meta.get("License") or "").splitlines()[0] if meta.get("License") else ""
    return lic.strip()


def documents() -> list[tuple[str, str, str, str]]:
    """(name, version, licence, description) of permissive packages, sorted by name."""
    out = []
    for dist in md.distributions():
        meta = dist.metadata
        name = meta["Name"]
        text = meta.get_payload() or meta.get("Description") or ""  # type: ignore[attr-defined]
        lic = licence_of(meta)
        if name.lower() in EXCLUDED or len(text) < 600:
            continue
        if not PERMISSIVE.search(lic) or COPYLEFT.search(lic):
            continue
        out.append((name, meta["Version"], lic, text))
    return sorted(out, key=lambda d: d[0].lower())


def paragraphs(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return [p for p in parts if p]


def chunks(text: str, rng: random.Random, count: int) -> list[str]:
    """Up to `count` runs of consecutive paragraphs, 300-4000 characters (log-uniform)."""
    paras = paragraphs(text)
    out: list[str] = []
    for _ in range(count * 3):
        if len(out) == count or not paras:
            break
        target = math.exp(rng.uniform(math.log(300), math.log(4000)))
        start = rng.randrange(len(paras))
        body = []
        size = 0
        for p in paras[start:]:
            if size + len(p) > 4000:
                break
            body.append(p)
            size += len(p) + 2
            if size >= target:
                break
        chunk = "\n\n".join(body)
        if 300 <= len(chunk) <= 4000 and chunk not in out:
            out.append(chunk)
    return out


def training_attacks() -> list[dict[str, str]]:
    """Prompt injections and harmful requests of the committed training set (no jailbreak
    templates: those are whole prompts, not something a pasted document hides)."""
    items = []
    for path in sorted(TRAIN.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                wanted = item["label"] == "attack" and item["category"] != "jailbreak"
                if wanted and 20 <= len(item["text"]) <= 600:
                    items.append(item)
    return items


def embed(doc: str, attack: str, rng: random.Random) -> str:
    paras = doc.split("\n\n")
    at = rng.randrange(len(paras) + 1)
    return "\n\n".join([*paras[:at], attack, *paras[at:]])


def build(out_dir: Path, seed: int = 6) -> tuple[int, int]:
    rng = random.Random(seed)
    attacks = training_attacks()
    benign, embedded = [], []
    for name, version, lic, text in documents():
        for chunk in chunks(text, rng, PER_PACKAGE):
            source = f"PyPI long description of {name} {version} ({lic}), as installed with charter"
            n = len(benign) + 1
            wrapper = rng.choice(WRAPPERS)
            benign.append(
                {
                    "id": f"en-train-longdoc-{n:04d}",
                    "text": wrapper.format(doc=chunk),
                    "lang": "en",
                    "label": "benign",
                    "category": "benign",
                    "family": "pypi-readme",
                    "source": source,
                    "subcategory": "long document",
                }
            )
            if rng.random() < 1 / 3:
                attack = rng.choice(attacks)
                embedded.append(
                    {
                        "id": f"en-train-embedded-{len(embedded) + 1:04d}",
                        "text": rng.choice(WRAPPERS).format(doc=embed(chunk, attack["text"], rng)),
                        "lang": "en",
                        "label": "attack",
                        "category": attack["category"],
                        "family": "pypi-readme-embedded",
                        "source": f"{source}, with training item {attack['id']} inserted",
                        "subcategory": "attack inside a pasted document",
                    }
                )
    out_dir.mkdir(parents=True, exist_ok=True)
    for file, items in (
        ("en_benign_long_documents.jsonl", benign),
        ("en_attack_embedded_documents.jsonl", embedded),
    ):
        with (out_dir / file).open("w", encoding="utf-8") as fh:
            for item in items:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return len(benign), len(embedded)


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
