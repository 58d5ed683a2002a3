"""`charter eval run policies/evals` on the shipped bundle: it reports numbers, and the
numbers add up to the decisions the guard makes on each item."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from charter.cli.main import app
from charter.config import DEFAULT_POLICIES
from charter.testing import make_charter

EVALS = Path(DEFAULT_POLICIES) / "evals"
runner = CliRunner()

pytestmark = pytest.mark.skipif(not EVALS.is_dir(), reason="no shipped eval corpora")


def _corpus_rows() -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(EVALS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    result = runner.invoke(app, ["eval", "run", str(EVALS), "--json"])
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def test_every_item_is_reported_once(report: dict[str, Any]) -> None:
    rows = _corpus_rows()
    assert [r["id"] for r in report["results"]] == [row["id"] for row in rows]
    assert report["items"] == len(rows)
    labels = Counter(row["label"] for row in rows)
    assert (report["blocked_items"], report["allowed_items"]) == (
        labels["blocked"],
        labels["allowed"],
    )


def test_each_result_is_the_decision_the_guard_makes(
    report: dict[str, Any], tmp_path: Path
) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=False)
    try:
        for row, result in zip(_corpus_rows(), report["results"], strict=True):
            decision = charter.check(
                row["text"], stage=row.get("stage", "input"), provider="openai"
            )
            assert (result["action"], result["rules"]) == (
                decision.action.value,
                list(dict.fromkeys(decision.rules)),
            ), row["id"]
    finally:
        charter.close()


def test_the_numbers_add_up(report: dict[str, Any]) -> None:
    results = report["results"]
    blocked = [r for r in results if r["label"] == "blocked"]
    allowed = [r for r in results if r["label"] == "allowed"]
    caught = [r for r in blocked if r["outcome"] == "blocked"]
    refused = [r for r in allowed if r["outcome"] == "blocked"]
    assert report["detected"] == len(caught)
    assert report["detection_rate"] == pytest.approx(len(caught) / len(blocked))
    assert {m["id"] for m in report["misses"]} == {r["id"] for r in blocked} - {
        r["id"] for r in caught
    }
    assert report["false_refusal_rate"] == pytest.approx(len(refused) / len(allowed))
    assert [f["id"] for f in report["false_refusals"]] == [r["id"] for r in refused]
    hits = Counter(rule for r in results for rule in r["rules"])
    assert {r["rule"]: r["hits"] for r in report["rules"]} == dict(hits)
    assert sum(c["items"] for c in report["categories"]) == len(results)


def test_the_table_reports_the_headline_numbers(report: dict[str, Any]) -> None:
    """The table form on the two starter files (the JSON run above covers every item)."""
    corpora = [EVALS / "redteam.jsonl", EVALS / "benign.jsonl"]
    items = [
        line
        for corpus in corpora
        for line in corpus.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    result = runner.invoke(app, ["eval", "run", *map(str, corpora)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"charter eval: {len(items)} items, policy revision ")
    assert report["policy_revision"] in lines[0]
    assert lines[2].startswith("detection ")
    assert lines[3].startswith("false refusals ")
