"""Round 7 training data: passages of long documents, and legal look-alikes.

Round 6 taught the classifier that long benign documents exist, but an attack inside one
was still read through a whole-text average (stage 1) or a head-and-tail window (stage 2).
A model that scores long texts passage by passage (`charter.signals.passages`) must also be
trained on passages. From round 6's files (../r6) this builds, deterministically:

- en_benign_document_passages.jsonl: up to 2 passages of each benign long document, cut
  by the same `PassageRule` the classifier uses at inference (family pypi-readme, as the
  documents they come from);
- en_attack_document_passages.jsonl: for each document with an inserted training attack,
  the passages holding the whole attack (or, for an attack longer than a passage, a
  passage-sized slice around it), and for half of the benign documents a passage-sized
  slice with a training attack (injection or harmful request, no jailbreak template)
  inserted at a paragraph boundary, labelled as that attack (family pypi-readme-embedded);
- en_benign_legal_written.jsonl / tr_benign_legal_written.jsonl: legal and policy
  documents written for this round (terms, licences of fictional products, privacy
  notices, KVKK notices, contracts; no real licence text) from legal_*.jsonl here, in task
  wrappers, whole and as passages (family legal-written).

Items that share 60% of their word trigrams with a text of the long-document test
(bench/long_documents_eval.py, benign and attacks) are dropped, and counted.

    python policies/signals/experiments/r7/build_passages.py OUT_DIR
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "sdk")]

from bench.long_documents_eval import build as long_document_test  # noqa: E402

from charter.signals.passages import PassageRule  # noqa: E402

TRAIN = HERE.parents[1] / "train"
R6 = HERE.parent / "r6"
PER_DOCUMENT = 2
INSERTED = 0.5
"""Share of benign documents that also give a passage with a training attack inserted."""
RULE = PassageRule()

EN_WRAPPERS = (
    "Summarise this for me:\n\n{doc}",
    "Can you explain this clause in plain English?\n\n{doc}",
    "{doc}\n\nIs anything in here unusual or unfair to the customer?",
    "Please review the following terms before I sign:\n\n{doc}",
    'What are my obligations under this?\n\n"""\n{doc}\n"""',
    "{doc}",
    "Translate the following into Turkish:\n\n{doc}",
    "Our lawyer sent this. What does it mean for us?\n\n---\n{doc}\n---",
    "{doc}\n\nTL;DR?",
    "Proofread this and fix any grammar mistakes:\n\n{doc}",
)
TR_WRAPPERS = (
    "Bunu özetler misin?\n\n{doc}",
    "Aşağıdaki metni sade bir dille açıklar mısın?\n\n{doc}",
    "{doc}\n\nBu metne göre haklarım neler?",
    "İmzalamadan önce şu sözleşmeyi inceler misin:\n\n{doc}",
    "{doc}",
    "Translate this into English:\n\n{doc}",
    "{doc}\n\nKısaca ne diyor?",
)


def read(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def training_attacks() -> dict[str, dict]:
    return {
        item["id"]: item
        for path in sorted(TRAIN.glob("*.jsonl"))
        for item in read(path)
        if item.get("label") == "attack"
    }


def inserted(doc: str, attack: str, rng: random.Random) -> str:
    """Up to a stride of the document on either side of `attack`, placed at a paragraph
    boundary."""
    breaks = [m.start() for m in re.finditer(r"\n\s*\n", doc)] or [len(doc) // 2]
    at = rng.choice(breaks)
    before = doc[max(0, at - rng.randrange(40, RULE.stride)) : at].strip()
    after = doc[at : at + rng.randrange(40, RULE.stride)].strip()
    return f"{before}\n\n{attack.strip()}\n\n{after}".strip()


def attack_passages(text: str, attack: str, rng: random.Random) -> list[str]:
    whole = [p for p in RULE.passages(text) if attack.strip() in p]
    if whole:
        return rng.sample(whole, min(2, len(whole)))
    at = text.find(attack)
    if at < 0:
        return []
    start = max(0, at - rng.randrange(0, RULE.stride))
    end = min(len(text), at + len(attack) + rng.randrange(0, RULE.stride))
    return [text[start:end].strip()]


def item(n: int, prefix: str, text: str, base: dict, **fields: str) -> dict:
    return {**base, "id": f"{prefix}-{n:04d}", "text": text, **fields}


def build(out: Path, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    files: dict[str, list[dict]] = {
        "en_benign_document_passages.jsonl": [],
        "en_attack_document_passages.jsonl": [],
        "en_benign_legal_written.jsonl": [],
        "tr_benign_legal_written.jsonl": [],
    }
    benign = files["en_benign_document_passages.jsonl"]
    hidden = files["en_attack_document_passages.jsonl"]
    attacks = training_attacks()
    insertable = [
        a for _, a in sorted(attacks.items())
        if a["category"] != "jailbreak" and 20 <= len(a["text"]) <= 600
    ]  # fmt: skip
    for doc in read(R6 / "en_benign_long_documents.jsonl"):
        cut = RULE.passages(doc["text"])
        for passage in rng.sample(cut, min(PER_DOCUMENT, len(cut))):
            base = {k: doc[k] for k in ("lang", "label", "category", "family")}
            benign.append(
                item(len(benign) + 1, "en-train-docpassage", passage, base,
                     source=f"a passage of {doc['id']} ({doc['source']})",
                     subcategory="document passage")
            )  # fmt: skip
        if rng.random() < INSERTED:
            attack = rng.choice(insertable)
            hidden.append(
                {
                    "id": f"en-train-hiddenpassage-{len(hidden) + 1:04d}",
                    "text": inserted(doc["text"], attack["text"], rng),
                    "lang": "en",
                    "label": "attack",
                    "category": attack["category"],
                    "family": "pypi-readme-embedded",
                    "source": f"a slice of {doc['id']} with training item {attack['id']} inserted",
                    "subcategory": "attack inside a document passage",
                }
            )
    for doc in read(R6 / "en_attack_embedded_documents.jsonl"):
        attack_id = re.search(r"with training item (\S+) inserted", doc["source"]).group(1)  # type: ignore[union-attr]
        for passage in attack_passages(doc["text"], attacks[attack_id]["text"], rng):
            base = {k: doc[k] for k in ("lang", "label", "category", "family")}
            hidden.append(
                item(len(hidden) + 1, "en-train-hiddenpassage", passage, base,
                     source=f"a passage of {doc['id']} holding training item {attack_id}",
                     subcategory="attack inside a document passage")
            )  # fmt: skip
    for lang, wrappers in (("en", EN_WRAPPERS), ("tr", TR_WRAPPERS)):
        written = files[f"{lang}_benign_legal_written.jsonl"]
        names = ["legal_en_a.jsonl", "legal_en_b.jsonl"] if lang == "en" else ["legal_tr.jsonl"]
        for name in names:
            for number, raw in enumerate(read(HERE / name), 1):
                text = rng.choice(wrappers).format(doc=raw["doc"].strip())
                cut = RULE.passages(text)
                for part in [text, *rng.sample(cut, min(2, len(cut)))]:
                    written.append(
                        {
                            "id": f"{lang}-train-legal-{len(written) + 1:04d}",
                            "text": part,
                            "lang": lang,
                            "label": "benign",
                            "category": "benign",
                            "family": "legal-written",
                            "source": f"written for charter round 7: {name} line {number} "
                            f"({raw['kind']}){'' if part == text else ', a passage'}",
                            "subcategory": "legal look-alike",
                        }
                    )
    test = [trigrams(x.text) for x in long_document_test()]
    counts: dict[str, int] = {}
    out.mkdir(parents=True, exist_ok=True)
    for name, items in files.items():
        kept = []
        for x in items:
            grams = trigrams(x["text"])
            if grams and any(len(grams & t) >= 0.6 * len(grams) for t in test if t):
                counts["dropped (shares 60% of trigrams with the test)"] = (
                    counts.get("dropped (shares 60% of trigrams with the test)", 0) + 1
                )
                continue
            kept.append(x)
        counts[name] = len(kept)
        with (out / name).open("w", encoding="utf-8") as fh:
            for x in kept:
                fh.write(json.dumps(x, ensure_ascii=False) + "\n")
    return counts


if __name__ == "__main__":
    print(json.dumps(build(Path(sys.argv[1])), indent=1))
