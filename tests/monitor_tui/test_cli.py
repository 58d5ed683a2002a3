"""`charter drift report`, `charter monitor serve|export` and `charter console` options."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from monitor_tui.drift import DriftConfig, compare
from monitor_tui.ingest.records import SpanRecord
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import SpanExportResult
from typer.testing import CliRunner

from charter import semconv
from charter.cli.main import app
from tests.monitor_tui.factories import NOW, call_span, traffic
from tests.monitor_tui.otlp_bodies import sdk_spans

runner = CliRunner()


def write_jsonl(path: Path, spans: list[SpanRecord]) -> Path:
    path.write_text("".join(json.dumps(s.to_json_dict()) + "\n" for s in spans))
    return path


def test_drift_report_json_matches_the_console_verdicts(tmp_path: Path) -> None:
    base, cur = traffic(300, seed=1), traffic(300, seed=2, token_mu=5.8)
    result = runner.invoke(
        app,
        [
            "drift",
            "report",
            "--baseline",
            str(write_jsonl(tmp_path / "b.jsonl", base)),
            "--current",
            str(write_jsonl(tmp_path / "c.jsonl", cur)),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc == json.loads(json.dumps(compare(base, cur, DriftConfig()).to_dict()))
    assert doc["severity"] == "alert"
    assert [a["feature"] for a in doc["alerts"]] == ["input_tokens"]


def test_drift_report_ignores_an_integer_too_large_for_a_float(tmp_path: Path) -> None:
    """Found by probing: one span with an integer attribute of 10**400 stopped the whole
    report with "OverflowError: int too large to convert to float", naming no file."""
    cur = traffic(300, seed=2)
    huge = {semconv.GEN_AI_USAGE_INPUT_TOKENS: 10**400, semconv.CALL_MS: -(10**400)}
    cur[0] = replace(cur[0], attributes={**cur[0].attributes, **huge})
    base = write_jsonl(tmp_path / "b.jsonl", traffic(300, seed=1))
    current = write_jsonl(tmp_path / "c.jsonl", cur)
    result = runner.invoke(
        app, ["drift", "report", "--baseline", str(base), "--current", str(current), "--json"]
    )
    assert result.exit_code == 0, result.output
    features = {f["feature"]: f for f in json.loads(result.output)["segments"][0]["features"]}
    assert features["input_tokens"]["n_current"] == 299  # that value is no sample
    assert features["latency_ms"]["n_current"] == 299  # no model time read: no sample
    assert cur[0].number(semconv.GEN_AI_USAGE_INPUT_TOKENS) is None


def test_drift_report_table(tmp_path: Path) -> None:
    b = write_jsonl(tmp_path / "b.jsonl", traffic(300, seed=1))
    c = write_jsonl(tmp_path / "c.jsonl", traffic(300, seed=2, version="gpt-5"))
    result = runner.invoke(app, ["drift", "report", "--baseline", str(b), "--current", str(c)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("drift: alert (baseline 300 calls, current 300 calls")
    assert lines[1] == "what changed: traffic ok · model ALERT · decisions ok · service ok"
    assert (
        "app=support-bot / environment=prod / model=gpt-4o / revision=rev-a: alert" in result.output
    )
    row = next(line for line in lines if line.strip().startswith("model_version"))
    assert row.split()[-1] == "alert" and "JS" in row
    assert "alerts: 1" in result.output


def test_drift_report_table_prints_exporters_names_with_escapes(tmp_path: Path) -> None:
    """Found by probing (stop 34): an app or model name from an exporter's spans reached
    the terminal as is (an OSC 52 sequence writes the clipboard of whoever reads it)."""
    hostile = "bot\x1b]52;c;aGk=\x07\u202e"
    spans = traffic(300, seed=1, app=hostile)
    b, c = write_jsonl(tmp_path / "b.jsonl", spans), write_jsonl(tmp_path / "c.jsonl", spans)
    result = runner.invoke(app, ["drift", "report", "--baseline", str(b), "--current", str(c)])
    assert result.exit_code == 0, result.output
    assert not any(ch in result.output for ch in "\x1b\x07\u202e")  # main: printed as is
    assert "app=bot\\x1b]52;c;aGk=\\x07\\u202e / environment=prod" in result.output


def test_drift_report_table_names_long_features_whole_and_aligned(tmp_path: Path) -> None:
    """Two response-side scores share their first 21 characters; the table used to cut
    both to "response_signal.harm." (and push the columns of longer names)."""
    scores = {"harm.intellectual_property": 0.01, "harm.indiscriminate_weapons": 0.02}

    def spans(seed: int) -> list[SpanRecord]:
        return [
            call_span(i, end_ns=int((NOW - 300 + i) * 1e9), response_signals=scores)
            for i in range(300)
        ]

    b, c = write_jsonl(tmp_path / "b.jsonl", spans(1)), write_jsonl(tmp_path / "c.jsonl", spans(2))
    result = runner.invoke(app, ["drift", "report", "--baseline", str(b), "--current", str(c)])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("  ") and "/" in line]
    names = {row.split()[0] for row in rows}
    assert {"response_signal." + name for name in scores} <= names
    kinds = {row.index(row.split()[1], len(row.split()[0]) + 2) for row in rows}
    assert len(kinds) == 1, rows


def test_fail_on_sets_the_exit_code(tmp_path: Path) -> None:
    b = write_jsonl(tmp_path / "b.jsonl", traffic(300, seed=1))
    same = write_jsonl(tmp_path / "same.jsonl", traffic(300, seed=2))
    moved = write_jsonl(tmp_path / "moved.jsonl", traffic(300, seed=2, version="gpt-5"))
    args = ["drift", "report", "--baseline", str(b), "--fail-on", "warn", "--current"]
    assert runner.invoke(app, [*args, str(same)]).exit_code == 0
    assert runner.invoke(app, [*args, str(moved)]).exit_code == 3
    swapped = write_jsonl(tmp_path / "swapped.jsonl", traffic(300, seed=2, model="gpt-4.1"))
    assert runner.invoke(app, [*args, str(swapped)]).exit_code == 3  # a model swap warns


def test_drift_report_small_files_say_not_enough_data(tmp_path: Path) -> None:
    b = write_jsonl(tmp_path / "b.jsonl", traffic(20, seed=1))
    c = write_jsonl(tmp_path / "c.jsonl", traffic(20, seed=2, version="gpt-5"))
    result = runner.invoke(
        app, ["drift", "report", "--baseline", str(b), "--current", str(c), "--fail-on", "warn"]
    )
    assert result.exit_code == 0
    assert result.output.startswith("drift: not enough data")


def test_drift_report_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", traffic(5, seed=1))
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(traffic(1, seed=1)[0].to_json_dict()) + "\n{oops\n")
    cases = [
        (["--current", str(tmp_path / "missing.jsonl")], "missing.jsonl: no such file"),
        (["--current", str(broken)], "broken.jsonl:2: not JSON"),
        (["--current", str(good), "--group-by", "app,colour"], "unknown group_by"),
        (["--current", str(good), "--fail-on", "sometimes"], "--fail-on must be one of"),
        (["--current", str(good), "--min-samples", "1"], "invalid drift settings"),
        (["--current", str(good), "--score-shift-min", "-0.1"], "invalid drift settings"),
    ]
    for extra, message in cases:
        result = runner.invoke(app, ["drift", "report", "--baseline", str(good), *extra])
        assert result.exit_code == 2, (extra, result.output)
        assert "Traceback" not in result.output
        assert message in result.output, (extra, result.output)


@pytest.mark.parametrize("weight", ["1e200", "Infinity", "NaN", "1e-200", "0"])
def test_drift_report_refuses_an_absurd_weight_naming_its_line(tmp_path: Path, weight: str) -> None:
    """Found by probing: one exported line with weight 1e200 (or Infinity) failed the whole
    report with "ValueError: cannot convert float NaN to integer", naming no file or line;
    a file of weights 1e-200 with a ZeroDivisionError."""
    base = write_jsonl(tmp_path / "b.jsonl", traffic(300, seed=1))
    lines = write_jsonl(tmp_path / "c.jsonl", traffic(300, seed=2)).read_text().splitlines()
    lines[1] = lines[1].replace('"weight": 1.0', f'"weight": {weight}')
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app, ["drift", "report", "--baseline", str(base), "--current", str(tmp_path / "c.jsonl")]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "c.jsonl:2: not a span: weight" in result.output


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# "with SIGINT ignored": a background job of a script (`charter monitor serve &`) starts so;
# Python then never raises KeyboardInterrupt, and serve used to run on to its --duration.
@pytest.mark.parametrize("started", ["in a terminal", "with SIGINT ignored"])
def test_monitor_serve_receives_and_export_writes_jsonl(tmp_path: Path, started: str) -> None:
    spans_db = tmp_path / "spans.db"
    charter = Path(sys.executable).with_name("charter")
    serve = subprocess.Popen(
        [
            str(charter),
            "monitor",
            "serve",
            "--port",
            "0",
            "--grpc-port",
            "0",
            "--spans",
            str(spans_db),
            "--duration",
            "300",  # longer than the wait below: only the signal can end it in time
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint if started == "with SIGINT ignored" else None,
    )
    try:
        assert serve.stdout is not None
        first = serve.stdout.readline()
        match = re.search(r"OTLP/HTTP (http://127\.0\.0\.1:\d+/v1/traces)", first)
        assert match, first + (serve.stderr.read() if serve.stderr else "")
        exporter = OTLPSpanExporter(endpoint=match.group(1))
        assert exporter.export(sdk_spans(3, action="deny")) is SpanExportResult.SUCCESS
        serve.send_signal(2)  # Ctrl-C: stops cleanly after storing what it received
        out, err = serve.communicate(timeout=30)
    finally:
        serve.kill()
    assert serve.returncode == 0, err
    assert "received 6, stored 6" in out
    out_file = tmp_path / "export" / "spans.jsonl"
    result = runner.invoke(
        app, ["monitor", "export", "--spans", str(spans_db), "--out", str(out_file)]
    )
    assert result.exit_code == 0, result.output
    lines = out_file.read_text().splitlines()
    assert len(lines) == 6
    calls = [json.loads(line) for line in lines if json.loads(line)["attributes"]]
    assert {c["attributes"].get("charter.decision.action") for c in calls} >= {"deny"}


def test_monitor_export_needs_an_existing_store(tmp_path: Path) -> None:
    result = runner.invoke(app, ["monitor", "export", "--spans", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "no span store at" in result.output
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("bound", ["yesterday-ish", "1e3", "2027"])
def test_monitor_export_time_bounds_are_validated(tmp_path: Path, bound: str) -> None:
    """`1e3` and `2027` were read as seconds ago (found by probing)."""
    result = runner.invoke(app, ["monitor", "export", "--since", bound])
    assert result.exit_code == 2
    assert f"--since {bound!r} is neither an ISO-8601 date/time" in result.output


@pytest.mark.parametrize(
    ("bound", "exported"),
    [
        (["--until", "9999-12-31"], 1),
        (["--until", "2300-01-01"], 1),
        (["--since", "2262-05-01"], 0),
        (["--since", "0001-01-01T00:30:00+01:00"], 1),
    ],
)
def test_monitor_export_takes_times_past_those_a_span_can_have(
    tmp_path: Path, bound: list[str], exported: int
) -> None:
    """Found by probing: a bound past 2262 (2**63 ns) was an OverflowError."""
    from monitor_tui.ingest.store import SpanStore

    spans_db = tmp_path / "spans.db"
    store = SpanStore(str(spans_db))
    store.insert([call_span(0, end_ns=time.time_ns())])
    store.close()
    result = runner.invoke(app, ["monitor", "export", "--spans", str(spans_db), *bound])
    assert result.exit_code == 0, result.output
    assert f"exported {exported} spans" in result.output


def test_console_rejects_a_bad_window() -> None:
    result = runner.invoke(app, ["console", "--window", "soon"])
    assert result.exit_code == 2
    assert "--window" in result.output and "not a duration" in result.output


def test_the_console_authorizes_approvals_with_the_configured_opa_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: `charter console` asked a local bundle (by default the shipped
    one, where alice reviews refunds) instead of the OPA server `engine` names, whose
    bundle lists only bob. The command builds the console as for real; Pilot drives it."""
    import asyncio

    from monitor_tui.app import ConsoleApp
    from textual.widgets import DataTable

    from charter.approvals import ApprovalState
    from charter.approvals.queue import ApprovalQueue
    from tests.approvals.helpers import REVIEWERS, opa_reviewed_by, submit
    from tests.monitor_tui.helpers import decide, settle

    store = f"sqlite:///{tmp_path / 'charter.db'}"
    with ApprovalQueue(store) as queue:
        ticket = submit(queue).id
    seen: list[object] = []

    async def drive(console: ConsoleApp) -> None:
        async with console.run_test(size=(140, 40)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            seen.append(console.screen.query_one("#inbox", DataTable).row_count)
            await pilot.press("f")  # every request: the vote itself is checked
            await settle(pilot)
            await decide(pilot, "a", "order verified")
            seen.extend(n.message for n in console._notifications)

    monkeypatch.setattr(ConsoleApp, "run", lambda self: asyncio.run(drive(self)))
    monkeypatch.chdir(tmp_path)  # no charter.toml: the environment configures
    args = ["console", "--reviewer", "alice", "--store", store, "--spans", ":memory:"]
    args += ["--port", "0", "--no-grpc"]
    with opa_reviewed_by({"bob": REVIEWERS["bob"]}) as url:
        monkeypatch.setenv("CHARTER_ENGINE", url)
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    inbox, *messages = seen
    assert inbox == 0 and any("unknown reviewer 'alice'" in str(m) for m in messages), seen
    with ApprovalQueue(store) as queue:
        held = queue.get(ticket)
    assert held.state is ApprovalState.PENDING and held.votes == ()
    monkeypatch.setenv("CHARTER_ENGINE", "http://127.0.0.1:9")  # nothing listens: refused
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "cannot open the approval queue to decide as alice: OPA query" in result.output
