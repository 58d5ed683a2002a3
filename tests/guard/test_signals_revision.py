"""A signal that exposes `revision` (e.g. a classifier's content hash) is named on every
decision record and on the call span, so a decision says which model version scored it."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter import semconv as sc
from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES, Settings
from charter.guard import Charter
from charter.signals import HeuristicJailbreakDetector, SignalSet
from charter.telemetry import Telemetry


class VersionedClassifier:
    name = "harm"
    revision = "sha256:0123abcd"

    def score(self, text: str) -> dict[str, float]:
        return {"harm.violence": 0.0}


def test_signal_revisions_reach_the_record_and_the_span(tmp_path: Path) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    store = f"sqlite:///{tmp_path / 'c.db'}"
    heuristic = HeuristicJailbreakDetector()  # versioned too: its patterns file's hash
    expected = f"jailbreak={heuristic.revision},harm=sha256:0123abcd"
    charter = Charter(
        Settings.build({"policies": str(DEFAULT_POLICIES), "store_url": store}),
        signals=SignalSet([heuristic, VersionedClassifier()]),
        telemetry=Telemetry(tracer_provider=provider, app="a", tenant="t", environment="e"),
    )
    ask = charter.guard(model="m", provider="openai")(lambda prompt: "ok")
    assert ask("What are your opening hours?") == "ok"
    assert charter.audit is not None
    charter.audit.flush(timeout=30)
    records = list(iter_records(store))
    charter.close()
    assert [r.labels["stage"] for r in records] == ["input", "output"]
    assert {r.labels["signals_revision"] for r in records} == {expected}
    # close() sends the decision log's last checkpoint through this Charter's spans too
    [span] = [s for s in spans.get_finished_spans() if s.name != sc.SPAN_AUDIT_CHECKPOINT]
    assert (span.attributes or {})[sc.SIGNALS_REVISION] == expected
