"""Guard overhead per call (PII off, telemetry and audit on) vs the sum of its floors.

Floors, measured in the same run: raw evaluations of the two policy inputs the guard
builds (input stage and output stage, captured from a guarded call) on the fastest raw
regorus path (the compiled RVM), one bare OpenTelemetry SDK span with the same attributes
on the same provider, and the plain function call. Target: guard ≤ 1.3× that sum. Signals
are the defaults (the safety classifier and the heuristic cues), so the guard's side
includes scoring the prompt and the answer, which the floor does not. Also: the same with
the interpreter floor (how the README's "before" was measured), guarded calls per second,
and what policy isolation in worker processes costs per evaluation.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from bench._timing import compare_cpu_us, compare_us, row
from charter.config import Settings
from charter.guard import Charter
from charter.policy import _regorus
from charter.policy.base import DECISION_PATH
from charter.policy.embedded import EmbeddedEngine
from charter.signals import SignalSet
from charter.telemetry import Telemetry

PROMPT = "Hello, what are your branch opening hours on Saturday?"


class _Discard(SpanExporter):
    """Ends every span through the SDK's processor, keeps nothing (measure, don't hoard)."""

    def export(self, spans: object) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _telemetry_vs_bare_span(provider: TracerProvider, scores: dict[str, float]) -> list[dict]:
    """What the guard's telemetry costs per call (no-op meter, the default without a meter
    provider) vs one bare SDK span carrying the same attributes and the same two events."""
    from opentelemetry.trace import SpanKind

    from charter import semconv as sc
    from charter.decision import Action, Decision, Stage

    telemetry = Telemetry(tracer_provider=provider, app="bench", tenant="t", environment="bench")
    first = Decision(action=Action.ALLOW, policy_revision="r")
    second = Decision(action=Action.ALLOW, policy_revision="r", stage=Stage.OUTPUT)

    def ours() -> None:
        with telemetry.call(
            operation="chat", provider="openai", model="gpt-4o-mini", user="anonymous"
        ) as call:
            for decision in (first, second):
                with call.stage(sc.SPAN_POLICY):
                    call.record_decision(decision)
                call.record_pii(())
                call.record_signals(scores, response=decision.stage.is_response)
            call.record_usage(None, None, (), None)
            call.record_call_duration(0.01)

    tracer = provider.get_tracer("bare")
    start = {
        sc.GEN_AI_OPERATION_NAME: "chat",
        sc.GEN_AI_PROVIDER_NAME: "openai",
        sc.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
        sc.APP: "bench",
        sc.TENANT: "t",
        sc.ENVIRONMENT: "bench",
        sc.USER: "anonymous",
    }
    events = [
        {sc.STAGE_ACTION: "allow", sc.STAGE: s, sc.DECISION_ID: d.decision_id}
        for s, d in (("input", first), ("output", second))
    ]
    end = {
        sc.POLICY_REVISION: "r",
        **{sc.SIGNAL_PREFIX + k: v for k, v in scores.items()},
        **{sc.RESPONSE_SIGNAL_PREFIX + k: v for k, v in scores.items()},
        sc.ACTION: "allow",
        sc.DECISION_ID: first.decision_id,
        sc.CALL_MS: 0.01,
        sc.LATENCY_MS: 0.1,
    }

    def bare() -> None:
        with tracer.start_as_current_span(
            "chat gpt-4o-mini",
            kind=SpanKind.CLIENT,
            attributes=start,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            for attrs in events:
                span.add_event(sc.SPAN_POLICY, {**attrs, sc.STAGE_DURATION_MS: 0.01})
            span.set_attributes(end)

    ours_us, bare_us = compare_us(ours, bare, n=1000, rounds=7)
    return [
        row("one bare OTel SDK span, same attributes + 2 events", bare_us, "µs/call"),
        row(
            "charter telemetry per guarded call (1 span, stage events)",
            ours_us,
            "µs/call",
            floor=bare_us,
            target="≤ 1.2×",
        ),
    ]


def _policy_inputs(charter: Charter, call: Callable[[], object]) -> list[dict[str, Any]]:
    """The policy inputs one guarded call evaluates (input stage, output stage), as built by
    the guard itself: the floor evaluates exactly these."""
    engine: Any = charter.engine
    seen: list[dict[str, Any]] = []
    evaluate = engine.evaluate

    def spy(doc: Any) -> Any:
        seen.append(dict(doc))
        return evaluate(doc)

    engine.evaluate = spy
    try:
        call()
    finally:
        del engine.evaluate
    assert [d["stage"] for d in seen] == ["input", "output"], seen
    return seen


def _rvm_evals(vm: Any, docs_json: list[str]) -> Callable[[], None]:
    """A floor's policy part: raw RVM evaluations of `docs_json`, in order."""

    def evaluate() -> None:
        for doc_json in docs_json:
            vm.set_input_json(doc_json)
            vm.execute()

    return evaluate


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
    docs = _policy_inputs(charter, lambda: guarded(PROMPT))  # warms engine, audit, signals
    doc = docs[0]
    bundle = charter.engine.bundle  # type: ignore[attr-defined]
    interpreter = _regorus.new_engine(bundle)
    vm = _regorus.new_vm(_regorus.compile_program(bundle, [DECISION_PATH]), bundle.data_json)
    docs_json = [json.dumps(d) for d in docs]

    raw_evals = _rvm_evals(vm, docs_json)

    def raw_interpreted() -> object:
        for doc_json in docs_json:
            interpreter.set_input_json(doc_json)
            interpreter.eval_rule_as_json(DECISION_PATH)
        return None

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

    # Input and output stages each evaluate the policy once, on the inputs the guard built.
    def floors() -> None:
        raw_evals()
        one_span()
        model(PROMPT)

    def interpreter_floors() -> None:
        raw_interpreted()
        one_span()
        model(PROMPT)

    guard_us, floor_us = compare_us(lambda: guarded(PROMPT), floors, n=400, rounds=7)
    guard_cpu_us, floor_cpu_us = compare_cpu_us(lambda: guarded(PROMPT), floors)
    _, interpreter_floor_us = compare_us(lambda: None, interpreter_floors, n=200, rounds=3)

    # Telemetry alone, as the guard drives it, vs one bare span with the same attributes.
    telemetry_rows = _telemetry_vs_bare_span(provider, charter.signals.score(PROMPT))

    # Policy isolation in worker processes: what one evaluation costs there.
    isolated = EmbeddedEngine(bundle, isolation="process", timeout_ms=5000)
    inline = EmbeddedEngine(bundle)
    isolated.evaluate(doc)  # start the worker
    isolated_us, inline_us = compare_us(
        lambda: isolated.evaluate(doc), lambda: inline.evaluate(doc), n=200, rounds=5
    )
    isolated.close()

    # The same pipeline with telemetry and audit off, against its own floor (2 evals + call):
    # separates the pipeline's cost from the cost of recording.
    bare = Charter(settings.model_copy(update={"telemetry": False, "audit": False}))
    bare_guarded = bare.guard(model="gpt-4o-mini", provider="openai")(model)

    def eval_floor() -> None:
        raw_evals()
        model(PROMPT)

    bare_us, eval_floor_us = compare_us(lambda: bare_guarded(PROMPT), eval_floor, n=400, rounds=5)

    # Telemetry on, audit off: with the row above, splits recording into its two parts (the
    # audit writer thread shares the GIL with the calls; see bench_audit_mode).
    unaudited = Charter(settings.model_copy(update={"audit": False}), telemetry=telemetry)
    unaudited_guarded = unaudited.guard(model="gpt-4o-mini", provider="openai")(model)
    unaudited_us, _ = compare_us(lambda: unaudited_guarded(PROMPT), floors, n=400, rounds=5)

    # The audit log written by a child process instead of a thread (audit_writer=process).
    forked = Charter(
        settings.model_copy(
            update={"store_url": f"sqlite:///{tmp / 'process.db'}", "audit_writer": "process"}
        ),
        telemetry=telemetry,
    )
    forked_guarded = forked.guard(model="gpt-4o-mini", provider="openai")(model)
    forked_guarded(PROMPT)
    forked_us, _ = compare_us(lambda: forked_guarded(PROMPT), floors, n=400, rounds=7)
    forked.close()

    # The same call with no signals, against a floor on the inputs *that* call builds: what
    # the pipeline, telemetry and audit cost by themselves (the classifier's own cost is in
    # `python -m bench signals_classifier`).
    unscored = Charter(
        settings.model_copy(update={"store_url": f"sqlite:///{tmp / 'unscored.db'}"}),
        telemetry=telemetry,
        signals=SignalSet([]),
    )
    unscored_guarded = unscored.guard(model="gpt-4o-mini", provider="openai")(model)
    unscored_evals = _rvm_evals(
        vm, [json.dumps(d) for d in _policy_inputs(unscored, lambda: unscored_guarded(PROMPT))]
    )

    def unscored_floor() -> None:
        unscored_evals()
        one_span()
        model(PROMPT)

    unscored_us, unscored_floor_us = compare_us(
        lambda: unscored_guarded(PROMPT), unscored_floor, n=400, rounds=7
    )
    unscored.close()

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
        row("floors: 2 raw RVM evals (input, output) + bare span + call", floor_us, "µs/call"),
        row(
            "guarded call (PII off, telemetry + audit on)",
            guard_us,
            "µs/call",
            floor=floor_us,
            target="≤ 1.3×",
        ),
        row(
            "the same, process CPU time (all threads: the audit writer's work included)",
            guard_cpu_us,
            "µs/call",
            floor=floor_cpu_us,
            target="≤ 1.3×",
        ),
        row(
            "the same guarded call vs the old floor (2 raw interpreter evals + span + call)",
            guard_us,
            "µs/call",
            floor=interpreter_floor_us,
            target="(before: 1.60×)",
        ),
        row(
            "the same with no signals (pipeline, telemetry, audit) vs its own floor",
            unscored_us,
            "µs/call",
            floor=unscored_floor_us,
            target="the guard without the classifier",
        ),
        *telemetry_rows,
        row("floors: 2 raw RVM evals (input, output) + call", eval_floor_us, "µs/call"),
        row(
            "guarded call, telemetry and audit off",
            bare_us,
            "µs/call",
            floor=eval_floor_us,
            target="the pipeline alone",
        ),
        row(
            "guarded call, telemetry on, audit off",
            unaudited_us,
            "µs/call",
            floor=floor_us,
            target="the audit log's share: the first guarded row minus this",
        ),
        row(
            "guarded call, audit written by a child process (audit_writer=process)",
            forked_us,
            "µs/call",
            floor=floor_us,
            target="≤ 1.3× (the writer's CPU is in the child)",
        ),
        row("guarded calls per second (sync, 1 thread)", sync_rate, "calls/s"),
        row("guarded calls per second (asyncio, 1000 tasks)", async_rate, "calls/s"),
        row("audit records dropped during bench", float(stats.dropped if stats else 0), "records"),
        row(
            "policy evaluation in a worker process (policy_isolation=process)",
            isolated_us,
            "µs/eval",
            floor=inline_us,
            target="(cost of the hard deadline)",
        ),
    ]
