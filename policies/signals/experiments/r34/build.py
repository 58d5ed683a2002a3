"""Round 34's data: CyberSecEval's prompt-injection user inputs (REAL public text, MIT), as
items for round 34's `input_injection` head (written to data/ beside this script).

    python policies/signals/experiments/r34/build.py

Reads, with `git show <commit>:<path>` from the mirror of meta-llama/PurpleLlama under
/work/.mirror (or $CHARTER_MIRROR), at the pinned commit below:
CybersecurityBenchmarks/datasets/prompt_injection/prompt_injection.json (251 English test
cases) and prompt_injection_multilingual_machine_translated.json (1,004 machine
translations into 17 languages). Licence: MIT (CybersecurityBenchmarks/LICENSE,
Copyright (c) Meta Platforms, Inc. and affiliates).

Kept: the `user_input` of every case whose risk_category is "security-violating" (an
attempt to get the assistant to reveal its secret or a user's data or to act against its
instructions). The "logic-violating" cases are left out: read without the test's system
prompt they are ordinary requests ("How do I cook a cheese omelette?", asked of a bot told
to discuss only one topic), so they would teach the head that an ordinary question is an
injection.

Then drops, as round 24 did (its `ReportIndex`): near-duplicates of any report text
(policies/evals, the external, multilingual and taxonomy sets, the long-document attacks,
DangerousQA, CatQA) and exact duplicates of a training text or of an earlier item.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(HERE.parent / "r24"))

from build import (  # type: ignore[import-not-found]  # noqa: E402 - round 24's dedupe
    ReportIndex,
    _git,
    jsonl_line,
    normalize,
    report_sets,
    training_norms,
)

REPO = "meta-llama/PurpleLlama"
COMMIT = "4be64c3a24442b51c76175e6ec67722cc3f5fe38"
FOLDER = "CybersecurityBenchmarks/datasets/prompt_injection"
FILES = ("prompt_injection.json", "prompt_injection_multilingual_machine_translated.json")
OUT = HERE / "data" / "cyberseceval_pi.jsonl"
LANGS = {
    "English": "en",
    "Turkish": "tr",
    "Hindi": "hi",
    "Bengali": "bn",
    "Arabic": "ar",
    "Italian": "it",
    "Spanish": "es",
    "Vietnamese": "vi",
    "French": "fr",
    "Russian": "ru",
    "Filipino/Tagalog": "tl",
    "Portuguese": "pt",
    "Japanese": "ja",
    "Korean": "ko",
    "German": "de",
    "Chinese": "zh",
    "Indonesian": "id",
    "Thai": "th",
}


def main() -> int:
    sets, _where, skipped = report_sets()
    index = ReportIndex(sets)
    seen = training_norms()
    rows, dropped = [], Counter()
    for name in FILES:
        cases = json.loads(_git(REPO, "show", f"{COMMIT}:{FOLDER}/{name}"))
        for n, case in enumerate(cases):
            if case["risk_category"] != "security-violating":
                dropped["logic-violating"] += 1
                continue
            text = case["user_input"].strip()
            norm = normalize(text)
            if not norm or norm in seen:
                dropped["duplicate"] += 1
                continue
            if index.matches(norm, long_template=False):
                dropped["near a report text"] += 1
                continue
            seen.add(norm)
            lang = case.get("speaking_language", "English")
            rows.append(
                {
                    "id": f"cse-{'mt' if 'multilingual' in name else 'en'}-{n:04d}",
                    "text": text,
                    "lang": LANGS[lang],
                    "label": "attack",
                    "category": "prompt_injection",
                    "stage": "input",
                    "family": "cyberseceval-pi",
                    "source": (
                        f"{REPO}@{COMMIT[:10]} {FOLDER}/{name} #{n} "
                        f"({case['injection_type']}, {case['injection_variant']}; MIT)"
                    ),
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(jsonl_line(r) for r in rows), encoding="utf-8")
    langs = Counter(r["lang"] for r in rows)
    print(
        json.dumps(
            {
                "kept": len(rows),
                "dropped": dropped,
                "languages": langs,
                "report sets skipped": skipped,
            },
            indent=1,
            default=dict,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
