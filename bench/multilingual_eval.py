"""The shipped guard on two public multilingual sets it never trained on, per language.

    python -m bench.multilingual_eval [--json out.json] [--markdown]

- MultiJail (DAMO-NLP-SG/multilingual-safety-for-LLMs, MIT): 315 harmful requests, each in
  English and nine translations (zh, it, vi, ar, ko, th, bn, sw, jv): attacks.
- MGSM (google-research/url-nlp, CC BY 4.0): 250 grade-school maths word problems in English
  and ten translations: plain benign questions, so any refusal is an over-refusal.

Read from the fetched repositories under /work/.mirror (or $CHARTER_MIRROR), as
`bench.external_eval` does, and checked the same way (`Charter.check`, input stage). The
classifier trains on English and Turkish only: the other languages show how far it carries.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from bench.external_eval import Dataset, Prompt, _pct, _rows, evaluate, load, markdown

MULTIJAIL_LANGS = ("en", "zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv")
MGSM_LANGS = ("en", "bn", "de", "es", "fr", "ja", "ru", "sw", "te", "th", "zh")


def _multijail(lang: str, text: str) -> Iterator[Prompt]:
    for row in _rows(text.lstrip("\ufeff")):
        if row[lang].strip():
            yield Prompt(row[lang].strip(), True, lang)


def _mgsm(text: str) -> Iterator[Prompt]:
    for line in text.splitlines():
        question = line.split("\t")[0].strip()
        if question:
            yield Prompt(question, False, "benign")


DATASETS = tuple(
    Dataset(
        f"MultiJail {lang}",
        "multijail",
        "DAMO-NLP-SG/multilingual-safety-for-LLMs",
        "data/MultiJail.csv",
        "MIT",
        f"315 harmful requests, {lang}",
        partial(_multijail, lang),
    )
    for lang in MULTIJAIL_LANGS
) + tuple(
    Dataset(
        f"MGSM {lang}",
        "mgsm",
        "google-research/url-nlp",
        f"mgsm/mgsm_{lang}.tsv",
        "CC BY 4.0",
        f"250 maths word problems, {lang}",
        _mgsm,
    )
    for lang in MGSM_LANGS
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table")
    args = parser.parse_args(argv)

    from charter.evals import eval_charter, trained_families

    guard = eval_charter(pii_mode="pattern")
    leaked = sorted({d.family for d in DATASETS} & set(trained_families(guard.signals)))
    if leaked:
        print(f"refusing: the classifier was trained on held-out families {leaked}")
        return 2
    results: list[dict[str, Any]] = []
    try:
        for dataset in DATASETS:
            try:
                commit, prompts = load(dataset)
            except FileNotFoundError as exc:
                print(f"skip {dataset.name}: {exc}", file=sys.stderr)
                continue
            result = evaluate(guard, prompts)
            result.update(name=dataset.name, repo=dataset.repo, commit=commit)
            result.update(licence=dataset.licence, per_category={})
            results.append(result)
            print(
                f"{dataset.name}: attacks {result['caught']}/{result['attacks']} "
                f"({_pct(result['caught'], result['attacks'])}), benign refused "
                f"{result['refused']}/{result['benign']}",
                file=sys.stderr,
            )
    finally:
        guard.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    if args.markdown:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
