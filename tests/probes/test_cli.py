"""`charter probe` and `charter eval run --target` on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter import semconv as sc
from charter.cli.main import app
from tests.probes.fakes import write_corpus
from tests.telemetry.otlp_receiver import running_receiver

runner = CliRunner()
TARGET = "tests.probes.app:answer"


@pytest.fixture
def args(tmp_path: Path) -> list[str]:
    corpus = write_corpus(tmp_path)
    store = f"sqlite:///{tmp_path / 'charter.db'}"
    return ["--target", TARGET, "--model", "fake", "--store", store] + [
        part for path in corpus for part in ("--corpus", str(path))
    ]


def _probe(args: list[str], *extra: str, version: str = "v1") -> tuple[int, str]:
    result = runner.invoke(app, ["probe", *extra, *args], env={"FAKE_MODEL_VERSION": version})
    return result.exit_code, result.output


def test_once_prints_a_table_per_suite_and_makes_the_baseline(args: list[str]) -> None:
    code, out = _probe(args, "--once")
    assert code == 0, out
    table = out.splitlines()[3:7]
    assert [line.split()[0] for line in table] == ["suite", "attacks", "benign", "sycophancy"]
    assert "1/2 refused (should)" in out and "0/4 false refusals" in out
    assert "0/2 flipped under pressure" in out
    assert "baseline: this run" in out


def test_a_silent_update_is_an_alert_and_fails_the_run(args: list[str]) -> None:
    assert _probe(args, "--once")[0] == 0
    code, out = _probe(args, "--once", "--fail-on", "alert", version="v2")
    assert code == 1, out
    assert "verdict: ALERT" in out
    assert "false refusal rate up 0.0% -> 50.0%" in out
    assert "sycophancy flip rate up 0.0% -> 100.0%" in out
    assert "model version fake-v2 (baseline: fake-v1)" in out
    assert _probe(args, "--once", "--fail-on", "never", version="v2")[0] == 0


def test_history_and_pin(args: list[str]) -> None:
    _probe(args, "--once")
    _probe(args, "--once", version="v2")
    store = args[args.index("--store") + 1]
    listed = runner.invoke(app, ["probe", "history", "--store", store])
    assert listed.exit_code == 0, listed.output
    rows = listed.output.splitlines()[1:]
    assert [r.split()[2].startswith("*") for r in rows] == [False, True]
    newest = rows[0].split()[2]
    pinned = runner.invoke(app, ["probe", "pin", newest, "--store", store])
    assert pinned.exit_code == 0 and "is now the baseline" in pinned.output
    again = runner.invoke(app, ["probe", "history", "--store", store]).output.splitlines()[1]
    assert again.split()[2] == "*" + newest
    code, out = _probe(args, "--once", "--fail-on", "warn", version="v2")
    assert code == 0 and "no change beyond the thresholds" in out


def test_every_runs_on_a_schedule(args: list[str]) -> None:
    code, out = _probe(args, "--every", "0.01s", "--max-runs", "2")
    assert code == 0, out
    assert out.count("charter probe: run ") == 2
    assert "verdict: OK" in out  # the second run is compared with the first


def test_json_output(args: list[str]) -> None:
    code, out = _probe(args, "--once", "--json")
    assert code == 0, out
    body = json.loads(out)
    assert body["is_baseline"] and body["run"]["metrics"]["refused_attacks"] == 1
    assert all("vector" not in a for a in body["run"]["answers"])


def _with_target(args: list[str], target: str) -> list[str]:
    return [a if a != TARGET else target for a in args]


def test_a_failing_target_is_counted_as_errors_not_refusals(args: list[str]) -> None:
    code, out = _probe(_with_target(args, "tests.probes.app:broken"), "--once")
    assert code == 0, out  # --fail-on never
    assert "8 probe(s) failed" in out and "refusal rate n/a" in out


def test_a_dead_model_is_an_alert_and_never_the_baseline(args: list[str]) -> None:
    broken = _with_target(args, "tests.probes.app:broken")
    code, out = _probe(broken, "--once", "--fail-on", "warn")
    assert code == 1, out
    assert "baseline: none yet\nnot stored as the baseline: all 8 probe calls failed\n" in out
    assert (
        "verdict: ALERT\n  alert  all 8 probes failed (8 RuntimeError): nothing about the " in out
    )
    code, out = _probe(args, "--once")
    assert code == 0 and "baseline: this run (the first for this target and model)" in out, out
    code, out = _probe(broken, "--once", "--fail-on", "alert")
    assert code == 1 and "verdict: ALERT" in out, out
    assert "model version" not in out  # no answer named a version: not a new one
    store = args[args.index("--store") + 1]
    listed = runner.invoke(app, ["probe", "history", "--store", store]).output.splitlines()[1:]
    assert [(r.split()[2][0] == "*", r.split()[-1]) for r in listed] == [
        (False, "alert"),
        (True, "ok"),
        (False, "alert"),
    ]
    dead = listed[0].split()[2]
    pinned = runner.invoke(app, ["probe", "pin", dead, "--store", store])
    assert pinned.exit_code == 2
    assert f"probe run {dead} cannot be the baseline: all 8 probe calls failed" in pinned.output


def test_some_failed_calls_are_a_warning_and_the_run_is_no_baseline(args: list[str]) -> None:
    flaky = _with_target(args, "tests.probes.app:flaky")
    code, out = _probe(flaky, "--once", "--fail-on", "warn")
    assert code == 1, out
    assert "not stored as the baseline: 1 probe call failed" in out
    assert "warn   1 of 8 probes failed (1 TimeoutError): the rates are over the 7 answered" in out
    code, out = _probe(flaky, "--once", "--set-baseline", "--fail-on", "alert")
    assert code == 0 and "not stored as the baseline" not in out, out  # accepted on purpose
    assert "baseline: this run" in out


def test_a_hung_target_fails_each_call_at_the_probe_timeout(args: list[str]) -> None:
    from tests.probes import app as probed

    hangs = _with_target(args, "tests.probes.app:hangs")
    env = {"CHARTER_PROBE_TIMEOUT_S": "0.05", "FAKE_MODEL_VERSION": "v1"}
    try:
        result = runner.invoke(app, ["probe", "--once", "--fail-on", "alert", *hangs], env=env)
    finally:
        probed.RELEASE.set()  # the abandoned calls end
    assert result.exit_code == 1, result.output
    assert "all 8 probes failed (8 no answer within 0.05s)" in result.output


def test_a_probe_set_with_nothing_to_ask_is_an_alert(args: list[str], tmp_path: Path) -> None:
    tool_only = tmp_path / "tool.jsonl"
    row = {"id": "t", "text": "hi", "label": "allowed", "category": "x", "stage": "tool_result"}
    tool_only.write_text(json.dumps(row) + "\n")
    store = args[args.index("--store") + 1]
    cli = ["--target", TARGET, "--store", store, "--corpus", str(tool_only)]
    code, out = _probe(cli, "--once", "--fail-on", "alert")
    assert code == 1, out
    assert "0 probes, 0 calls" in out and "not stored as the baseline: nothing was measured" in out
    assert "alert  nothing was measured: the probe set has no input-stage item to ask" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "say --once, or --every"),
        (["--once", "--every", "6h"], "say --once, or --every"),
        (["--once", "--endpoint", "http://127.0.0.1:9/v1"], "not both"),
        (["--every", "soon"], "not a positive duration"),
        (["--every", "200000d"], "--every '200000d' is longer than a year"),  # was OverflowError
        (["--once", "--fail-on", "maybe"], "--fail-on"),
    ],
)
def test_bad_options_are_one_line_errors(args: list[str], extra: list[str], message: str) -> None:
    code, out = _probe(args, *extra)
    assert code != 0 and message in out


def test_an_unknown_target_is_a_clear_error(args: list[str]) -> None:
    bad = [a if a != TARGET else "tests.probes.nowhere:answer" for a in args]
    code, out = _probe(bad, "--once")
    assert code == 2 and "cannot import tests.probes.nowhere" in out


def test_nothing_to_probe(tmp_path: Path) -> None:
    result = runner.invoke(app, ["probe", "--once"], env={"CHARTER_CONFIG": ""})
    assert result.exit_code == 2 and "nothing to probe" in result.output


def test_eval_run_asks_the_model_per_suite(tmp_path: Path) -> None:
    corpus = [str(p) for p in write_corpus(tmp_path)]
    base = ["eval", "run", *corpus, "--target", TARGET, "--pii-mode", "off"]
    result = runner.invoke(app, base, env={"FAKE_MODEL_VERSION": "v1"})
    assert result.exit_code == 0, result.output
    assert "by suite (corpus file):" in result.output
    assert "the model, per suite (tests.probes.app:answer, fake-v1):" in result.output
    flipped = runner.invoke(
        app, [*base, "--max-flip-rate", "0.5"], env={"FAKE_MODEL_VERSION": "v2"}
    )
    assert flipped.exit_code == 1
    assert "flip rate 100.0% is above --max-flip-rate 50.0%" in flipped.output


@pytest.mark.slow
def test_the_demo_model_as_in_the_readme(tmp_path: Path) -> None:
    """`charter probe --once` against the demo's guarded entry point, before and after the
    provider's silent update (a subprocess: the demo guards with the configured Charter)."""

    def probe(version: str, *extra: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "BANK_MODEL_VERSION": version}
        env.pop("CHARTER_CONFIG", None)
        cmd = [sys.executable, "-m", "charter.cli", "probe", "--once", *extra]
        cmd += ["--target", "charter.demo.probe:ask"]
        return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True)

    first = probe("2025-01")
    assert first.returncode == 0, first.stderr
    suites = [line.split()[0] for line in first.stdout.splitlines()[3:8]]
    assert suites == ["suite", "redteam", "benign", "overcaution", "sycophancy"]
    updated = probe("2025-06", "--fail-on", "alert")
    assert updated.returncode == 1, updated.stderr
    assert "verdict: ALERT" in updated.stdout
    assert "false refusal rate up" in updated.stdout and "sycophancy flip rate up" in updated.stdout


def test_thresholds_come_from_charter_toml(args: list[str], tmp_path: Path) -> None:
    config = tmp_path / "charter.toml"
    config.write_text(
        "[charter]\nprobe_thresholds = { min_items = 3, drift_warn = 0.98, drift_alert = 0.99 }\n"
    )
    env = {"CHARTER_CONFIG": str(config), "FAKE_MODEL_VERSION": "v1"}
    assert runner.invoke(app, ["probe", "--once", *args], env=env).exit_code == 0
    env["FAKE_MODEL_VERSION"] = "v2"
    result = runner.invoke(app, ["probe", "--once", "--fail-on", "alert", *args], env=env)
    assert result.exit_code == 0, result.output
    assert "verdict: WARN" in result.output  # 2 flips, 2 refusals: under min_items
    assert "flip rate" not in result.output.split("verdict:")[1]
    config.write_text("[charter]\nprobe_thresholds = { rate_alarm = 0.5 }\n")
    bad = runner.invoke(app, ["probe", "--once", *args], env=env)
    assert bad.exit_code == 2 and "probe_thresholds: rate_alarm" in bad.output


def test_probe_spans_and_gauges_reach_the_configured_receiver(args: list[str]) -> None:
    """Found by review: with only an OTLP endpoint configured, the probe's spans and gauges
    went to the global (no-op) provider, not the one built for the endpoint: the console's
    Probes screen stayed empty. A subprocess: providers are the process's."""
    with running_receiver() as receiver:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OTEL_"))}
        env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_METRICS_EXPORTER": "otlp"}
        env |= {"FAKE_MODEL_VERSION": "v1", "CHARTER_CONFIG": ""}
        cmd = [sys.executable, "-m", "charter.cli", "probe", "--once", *args]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        names = [span["name"] for span in receiver.spans()]
        metrics = receiver.metric_names()
    assert names.count(sc.SPAN_PROBE) == 1
    assert names.count(sc.SPAN_PROBE_SUITE) == 3  # attacks, benign, sycophancy
    assert sc.METRIC_PROBE_RATE in metrics


def test_a_model_version_with_control_characters_is_printed_escaped(args: list[str]) -> None:
    # Found by probing: an endpoint's `model` holding OSC 0 reached the terminal raw from
    # the run's headline, `probe history` and `probe pin`, retitling the window.
    args = [*args[:1], "tests.probes.app:retitles", *args[2:]]
    code, out = _probe(args, "--once")
    store = args[args.index("--store") + 1]
    listed = runner.invoke(app, ["probe", "history", "--store", store]).output
    run_id = listed.splitlines()[1].split()[2].lstrip("*")
    pinned = runner.invoke(app, ["probe", "pin", run_id, "--store", store]).output
    for text in (out, listed, pinned):
        assert "\x1b" not in text and "\x07" not in text
        assert "fake-v1\\x1b]0;PWNED\\x07" in text
    assert code == 0 and "(version fake-v1\\x1b]0;PWNED\\x07)" in out
