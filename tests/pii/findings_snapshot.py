"""Per-text findings of the PII detectors under several configurations, for comparing two
versions of the detector code (speed work must not change a single finding).

    python -m tests.pii.findings_snapshot OUT.jsonl [--synthetic N] [--spacy]
    python -m tests.pii.findings_snapshot --golden   # rewrite data/findings_golden.txt

Run it once with the old code first on the path (`PYTHONPATH=<old checkout>/sdk`) and once
with the new, then `diff` the two files. Scores are kept to 6 decimals, recognizer names
too: a finding that moved, changed type, score or recognizer is a difference.
`min_score=0` configurations report every candidate a verdict accepted, so a change in
scoring shows even where it would not cross the reporting threshold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from tests.pii.synthetic import synthetic_texts

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "policies" / "evals" / "pii"
LANGCHAIN_TYPES = ("EMAIL_ADDRESS", "CREDIT_CARD", "IP_ADDRESS", "URL")

Detect = Callable[[str], list[Any]]


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("pii*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def _pattern(entities: Collection[str] | None = None, **options: Any) -> Detect:
    from charter.pii import PatternDetector

    detector = PatternDetector(**options)
    return lambda text: detector.detect(text, entities=entities)


def _custom() -> Detect:
    from charter.pii import CustomRecognizer, PatternDetector

    custom = [
        CustomRecognizer(name="employee", entity_type="EMPLOYEE_ID", pattern=r"\bEMP-\d{6}\b",
                         context=["employee", "personel"]),
        CustomRecognizer(name="luhn_ref", entity_type="CARD_REF", pattern=r"\b\d{12,16}\b",
                         validation="luhn", score=0.5),
        CustomRecognizer(name="member", entity_type="MEMBER",
                         pattern=r"member (?P<value>\d{4,8})", ignore_case=True),
    ]  # fmt: skip
    detector = PatternDetector(custom=custom)
    return lambda text: detector.detect(text)


def configurations() -> dict[str, Callable[[], Detect]]:
    """Name -> detector factory; every one runs on every text."""
    return {
        "default": lambda: _pattern(),
        "min_score_0": lambda: _pattern(min_score=0.0),
        "langchain_types": lambda: _pattern(LANGCHAIN_TYPES),
        "phones_only": lambda: _pattern(frozenset({"PHONE_NUMBER"})),
        "names_places": lambda: _pattern(("PERSON", "LOCATION")),
        "tr_only": lambda: _pattern(regions=("TR",)),
        "us_uk_min_0": lambda: _pattern(regions=("US", "UK"), min_score=0.0),
        "phone_regions_jp_br": lambda: _pattern(phone_regions=("JP", "BR", "IN")),
        "no_names_places": lambda: _pattern(names=False, places=False),
        "custom": _custom,
    }


def spacy_configuration() -> Detect:
    from charter.pii import PresidioDetector

    detector = PresidioDetector().load()
    return lambda text: detector.detect(text)


def encode(findings: list[Any]) -> list[list[object]]:
    return [
        [f.entity_type, f.start, f.end, round(f.score, 6), f.recognizer, list(f.path)]
        for f in findings
    ]


def snapshot(texts: list[str], detect: Detect) -> Iterator[list[list[object]]]:
    for text in texts:
        yield encode(detect(text))


GOLDEN = Path(__file__).parent / "data" / "findings_golden.txt"
GOLDEN_CONFIGS = ("default", "min_score_0")
GOLDEN_SYNTHETIC = 500


def golden_texts() -> list[str]:
    return corpus_texts() + list(synthetic_texts(GOLDEN_SYNTHETIC, seed=101))


def digest(value: object) -> str:
    return hashlib.sha1(json.dumps(value, ensure_ascii=False).encode()).hexdigest()[:16]


def golden_lines() -> Iterator[str]:
    """`config text-digest findings-digest` per text: what `test_pii_findings_golden`
    compares. Digests keep the file small; `main` prints the findings themselves."""
    texts = golden_texts()
    for name in GOLDEN_CONFIGS:
        detect = configurations()[name]()
        for text, found in zip(texts, snapshot(texts, detect), strict=True):
            yield f"{name} {digest(text)} {digest(found)}"


def write_golden() -> None:
    import phonenumbers

    GOLDEN.parent.mkdir(exist_ok=True)
    header = (
        f"# phonenumbers {phonenumbers.__version__}; python -m tests.pii.findings_snapshot --golden"
    )
    GOLDEN.write_text("\n".join([header, *golden_lines()]) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--golden", action="store_true", help=f"rewrite {GOLDEN.name}")
    parser.add_argument("--synthetic", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--spacy", action="store_true", help="also the spaCy mode (slow)")
    parser.add_argument("--only", nargs="*", help="configuration names")
    args = parser.parse_args(argv)
    if args.golden:
        write_golden()
        return 0
    if args.out is None:
        parser.error("give OUT (or --golden)")
    texts = corpus_texts() + list(synthetic_texts(args.synthetic, seed=args.seed))
    with args.out.open("w", encoding="utf-8") as out:
        for name, factory in configurations().items():
            if args.only and name not in args.only:
                continue
            detect = factory()
            for i, found in enumerate(snapshot(texts, detect)):
                out.write(json.dumps([name, i, found], ensure_ascii=False) + "\n")
        if args.spacy:
            detect = spacy_configuration()
            for i, found in enumerate(snapshot(texts, detect)):
                out.write(json.dumps(["spacy", i, found], ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
