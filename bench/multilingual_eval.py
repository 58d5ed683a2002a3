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

from collections.abc import Iterator
from functools import partial

from bench.external_eval import Dataset, Prompt, _rows, run

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
    return run(DATASETS, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
