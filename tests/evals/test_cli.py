"""`charter eval run`: table and JSON output, CI gates, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from charter.cli.main import app
from tests.evals.conftest import write_corpus

runner = CliRunner()

ROWS = [
    {"id": "hit", "text": "attack the bank", "label": "blocked", "category": "attack",
     "expect_rule": "demo.attack"},
    {"id": "miss", "text": "tell me a joke", "label": "blocked", "category": "attack"},
    {"id": "held", "text": "refund please", "label": "blocked", "category": "refund"},
    {"id": "fine", "text": "hello", "label": "allowed"},
    {"id": "over", "text": "attack surface basics", "label": "allowed"},
    {"id": "local", "text": "my secret", "label": "allowed"},
]  # fmt: skip


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus.jsonl", ROWS)


def _run(*args: str) -> Result:
    return runner.invoke(app, ["eval", "run", *args])


def test_table_report(corpus: Path, demo_bundle: Path) -> None:
    result = _run(str(corpus), "--policies", str(demo_bundle), "--provider", "local")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "charter eval: 6 items, policy revision " in out
    assert "provider local" in out
    assert "detection       66.7%  2/3 items labelled blocked were blocked" in out
    assert "false refusals  33.3%  1/3 items labelled allowed were blocked" in out
    assert "misses (labelled blocked, not blocked): 1" in out
    assert "false refusals (labelled allowed, blocked): 1" in out
    lines = out.splitlines()
    assert any(line.split() == ["miss", "attack", "allow", "-"] for line in lines), out
    assert any(line.split() == ["over", "benign", "deny", "demo.attack"] for line in lines), out
    assert any(line.split() == ["demo.attack", "2", "1", "1"] for line in lines), out
    assert any(line.split() == ["attack", "2", "2", "1", "0", "1", "50.0%"] for line in lines)


def test_json_report_matches_the_items(corpus: Path, demo_bundle: Path) -> None:
    result = _run(str(corpus), "--policies", str(demo_bundle), "--json", "--provider", "local")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [r["id"] for r in body["results"]] == [row["id"] for row in ROWS]
    assert body["detection_rate"] == pytest.approx(2 / 3)
    assert [m["id"] for m in body["misses"]] == ["miss"]
    assert [f["id"] for f in body["false_refusals"]] == ["over"]
    assert body["expected_rules"] == [{"rule": "demo.attack", "items": 1, "fired": 1, "missed": []}]


def test_the_provider_option_reaches_the_policy(corpus: Path, demo_bundle: Path) -> None:
    result = _run(str(corpus), "--policies", str(demo_bundle), "--json")  # default: openai
    body = json.loads(result.stdout)
    assert [f["id"] for f in body["false_refusals"]] == ["over", "local"]


@pytest.mark.parametrize(
    ("gates", "code", "message"),
    [
        (["--fail-under", "0.6", "--max-false-refusals", "0.34"], 0, None),
        (["--fail-under", "0.7"], 1, "FAIL: detection rate 66.7% is below --fail-under 70.0%"),
        (
            ["--max-false-refusals", "0.3"],
            1,
            "FAIL: false refusal rate 33.3% is above --max-false-refusals 30.0%",
        ),
    ],
)
def test_ci_gates(
    corpus: Path, demo_bundle: Path, gates: list[str], code: int, message: str | None
) -> None:
    result = _run(str(corpus), "--policies", str(demo_bundle), "--provider", "local", *gates)
    assert result.exit_code == code, result.output
    if message:
        assert message in result.stderr
    else:
        assert "FAIL" not in result.stderr


def test_a_rate_outside_0_to_1_is_refused(corpus: Path, demo_bundle: Path) -> None:
    result = _run(str(corpus), "--policies", str(demo_bundle), "--fail-under", "90")
    assert result.exit_code == 2
    assert "--fail-under" in result.stderr


def test_a_broken_corpus_is_a_clear_error_and_nothing_runs(
    tmp_path: Path, demo_bundle: Path
) -> None:
    path = write_corpus(tmp_path / "bad.jsonl", [{"id": "x", "label": "blocked"}])
    result = _run(str(path), "--policies", str(demo_bundle))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: the eval corpus has 1 problem(s)")
    assert f"{path}:1: `text` must be a non-empty string" in result.stderr


def test_a_broken_bundle_is_a_clear_error(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "broken" / "charter").mkdir(parents=True)
    (tmp_path / "broken" / "charter" / "main.rego").write_text(
        "package charter.main\ndecision := {\n"
    )
    result = _run(str(corpus), "--policies", str(tmp_path / "broken"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    assert "main.rego:" in result.stderr
    assert "corpus item" not in result.stderr


def test_an_unknown_pii_mode_is_refused(corpus: Path) -> None:
    result = _run(str(corpus), "--pii-mode", "regex")
    assert result.exit_code == 2
    assert "--pii-mode 'regex' is not one of pattern, spacy, off" in result.stderr


def test_an_unevaluable_item_fails_the_run(tmp_path: Path, demo_bundle: Path) -> None:
    path = write_corpus(tmp_path / "c.jsonl", [{"id": "b", "text": "boom", "label": "blocked"}])
    result = _run(str(path), "--policies", str(demo_bundle))
    assert result.exit_code == 1
    assert "errors (policy failed closed): 1" in result.stdout
    assert "detection         n/a  0/0 items labelled blocked were blocked" in result.stdout
    assert "errors              1  items could not be evaluated" in result.stdout
    assert "FAIL: 1 item(s) could not be evaluated (failed closed): b" in (result.stderr)


@pytest.mark.parametrize("on_deny", ["raise", "refuse"])
def test_an_item_denied_unchecked_is_an_error_and_the_others_are_reported(
    tmp_path: Path, demo_bundle: Path, on_deny: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: one item over a limit (arguments 40 levels deep, a text over
    1,000,000 characters, NaN in arguments) ended the run with exit 2 and no report."""
    monkeypatch.setenv("CHARTER_ON_DENY", on_deny)  # "refuse" must not change what check does
    deep: dict[str, object] = {"a": 1}
    for _ in range(40):
        deep = {"a": deep}
    call = {"label": "blocked", "stage": "tool_call", "tool": "refund", "text": "refund"}
    rows = [
        {"id": "fine", "text": "hello", "label": "allowed"},
        {"id": "deep", **call, "arguments": deep},
        {"id": "nan", **call, "arguments": {"amount": float("nan")}},
        {"id": "long", "text": "x" * 1_000_001, "label": "blocked"},
        {"id": "hit", "text": "attack the bank", "label": "blocked"},
    ]
    path = write_corpus(tmp_path / "c.jsonl", rows)
    result = _run(str(path), "--policies", str(demo_bundle), "--json")
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert [r["id"] for r in body["results"]] == [row["id"] for row in rows]
    assert [(e["id"], e["action"], e["rules"]) for e in body["errors"]] == [
        ("deep", "deny", ["charter.limit_exceeded"]),
        ("nan", "deny", ["charter.unreadable_data"]),
        ("long", "deny", ["charter.limit_exceeded"]),
    ]
    assert (body["detected"], body["blocked_items"]) == (1, 1)
    assert "FAIL: 3 item(s) could not be evaluated (failed closed): deep, nan, long" in (
        result.stderr
    )
