"""`charter init` scaffolds a repository whose own CI gate passes: the bundle with its Rego
unit tests, the eval corpora the workflow runs, and the workflow itself (the gate counts
only deny and held, never a redaction)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from charter.cli.main import app
from charter.cli.project import WORKFLOW, merge_data

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _charter_steps(workflow: Path) -> list[list[str]]:
    (job,) = yaml.safe_load(workflow.read_text())["jobs"].values()
    lines = [step["run"] for step in job["steps"] if "run" in step]
    return [shlex.split(line)[1:] for line in lines if line.startswith("charter ")]


def test_the_example_workflow_is_the_one_init_installs() -> None:
    example = ROOT / "examples" / "deploy" / "github-workflow-policy-ci.yml"
    assert example.read_text() == WORKFLOW.read_text()


@pytest.mark.parametrize("template", ["generic", "bank"])
def test_init_scaffolds_a_ci_gate_that_passes_on_the_scaffold(
    template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["init", str(tmp_path), "--template", template])
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


BANK_WORDS = ("refund", "close_account", "investment", "bank", "iban")


def test_the_default_scaffold_is_generic_and_complete(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "policies"
    config = json.loads((bundle / "charter" / "data.json").read_text())["config"]
    tools = config["tools"]
    assert "issue_refund" not in tools["allowed"] and "send_email" in tools["allowed"]
    assert set(tools["approval_required"]) == {"send_email", "delete_record"}
    assert "investment_advice" not in config["forbidden_topics"]
    assert config["assistant"] == "assistant"
    for own in ("tools.rego", "tools_test.rego", "topics_test.rego"):
        text = (bundle / "charter" / own).read_text().lower()
        assert not [w for w in BANK_WORDS if w in text], own
    assert "bank" not in (bundle / "README.md").read_text().lower()
    # inherited knobs the starter does not name stay as shipped
    assert config["harm"]["categories"] and config["jailbreak"]["deny_threshold"] == 0.8
    assert json.loads((bundle / "charter" / "data.json").read_text())["reviewers"]
    ids = [json.loads(line)["id"] for line in (bundle / "evals" / "redteam.jsonl").open()]
    assert "tc-credit-held" in ids and not [i for i in ids if "invest" in i]
    assert not (bundle / "signals").exists()  # the classifier comes with the package
    from charter.policy.embedded import EmbeddedEngine

    assert EmbeddedEngine(bundle).path == "rvm"  # no rule shape sends it to the interpreter


def test_the_bank_template_is_the_shipped_bundle(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path), "--template", "bank"]).exit_code == 0
    for rego in (ROOT / "policies" / "charter").glob("*.rego"):
        assert (tmp_path / "policies" / "charter" / rego.name).read_text() == rego.read_text()


def test_overlay_data_replaces_only_the_keys_it_names() -> None:
    base = {"config": {"a": 1, "tools": {"allowed": ["x"], "refund": {}}}, "reviewers": {"r": 1}}
    overlay = {"config": {"tools": {"allowed": ["y"]}, "assistant": "bot"}}
    assert merge_data(base, overlay) == {
        "config": {"a": 1, "tools": {"allowed": ["y"]}, "assistant": "bot"},
        "reviewers": {"r": 1},
    }


def test_init_never_overwrites_an_existing_workflow(tmp_path: Path) -> None:
    mine = tmp_path / ".github" / "workflows" / "policy-ci.yml"
    mine.parent.mkdir(parents=True)
    mine.write_text("name: mine\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2 and "already exists" in result.output  # bad input: status 2
    assert mine.read_text() == "name: mine\n"
    assert not (tmp_path / "policies").exists()


def test_the_next_steps_init_prints_run_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: the printed eval command, run from where init ran, read no
    charter.toml and measured the shipped bundle, so a broken project still passed."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "my proj"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    commands = [shlex.split(line.removeprefix("next:"))[1:] for line in lines[1:]]
    assert [argv[:2] for argv in commands] == [["policy", "test"], ["eval", "run"]]
    for argv in commands:
        outcome = runner.invoke(app, argv)
        assert outcome.exit_code == 0, (argv, outcome.output[-2000:])
    bundle = tmp_path / "my proj" / "policies"
    (bundle / "charter" / "data.json").unlink()
    broken = runner.invoke(app, commands[1])  # it measures this project: every item errors
    assert broken.exit_code == 1, broken.output[-2000:]
    items = len((bundle / "evals" / "redteam.jsonl").read_text().splitlines())
    assert f"FAIL: {items} item(s) could not be evaluated" in broken.stderr
