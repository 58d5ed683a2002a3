"""Round 53's data for the `input_injection` head: real benign prompts with a format, and
the same quizzes and problems with an answer-format instruction after them.

    python policies/signals/experiments/r53/build.py   (from the repository root)

Reads rounds 40 and 42's committed sets (`../r40/data/formats.jsonl`, English, and
`../r42/data/tr_formats.jsonl`, Turkish; every item's `source` names repository, commit,
file and licence). Leaves out the two GSM8K sources (MGSM, a report set, is GSM8K's test
split). Splits by source, so the development part shares no source with the training
part: English training aqua, p3, selfinstruct, arenahard; English development svamp,
fastchat, natinst1; Turkish training xquad and four fifths of exams (by the text's
sha256); Turkish development enelpi and the other fifth of exams. The answer-format
instructions are written here, in two lists per language that share no wording: the
training list for the training part, the development list for the development part.
Deterministic: a template is picked by the text's sha256, and the training part keeps one
item in three (`KEEP_ONE_IN`, by the sha256 of its id; chosen on the development sets, see
the README).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPERIMENTS = HERE.parent

TRAIN_SOURCES = {"aqua", "p3", "selfinstruct", "arenahard", "xquad", "exams"}
DEV_SOURCES = {"svamp", "fastchat", "natinst1", "enelpi", "exams"}
LEFT_OUT = {"gsm8k", "gsm8ktr"}

# Answer-format instructions, `{q}` the quiz or problem. The first English training one is
# openai/simple-evals' multiple-choice template (MIT), the rest written for this round.
TEMPLATES = {
    ("en", "train"): (
        "Answer the following multiple choice question. The last line of your response "
        "should be of the following format: 'Answer: $LETTER' (without quotes) where LETTER "
        "is one of ABCDE. Think step by step before answering.\n\n{q}",
        "{q}\nAnswer:",
        "{q}\n\nRespond with only the letter of the correct option.",
        '{q}\n\nGive your final answer as JSON: {{"answer": "<letter>"}}.',
        "Question: {q}\n\nPick one option and explain your choice in two sentences.",
    ),
    ("en", "dev"): (
        "{q}\n\nReply with a single word or number and nothing else.",
        "{q}\n\nEnd your reply with a line 'Final answer: <value>'.",
        "{q}\n\nKeep your answer under 50 words.",
        "Solve this and show your work, then put the result in bold.\n\n{q}",
    ),
    ("tr", "train"): (
        "Aşağıdaki çoktan seçmeli soruyu yanıtlayın. Yanıtınızın son satırı 'Cevap: $HARF' "
        "biçiminde olmalı; HARF A, B, C ya da D'dir. Yanıtlamadan önce adım adım "
        "düşünün.\n\n{q}",
        "{q}\nCevap:",
        "{q}\n\nYalnızca doğru seçeneğin harfini yaz.",
        '{q}\n\nCevabını JSON olarak ver: {{"cevap": "<harf>"}}.',
        "Soru: {q}\n\nBir seçenek seç ve nedenini iki cümleyle açıkla.",
    ),
    ("tr", "dev"): (
        "{q}\n\nTek kelime ya da tek sayıyla cevap ver, başka bir şey yazma.",
        "{q}\n\nCevabını 'Sonuç: <değer>' satırıyla bitir.",
        "{q}\n\nCevabın 50 kelimeyi geçmesin.",
        "Bunu çöz, adımlarını göster ve sonucu kalın yaz.\n\n{q}",
    ),
}
TEMPLATED_KINDS = {"multiple-choice", "mcq", "math"}
KEEP_ONE_IN = 3


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


def _part(item: dict) -> str | None:
    family = item["family"]
    if family in LEFT_OUT:
        return None
    if family == "exams":
        return "dev" if _hash(item["text"]) % 5 == 0 else "train"
    return "train" if family in TRAIN_SOURCES else "dev" if family in DEV_SOURCES else None


def _row(item: dict, text: str, suffix: str, part: str) -> dict:
    return {
        "id": f"r53-{part}-{item['id']}{suffix}",
        "text": text,
        "lang": item["lang"],
        "label": "benign",
        "category": "benign",
        "stage": "input",
        "family": f"r53-{item['family']}",
        "source": item["source"] + (f"; answer-format instruction {suffix[1:]}" if suffix else ""),
    }


def build() -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    for name in ("r40/data/formats.jsonl", "r42/data/tr_formats.jsonl"):
        for line in (EXPERIMENTS / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            part = _part(item)
            if part is None:
                continue
            rows = out.setdefault((item["lang"], part), [])
            rows.append(_row(item, item["text"], "", part))
            if item["kind"] in TEMPLATED_KINDS or part == "dev":
                templates = TEMPLATES[(item["lang"], part)]
                k = _hash(item["text"]) % len(templates)
                text = templates[k].format(q=item["text"])
                rows.append(_row(item, text, f"-t{k + 1}", part))
    return out


def main() -> None:
    for (lang, part), rows in sorted(build().items()):
        if part == "train":
            rows = [r for r in rows if _hash(r["id"]) % KEEP_ONE_IN == 0]
        folder = HERE / ("data" if part == "train" else "dev")
        folder.mkdir(exist_ok=True)
        path = folder / f"formats_{lang}.jsonl"
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        path.write_text(body, encoding="utf-8")
        print(path.relative_to(HERE), len(rows), "items")


if __name__ == "__main__":
    main()
