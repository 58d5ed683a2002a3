"""`charter init` scaffolds a repository whose own CI gate passes: the bundle with its Rego
unit tests, the eval corpora the workflow runs, and the workflow itself (the gate counts
only deny and held, never a redaction)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from charter.cli.main import app
from charter.cli.project import WORKFLOW

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _charter_steps(workflow: Path) -> list[list[str]]:
    (job,) = yaml.safe_load(workflow.read_text())["jobs"].values()
    lines = [step["run"] for step in job["steps"] if "run" in step]
    return [shlex.split(line)[1:] for line in lines if line.startswith("charter ")]


def test_the_example_workflow_is_the_one_init_installs() -> None:
    example = ROOT / "examples" / "deploy" / "github-workflow-policy-ci.yml"
    assert example.read_text() == WORKFLOW.read_text()


def test_init_scaffolds_a_ci_gate_that_passes_on_the_scaffold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    workflow = tmp_path / ".github" / "workflows" / "policy-ci.yml"
    assert workflow.is_file()
    assert sorted(p.name for p in (tmp_path / "policies" / "evals").iterdir()) == [
        "benign.jsonl",
        "redteam.jsonl",
    ]
    assert list((tmp_path / "policies").rglob("*_test.rego"))
    steps = _charter_steps(workflow)
    gates = [argv for argv in steps if argv[:2] == ["eval", "run"]]
    assert gates and all("--redaction-counts-as-block" not in argv for argv in gates)
    monkeypatch.chdir(tmp_path)  # CI runs from the repository's root
    ran = 0
    for argv in steps:
        if "--store" in argv:  # the replay step needs the production log (skipped in CI too)
            continue
        outcome = runner.invoke(app, argv)
        assert outcome.exit_code == 0, (argv, outcome.output[-2000:])
        ran += 1
    assert ran >= 4  # check, test, red-team gate, benign gate


def test_init_never_overwrites_an_existing_workflow(tmp_path: Path) -> None:
    mine = tmp_path / ".github" / "workflows" / "policy-ci.yml"
    mine.parent.mkdir(parents=True)
    mine.write_text("name: mine\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert mine.read_text() == "name: mine\n"
    assert not (tmp_path / "policies").exists()
