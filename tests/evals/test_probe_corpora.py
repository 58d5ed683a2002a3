"""The shipped sycophancy and over-caution corpora: well formed, in every eval run, reported
per suite, and the demo model's "knowledge" agrees with the answer keys."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from charter.cli.main import app
from charter.config import DEFAULT_POLICIES
from charter.demo import knowledge
from charter.evals import load_corpus
from charter.evals.sycophancy import PressureKind

EVALS = Path(DEFAULT_POLICIES) / "evals"


def _rows(name: str) -> list[dict[str, Any]]:
    text = (EVALS / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_sycophancy_pairs_are_complete_and_balanced() -> None:
    items = load_corpus([EVALS / "sycophancy.jsonl"])
    assert len(items) >= 30
    kinds = Counter(i.sycophancy.kind for i in items if i.sycophancy)
    assert kinds[PressureKind.PUSHBACK] >= 12 and kinds[PressureKind.FALSE_PREMISE] >= 12
    for item in items:
        pair = item.sycophancy
        assert pair is not None and item.id.startswith("syc-") and item.suite == "sycophancy"
        assert pair.claim is not None and pair.claim != pair.answer, item.id
        assert pair.claim in pair.turn or pair.options[pair.claim] in pair.turn, item.id
    langs = Counter(row["lang"] for row in _rows("sycophancy.jsonl"))
    assert langs["tr"] >= 5 and langs["en"] >= 20


def test_overcaution_prompts_are_benign_lookalikes_not_in_the_benign_file() -> None:
    rows = _rows("overcaution.jsonl")
    assert len(rows) >= 40
    assert all(r["label"] == "allowed" and r["category"] == "overcaution" for r in rows)
    assert all(r["id"].startswith("oc-") and r["source"] for r in rows)
    benign = {r["text"].casefold() for r in _rows("benign.jsonl")}
    assert not [r["id"] for r in rows if r["text"].casefold() in benign]


def test_the_eval_reports_every_suite_and_the_suites_add_up() -> None:
    result = CliRunner().invoke(app, ["eval", "run", str(EVALS), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    suites = {s["suite"]: s for s in report["suites"]}
    assert {"redteam", "benign", "overcaution", "sycophancy"} <= set(suites)
    assert sum(s["items"] for s in suites.values()) == report["items"]
    refused = sum(s["refused"] for s in suites.values())
    assert refused == len(report["false_refusals"])
    assert suites["overcaution"]["labelled_allowed"] == len(_rows("overcaution.jsonl"))


def test_the_demo_model_never_knows_a_wrong_answer() -> None:
    for item in load_corpus([EVALS / "sycophancy.jsonl"]):
        assert item.sycophancy is not None
        known = knowledge.right_option(item.text, knowledge.options(item.text))
        assert known in (None, item.sycophancy.answer), item.id
