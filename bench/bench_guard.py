"""Guard overhead per call (PII off, telemetry and audit on) vs the sum of its floors.

Floors, measured in the same run: a raw regorus evaluation of the same policy input (the
interpreter path the engine uses), one OpenTelemetry SDK span with the same attributes on
the same provider, and the plain function call. Target: guard ≤ 1.3× that sum.
Also: guarded calls per second per process, sync and async.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from bench._timing import compare_us, row
from charter.config import Settings
from charter.guard import Charter
from charter.policy import _regorus
from charter.policy.base import DECISION_PATH
from charter.telemetry import Telemetry

PROMPT = "Hello, what are your branch opening hours on Saturday?"


class _Discard(SpanExporter):
    """Ends every span through the SDK's processor, keeps nothing (measure, don't hoard)."""

    def export(self, spans: object) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def run() -> list[dict[str, object]]:
    tmp = Path(tempfile.mkdtemp(prefix="charter-bench-"))
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_Discard()))
    telemetry = Telemetry(tracer_provider=provider, app="bench", tenant="t", environment="bench")
    settings = Settings.build(
        {
            "store_url": f"sqlite:///{tmp / 'bench.db'}",
            "pii_mode": "off",
            "telemetry": True,
            "audit": True,
            "app": "bench",
            "tenant": "t",
            "environment": "bench",
        }
    )
    charter = Charter(settings, telemetry=telemetry)

    def model(prompt: str) -> str:
        return "We are open 09:00-13:00 on Saturdays."

    guarded = charter.guard(model="gpt-4o-mini", provider="openai")(model)
    guarded(PROMPT)  # warm: engine, audit writer, signals

    # the same policy input the guard builds, for the raw floor
    doc = {
        "schema": 1,
        "stage": "input",
        "app": "bench",
        "tenant": "t",
        "environment": "bench",
        "user": {"id": "anonymous", "roles": []},
        "model": {"provider": "openai", "name": "gpt-4o-mini"},
        "text": PROMPT,
        "pii": [],
        "signals": charter.signals.score(PROMPT),
        "metadata": {},
    }
    engine = _regorus.new_engine(charter.engine.bundle)  # type: ignore[attr-defined]
    doc_json = json.dumps(doc)

    def raw_eval() -> object:
        engine.set_input_json(doc_json)
        return engine.eval_rule_as_json(DECISION_PATH)

    tracer = provider.get_tracer("bench")
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "charter.decision.action": "allow",
        "charter.policy.revision": "r",
        "charter.app": "bench",
        "charter.tenant": "t",
    }

    def one_span() -> None:
        with tracer.start_as_current_span("chat gpt-4o-mini", attributes=attrs):
            pass

    # Input and output stages each evaluate the policy once: the floor counts two evals.
    def floors() -> None:
        raw_eval()
        raw_eval()
        one_span()
        model(PROMPT)

    guard_us, floor_us = compare_us(lambda: guarded(PROMPT), floors, n=400, rounds=7)

    # The same pipeline with telemetry and audit off, against its own floor (2 evals + call):
    # separates the pipeline's cost from the cost of recording.
    bare = Charter(settings.model_copy(update={"telemetry": False, "audit": False}))
    bare_guarded = bare.guard(model="gpt-4o-mini", provider="openai")(model)

    def eval_floor() -> None:
        raw_eval()
        raw_eval()
        model(PROMPT)

    bare_us, eval_floor_us = compare_us(lambda: bare_guarded(PROMPT), eval_floor, n=400, rounds=5)

    n = 1000
    t0 = time.perf_counter()
    for _ in range(n):
        guarded(PROMPT)
    sync_rate = n / (time.perf_counter() - t0)

    @charter.guard(model="gpt-4o-mini", provider="openai")
    async def amodel(prompt: str) -> str:
        return "We are open 09:00-13:00 on Saturdays."

    async def burst() -> float:
        t = time.perf_counter()
        await asyncio.gather(*(amodel(PROMPT) for _ in range(n)))
        return n / (time.perf_counter() - t)

    async_rate = asyncio.run(burst())
    audit = charter.audit
    charter.close()
    stats = audit.stats if audit is not None else None
    return [
        row("floors: 2 raw regorus evals + 1 OTel span + call", floor_us, "µs/call"),
        row(
            "guarded call (PII off, telemetry + audit on)",
            guard_us,
            "µs/call",
            floor=floor_us,
            target="≤ 1.3×",
        ),
        row("floors: 2 raw regorus evals + call", eval_floor_us, "µs/call"),
        row(
            "guarded call, telemetry and audit off",
            bare_us,
            "µs/call",
            floor=eval_floor_us,
            target="the pipeline alone",
        ),
        row("guarded calls per second (sync, 1 thread)", sync_rate, "calls/s"),
        row("guarded calls per second (asyncio, 1000 tasks)", async_rate, "calls/s"),
        row("audit records dropped during bench", float(stats.dropped if stats else 0), "records"),
    ]
