"""Spans go through the real OTLP/HTTP exporter to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from charter import semconv as sc
from charter.decision import Action, Decision, Stage, Violation
from charter.errors import ConfigurationError
from charter.policy.input import PIISummary
from charter.telemetry import Telemetry, build_tracer_provider, signal_url
from tests.telemetry.otlp_receiver import Receiver, plain, running_receiver

ROOT = Path(__file__).resolve().parents[2]
SPAN_KIND_CLIENT = 3  # opentelemetry.proto.trace.v1.Span.SpanKind
STATUS_CODE_ERROR = 2


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


def test_guarded_call_arrives_with_genai_and_charter_attributes(receiver: Receiver) -> None:
    provider = build_tracer_provider(receiver.url, service_name="support-bot")
    tel = Telemetry(tracer_provider=provider, app="support-bot", tenant="acme", environment="prod")
    decision = Decision(
        action=Action.REQUIRE_APPROVAL,
        violations=(Violation(rule="finance.refund_over_limit", principle="4-eyes"),),
        policy_revision="git:1a2b3c",
    )
    with tel.call(operation="chat", provider="openai", model="gpt-4o", user="u-9") as call:
        with call.stage(sc.SPAN_PII):
            call.record_pii([PIISummary(type="TR_NATIONAL_ID", score=1.0, count=1)])
        with call.stage(sc.SPAN_POLICY):
            call.record_decision(decision)
        with call.stage(sc.SPAN_APPROVAL):
            call.record_approval("apr-77", "approved", 2500.0)
        call.record_signals({"jailbreak": 0.05})
        call.record_usage(812, 64, ["stop"])
    assert provider.force_flush(10_000)
    provider.shutdown()

    spans = receiver.wait_for_spans(1)
    assert receiver.content_types == ["application/x-protobuf"]
    [root] = [s for s in spans if s["name"] == "chat gpt-4o"]
    assert root["trace_id"] == call.trace_id and root["span_id"] == call.span_id
    assert root["kind"] == SPAN_KIND_CLIENT
    assert root["scope"] == "charter"
    assert root["resource"]["service.name"] == "support-bot"
    a = root["attributes"]
    assert a[sc.GEN_AI_OPERATION_NAME] == "chat"
    assert a[sc.GEN_AI_PROVIDER_NAME] == "openai"
    assert a[sc.GEN_AI_REQUEST_MODEL] == "gpt-4o"
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == 812
    assert a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == 64
    assert a[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert a[sc.ACTION] == "require_approval"
    assert a[sc.DECISION_ID] == decision.decision_id
    assert a[sc.RULES] == ("finance.refund_over_limit",)
    assert a[sc.PRINCIPLES] == ("4-eyes",)
    assert a[sc.POLICY_REVISION] == "git:1a2b3c"
    assert a[sc.PII_TYPES] == ("TR_NATIONAL_ID",)
    assert a[sc.PII_COUNT] == 1
    assert a[sc.PII_COUNT_PREFIX + "TR_NATIONAL_ID"] == 1
    assert a[sc.SIGNAL_PREFIX + "jailbreak"] == 0.05
    assert a[sc.APPROVAL_ID] == "apr-77"
    assert a[sc.APPROVAL_STATE] == "approved"
    assert a[sc.APPROVAL_WAIT_MS] == 2500.0
    assert (a[sc.TENANT], a[sc.APP], a[sc.ENVIRONMENT], a[sc.USER]) == (
        "acme",
        "support-bot",
        "prod",
        "u-9",
    )
    # One span per call: the stages are its events, each with its own decision.
    assert [s for s in spans if s["parent_span_id"] == root["span_id"]] == []
    events = {e.name: {a.key: plain(a.value) for a in e.attributes} for e in root["events"]}
    assert list(events) == [sc.SPAN_PII, sc.SPAN_POLICY, sc.SPAN_APPROVAL]
    assert events[sc.SPAN_POLICY][sc.STAGE_ACTION] == "require_approval"
    assert events[sc.SPAN_APPROVAL][sc.APPROVAL_ID] == "apr-77"
    assert all(e[sc.STAGE_DURATION_MS] >= 0 for e in events.values())


def test_sampled_provider_exports_denials_but_not_unsampled_allows(receiver: Receiver) -> None:
    provider = build_tracer_provider(receiver.url, sample_rate=0.0)
    tel = Telemetry(tracer_provider=provider, app="a", tenant="t", environment="e")
    with tel.call(operation="chat", provider="p", model="allowed", user="u") as call:
        call.record_decision(Decision(action=Action.ALLOW))
    with tel.call(operation="chat", provider="p", model="denied", user="u") as call:
        call.record_decision(Decision(action=Action.DENY, stage=Stage.OUTPUT))
    provider.force_flush(10_000)
    provider.shutdown()
    assert [s["name"] for s in receiver.wait_for_spans(1)] == ["chat denied"]


_CHILD = """
import json
from charter.decision import Action, Decision
from charter.errors import TelemetryError
from charter.telemetry import Telemetry, setup

provider = setup(service_name="svc")
again = setup(service_name="svc")
try:
    setup(service_name="other")
    conflict = ""
except TelemetryError as exc:
    conflict = str(exc)
tel = Telemetry(app="a", tenant="t", environment="e")  # global providers
with tel.call(operation="chat", provider="p", model="m", user="u") as call:
    call.record_decision(Decision(action=Action.DENY))
print(json.dumps({"same": provider is again, "conflict": conflict, "trace_id": call.trace_id}))
"""


def test_setup_installs_global_providers_from_the_environment(receiver: Receiver) -> None:
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["same"] is True
    assert "already set up" in result["conflict"]
    # Exit flushed the batch processor and the final metric collection.
    [span] = receiver.wait_for_spans(1)
    assert span["trace_id"] == result["trace_id"]
    assert span["resource"]["service.name"] == "svc"
    assert span["attributes"][sc.ACTION] == "deny"
    assert sc.METRIC_DECISIONS in receiver.metric_names()


def test_signal_urls_follow_the_otlp_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert signal_url("traces") == "http://127.0.0.1:4318/v1/traces"
    assert signal_url("traces", "http://collector:4318/") == "http://collector:4318/v1/traces"
    assert signal_url("traces", "http://c:4318/v1/traces") == "http://c:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example:4318")
    assert signal_url("metrics") == "https://otel.example:4318/v1/metrics"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://t.example/custom")
    assert signal_url("traces") == "https://t.example/custom"


@pytest.mark.parametrize("bad", ["127.0.0.1:4318", "grpc://x:4317", "http://"])
def test_bad_endpoints_are_refused_with_an_example(bad: str) -> None:
    with pytest.raises(ConfigurationError, match=r"not an OTLP/HTTP URL; use e\.g\. http://"):
        build_tracer_provider(bad)


def test_bad_sample_rate_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"sample_rate must be between 0\.0 and 1\.0"):
        build_tracer_provider("http://127.0.0.1:9", sample_rate=-0.1)


@contextlib.contextmanager
def _unavailable_collector() -> Iterator[tuple[str, list[float]]]:
    """A collector that answers every export 503 (retryable), and when each came."""
    tries: list[float] = []

    class Busy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            tries.append(time.monotonic())
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tries
    finally:
        server.shutdown()
        server.server_close()


def _one_span(provider: Any) -> None:
    with provider.get_tracer("test").start_as_current_span("call"):
        pass


def test_an_export_gives_up_on_a_collector_that_stays_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An export has `EXPORT_TIMEOUT_S` in all, retries included, however the collector
    answers: set to 2 s here, a first try and one retry. (It is the SDK's 10 s by default:
    a 2 s default dropped the spans of a collector that was only slow or restarting.)"""
    from charter.telemetry import _export

    for name in ("OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_export, "EXPORT_TIMEOUT_S", 2.0)
    with _unavailable_collector() as (url, tries):
        provider = build_tracer_provider(url)
        _one_span(provider)
        assert provider.force_flush(60_000)  # exports on this thread, retries and all
        assert len(tries) == 2
        provider.shutdown()


def test_exit_waits_for_an_unavailable_collector_at_most_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At exit the provider's shutdown flushed every queued batch with no bound of its own
    (a process stalled 7-19 s after its main code, 30 s with 3,000 calls). With a 30 s
    export (the standard variable), the flush is cut at `EXIT_FLUSH_S` (2 s), between the
    second try (~1 s) and the third (~3 s): the retries stop there."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "30")
    with _unavailable_collector() as (url, tries):
        provider = build_tracer_provider(url)
        _one_span(provider)
        provider.shutdown()  # the batch goes out now: the processor waits 5 s otherwise
        ended = len(tries)
        time.sleep(2.5)  # where the third and fourth tries would come
        assert ended == len(tries) == 2
