"""Issue 14 #1: a lone surrogate (`"\\ud800"`) must not stop anything.

Replays the attack: a prompt holding one stalled the audit writer forever (the record was
retried, nothing after it was written). And every other place such text can reach: a
record that cannot be serialised at all, span names and attributes on their way to the
receiver, OTLP/JSON bodies, the span store, the approval store and the console.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from monitor_tui.app import ConsoleApp
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.store import SpanStore
from monitor_tui.screens.approvals import ApprovalsScreen
from monitor_tui.screens.trace import TraceScreen
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from textual.widgets import DataTable, Static

from charter.approvals.queue import ApprovalQueue
from charter.audit import AuditLog, iter_records, verify
from charter.config import DEFAULT_POLICIES
from charter.decision import Action, ApprovalSpec, Approvers, Decision
from charter.errors import PolicyViolation
from charter.telemetry import Telemetry
from charter.testing import RecordingModel, make_charter
from tests.monitor_tui.factories import NOW_NS, call_span, clock
from tests.monitor_tui.helpers import settle

LONE = "\ud800"


def test_a_prompt_with_a_lone_surrogate_does_not_stall_the_decision_log(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=True)
    model = RecordingModel("Thanks, I will look into it.")
    ask = charter.guard(model=model.name, provider="openai")(model)
    with contextlib.suppress(PolicyViolation):  # whatever the policy makes of it
        ask(f"hello {LONE} there")
    for i in range(200):
        ask(f"question {i}")
    audit = charter.audit
    audit.flush(timeout=30)  # main: the first record is retried forever, this times out
    stats = audit.stats
    assert stats.queued == 0 and stats.lost == 0 and stats.dropped == 0
    charter.close()
    url = charter.settings.store_url
    result = verify(url)
    assert result.ok, result.reason
    assert result.checked == stats.written >= 201
    first = next(iter_records(url))
    assert first.result["error"] is None  # a real decision (the policy saw U+FFFD)


def test_the_writer_keeps_a_lone_surrogate_escaped_and_exports_it(tmp_path: Path) -> None:
    """The flow gives the policy valid text, but a record's input can still hold one (an
    application's own `AuditLog.record`): the writer keeps it, escaped, and exports it."""
    url = f"sqlite:///{tmp_path}/charter.db"
    with AuditLog(url, store_content=True) as log:  # text is stored only when opted in
        log.record(Decision(action=Action.ALLOW), {"text": f"hello {LONE} there"})
        log.record(Decision(action=Action.ALLOW), {"text": f"hello {LONE} again"})
        log.flush(timeout=30)
    with AuditLog(url) as log:  # the default: its digest, computed over the surrogate
        log.record(Decision(action=Action.ALLOW), {"text": f"hello {LONE} there"})
        log.flush(timeout=30)
    first, _, hashed = iter_records(url)
    assert hashed.input["text"] == "" and len(hashed.input["text_hmac"]) == 64
    assert LONE in first.input["text"]  # kept, escaped in the stored JSON, not replaced
    assert verify(url).ok
    exported = subprocess.run(
        [sys.executable, "-m", "charter.cli", "audit", "export", "--store", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr
    assert "\\ud800" in exported.stdout.splitlines()[0]


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("cannot be shown")


def test_a_record_that_cannot_be_written_leaves_a_marker_and_the_rest_goes_on(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/charter.db"
    with AuditLog(url) as log:
        log.record(Decision(action=Action.DENY), {"text": "before"})
        log.record(Decision(action=Action.DENY), {"odd": _Unprintable()})
        log.record(Decision(action=Action.ALLOW), {"text": "after"})
        log.flush(timeout=30)
        assert log.stats.marked == 1 and log.stats.written == 3
    records = list(iter_records(url))
    assert [r.is_marker for r in records] == [False, True, False]
    marker = records[1]
    assert marker.result["action"] == "deny" and "could not be written" in marker.result["error"]
    assert marker.input == {}
    assert verify(url).ok


def test_span_names_and_attributes_with_a_lone_surrogate_still_reach_the_receiver(
    tmp_path: Path,
) -> None:
    store = SpanStore(str(tmp_path / "spans.db"))
    receiver = Receiver(store, http_port=0, grpc_port=None)
    receiver.start()
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.http.endpoint))
    )
    try:
        telemetry = Telemetry(tracer_provider=provider, app="bot", tenant="acme", environment="t")
        with telemetry.call(
            operation="execute_tool", provider="openai", model="gpt", user="u-1", tool=f"t{LONE}"
        ):
            pass
        with telemetry.call(operation="chat", provider="openai", model=f"m{LONE}", user="u-2"):
            pass
        assert receiver.pipeline.flush(10)
        names = sorted(s.name for s in store.iter_spans())
    finally:
        provider.shutdown()
        receiver.stop()
        store.close()
    assert names == ["chat m\ufffd", "execute_tool t\ufffd"]


def _otlp_json(names: list[str]) -> bytes:
    spans = [
        {
            "traceId": f"{i + 1:032x}",
            "spanId": f"{i + 1:016x}",
            "name": name,
            "startTimeUnixNano": str(NOW_NS - 10**9),
            "endTimeUnixNano": str(NOW_NS),
            "attributes": [{"key": "charter.app", "value": {"stringValue": name}}],
        }
        for i, name in enumerate(names)
    ]
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    return json.dumps(doc).encode()  # ensure_ascii: the surrogate is sent as "\ud800"


def test_an_otlp_json_body_with_a_lone_surrogate_is_stored_not_refused(tmp_path: Path) -> None:
    import http.client

    store = SpanStore(str(tmp_path / "spans.db"), clock=clock)
    receiver = Receiver(store, http_port=0, grpc_port=None)
    receiver.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", receiver.http.port, timeout=10)
        conn.request(
            "POST",
            "/v1/traces",
            body=_otlp_json(["fine", f"bad{LONE}"]),
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        assert receiver.pipeline.flush(10)
        stored = sorted(s.attributes["charter.app"] for s in store.iter_spans())
    finally:
        receiver.stop()
        store.close()
    assert stored == ["bad\ufffd", "fine"]  # (their names are no Charter span's: not kept)


@pytest.fixture
def queue(tmp_path: Path) -> Any:
    q = ApprovalQueue(f"sqlite:///{tmp_path}/charter.db")
    yield q
    q.close()


async def test_the_span_store_the_approval_store_and_the_console_take_it(
    tmp_path: Path, queue: ApprovalQueue
) -> None:
    request = queue.submit(
        spec=ApprovalSpec(
            reason=f"why{LONE}",
            approvers=Approvers(roles=(f"role{LONE}",), users=("alice",)),
            min_approvals=1,
            timeout_s=900,
        ),
        action={"tool": f"refund{LONE}", "arguments": {"note": LONE}},
        requester=f"u{LONE}",
        tenant="acme",
        app=f"bot{LONE}",
        rule=f"rule{LONE}",
        decision_id="d-1",
    )
    assert queue.get(request.id).rule == "rule\ufffd"
    store = SpanStore(str(tmp_path / "spans.db"), clock=clock)
    span = call_span(1, end_ns=NOW_NS - 10**9, action="deny", rules=[f"r{LONE}"], app=f"a{LONE}")
    store.insert(
        [
            SpanRecord(
                **{
                    **{f: getattr(span, f) for f in span.__dataclass_fields__},
                    "name": f"chat{LONE}",
                    "attributes": {**span.attributes, f"k{LONE}": LONE},
                }
            )
        ]
    )
    app = ConsoleApp(store, queue=queue, reviewer=f"alice{LONE}", clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen)
        table = app.screen.query_one("#attributes", DataTable)
        cells = [str(c) for r in range(table.row_count) for c in table.get_row_at(r)]
        assert "k\ufffd" in cells
        await pilot.press("escape")
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        await pilot.press("f")  # every request: "alice\ufffd" is not the approver "alice"
        await settle(pilot)
        detail = app.screen.query_one("#request-detail", Static).content
        assert "refund\ufffd" in str(detail)
        assert app.is_running
    store.close()
