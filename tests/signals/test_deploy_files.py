"""examples/deploy: every file parses, and the ports, endpoints and commands line up with
each other and with the real SDK (settings model, CLI, decision path, regorus)."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import regorus
import typer
import yaml
from typer.exceptions import TyperException

from charter.cli.main import app as cli_app
from charter.config import Settings
from charter.policy.base import DECISION_PATH

DEPLOY = Path(__file__).resolve().parents[2] / "examples" / "deploy"
CONSOLE_OTLP = "http://charter-console:4318"


def _yaml(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text())


# --- OPA --------------------------------------------------------------------------------------


def test_opa_serves_the_charter_bundle_with_decision_logs() -> None:
    config = _yaml("opa/config.yaml")
    bundle = config["bundles"]["charter"]
    service = config["services"][bundle["service"]]
    assert service["url"].startswith("https://")
    assert bundle["resource"].endswith("bundle.tar.gz")
    assert bundle["persist"] is True
    assert config["decision_logs"]["console"] is True
    # The path OPA answers without one is the rule the SDK evaluates.
    assert config["default_decision"] == "/" + DECISION_PATH.removeprefix("data.").replace(".", "/")


def test_the_decision_log_mask_hides_text_and_compiles() -> None:
    engine = regorus.Engine()
    engine.add_policy("mask.rego", (DEPLOY / "opa" / "system_log_mask.rego").read_text())
    mask = json.loads(engine.eval_rule_as_json("data.system.log.mask"))
    assert "/input/text" in mask
    assert "/input/tool/arguments" in mask


def test_opa_readme_shows_build_run_and_sdk_wiring() -> None:
    readme = (DEPLOY / "opa" / "README.md").read_text()
    for needle in (
        "charter policy build policies -o bundle.tar.gz",
        "opa run --server",
        "--bundle bundle.tar.gz",
        "--config-file opa/config.yaml",
        "CHARTER_ENGINE=http://opa:8181",
        "/v1/data/charter/main/decision",
    ):
        assert needle in readme, needle


# --- OpenTelemetry Collector -----------------------------------------------------------------


def test_collector_forwards_traces_to_the_console() -> None:
    config = _yaml("otel-collector.yaml")
    protocols = config["receivers"]["otlp"]["protocols"]
    assert protocols["http"]["endpoint"].endswith(":4318")
    assert protocols["grpc"]["endpoint"].endswith(":4317")
    console = config["exporters"]["otlphttp/console"]
    assert console["endpoint"] == CONSOLE_OTLP
    assert "debug" in config["exporters"]
    traces = config["service"]["pipelines"]["traces"]
    assert "otlphttp/console" in traces["exporters"] and "debug" in traces["exporters"]
    assert traces["processors"][-1] == "batch"
    assert traces["processors"][0] == "memory_limiter"


def test_collector_pipelines_only_reference_defined_components() -> None:
    config = _yaml("otel-collector.yaml")
    for name, pipeline in config["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            missing = set(pipeline.get(kind, [])) - set(config[kind])
            assert not missing, f"pipeline {name} uses undefined {kind}: {missing}"
    assert set(config["service"]["extensions"]) <= set(config["extensions"])


def test_collector_drops_content_attributes() -> None:
    actions = _yaml("otel-collector.yaml")["processors"]["attributes/drop_content"]["actions"]
    deleted = {a["key"] for a in actions if a["action"] == "delete"}
    from charter.semconv import ANSWER_REDACTED, PROMPT_REDACTED

    assert {PROMPT_REDACTED, ANSWER_REDACTED} <= deleted


# --- charter.toml ----------------------------------------------------------------------------


def test_charter_toml_is_valid_production_settings() -> None:
    raw = tomllib.loads((DEPLOY / "charter.toml").read_text())
    assert "password" not in json.dumps(raw).lower() and "vault_key" not in raw["charter"]
    settings = Settings.from_file(DEPLOY / "charter.toml")  # the real model: typos fail here
    assert settings.engine == "http://opa:8181"
    assert settings.store_url.startswith("postgresql://")
    assert "@postgres:5432/" in settings.store_url
    assert settings.environment == "prod" and settings.app and settings.tenant
    assert 0 < settings.telemetry_sample_rate < 1
    assert settings.record_content is False


# --- CI workflow -----------------------------------------------------------------------------


def _workflow() -> dict[Any, Any]:
    return _yaml("github-workflow-policy-ci.yml")  # type: ignore[no-any-return]


def _run_lines() -> list[str]:
    (job,) = _workflow()["jobs"].values()
    return [step["run"] for step in job["steps"] if "run" in step]


def test_workflow_runs_on_pull_requests_with_python_311() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert isinstance(triggers, dict) and "pull_request" in triggers
    (job,) = workflow["jobs"].values()
    uses = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    assert "actions/checkout" in uses
    assert str(uses["actions/setup-python"]["with"]["python-version"]) == "3.11"
    assert workflow["permissions"] == {"contents": "read"}


def test_workflow_runs_the_gates_in_order() -> None:
    lines = _run_lines()
    expected = [
        "pip install",
        "charter policy check policies",
        "charter policy test policies --coverage --threshold 90",
        "charter eval run policies/evals/redteam.jsonl --fail-under 0.8",
        "charter eval run policies/evals/benign.jsonl",
        "charter policy replay --candidate policies --store",
    ]
    positions = [next(i for i, line in enumerate(lines) if want in line) for want in expected]
    assert positions == sorted(positions)
    assert any("charter" in line for line in lines if line.startswith("pip install"))


_ROOT = typer.main.get_command(cli_app)


def _parse(argv: list[str]) -> dict[str, Any]:
    """Parse argv with the real `charter` CLI (no command runs): unknown commands or flags
    raise a usage error."""
    command: Any = _ROOT
    ctx = None
    while hasattr(command, "commands"):  # a group: descend by sub-command name
        name, *argv = argv
        ctx = command.make_context(command.name or "charter", [name], parent=ctx)
        command = command.get_command(ctx, name)
        if command is None:
            raise TyperException(f"no such command {name!r}")
    return dict(command.make_context(command.name, argv, parent=ctx).params)


def _charter_commands() -> list[list[str]]:
    commands = []
    for line in _run_lines():
        argv = shlex.split(line.replace("$DECISIONS_URL", "postgresql://ci@db/decisions"))
        if argv[0] == "charter":
            commands.append(argv[1:])
    return commands


@pytest.mark.parametrize(
    "argv",
    [pytest.param(argv, id=" ".join(argv[:2])) for argv in _charter_commands()],
)
def test_workflow_commands_are_valid_charter_invocations(argv: list[str]) -> None:
    params = _parse(argv)
    assert params, argv


def test_the_red_team_gate_counts_only_deny_and_held() -> None:
    """A redaction lets the prompt reach the model: it is not a block (issue 16)."""
    [gate] = [argv for argv in _charter_commands() if "redteam.jsonl" in " ".join(argv)]
    params = _parse(gate)
    assert params["fail_under"] == 0.8
    assert params["redaction_counts_as_block"] is False


def test_readme_names_every_file() -> None:
    readme = (DEPLOY / "README.md").read_text()
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and path.name != "README.md":
            assert str(path.relative_to(DEPLOY)) in readme, path


def test_the_cli_check_itself_rejects_unknown_flags() -> None:
    assert _parse(["policy", "test", "policies", "--threshold", "90"])["threshold"] == 90
    with pytest.raises(TyperException):
        _parse(["eval", "run", "x.jsonl", "--no-such-flag"])
    with pytest.raises(TyperException):
        _parse(["policy", "no-such-command"])
