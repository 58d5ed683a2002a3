"""Behaviours that mutants of the guard's leak and deny paths showed untested (`make
mutate`): each test here kills mutants that survived the rest of the suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from charter import semconv as sc
from charter.config import DEFAULT_POLICIES, Settings
from charter.context import context
from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.telemetry import Telemetry

EMAIL = "ayse.yilmaz@example.com"


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[Charter, InMemorySpanExporter]]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry = Telemetry(tracer_provider=provider, app="a", tenant="t", environment="e")
    settings = Settings.build(
        {
            "policies": str(DEFAULT_POLICIES),
            "store_url": f"sqlite:///{tmp_path / 'c.db'}",
            "pii_mode": "pattern",
            "audit": False,
        }
    )
    charter = Charter(settings, telemetry=telemetry)
    yield charter, spans
    charter.close()


def test_a_failing_model_marks_the_span_failed_and_a_deny_does_not(
    traced: tuple[Charter, InMemorySpanExporter],
) -> None:
    charter, spans = traced

    class ModelDown(Exception):
        pass

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> str:
        raise ModelDown("the model is down")

    with pytest.raises(ModelDown):
        ask("What are your opening hours?")
    with pytest.raises(PolicyViolation):
        ask("Which stock should I buy with my savings?")
    failed, denied = spans.get_finished_spans()
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})[sc.ERROR] == "ModelDown"
    assert denied.status.status_code is StatusCode.UNSET
    assert sc.ERROR not in (denied.attributes or {})
    assert (denied.attributes or {})[sc.ACTION] == "deny"


def test_a_requests_placeholders_leave_the_vault_with_it(
    traced: tuple[Charter, InMemorySpanExporter],
) -> None:
    charter, _ = traced
    seen: list[str] = []

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> str:
        seen.append(prompt)
        return "Noted <EMAIL_ADDRESS_1>."

    assert ask(f"mail {EMAIL}") == f"Noted {EMAIL}."
    assert EMAIL not in seen[0]
    store = charter.privacy.vault.store
    assert store.scopes() == []  # the per-request mapping (holding the value) is gone
    with context(conversation="c-1"):
        ask(f"mail {EMAIL}")
    # conversations stay (the caller's own: scoped by tenant, user and conversation)
    mine = charter.privacy.vault.storage_id(charter.privacy.scope("c-1", subject="anonymous"))
    assert mine.startswith("conv:c-1|principal:")
    assert [scope for _, scope in store.scopes()] == [mine]


def test_the_span_separates_the_models_time_from_the_guards(
    traced: tuple[Charter, InMemorySpanExporter],
) -> None:
    charter, spans = traced

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> str:
        import time

        time.sleep(0.05)
        return "ok"

    ask("What are your opening hours?")
    [span] = spans.get_finished_spans()
    attributes = dict(span.attributes or {})
    call_ms, overhead_ms = float(attributes[sc.CALL_MS]), float(attributes[sc.LATENCY_MS])
    assert call_ms >= 50.0  # the wrapped call, timed on its own
    assert overhead_ms >= 0.0
    assert span.end_time is not None and span.start_time is not None
    duration_ms = (span.end_time - span.start_time) / 1e6
    # The two parts are read on the guard's clock just before the span ends: never more than
    # the span (no part counted twice). How much less depends on the machine's load (a
    # loaded run saw more than the 5 ms this once allowed), so that side is not timed.
    assert call_ms + overhead_ms <= duration_ms + 1.0


def test_the_span_records_the_models_usage(traced: tuple[Charter, InMemorySpanExporter]) -> None:
    charter, spans = traced

    @charter.guard(model="gpt-4o", provider="openai")
    def chat(messages: list[dict[str, str]]) -> dict[str, object]:
        return {
            "model": "gpt-4o-2024-08-06",
            "choices": [
                {"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3},
        }

    chat([{"role": "user", "content": "What are your opening hours?"}])
    [span] = spans.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] == 12
    assert attributes[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == 3
    assert attributes[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert attributes[sc.GEN_AI_RESPONSE_MODEL] == "gpt-4o-2024-08-06"


@pytest.mark.parametrize("pii_mode", ["pattern", "off"])
def test_a_pii_stage_event_exactly_when_pii_detection_runs(tmp_path: Path, pii_mode: str) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    settings = Settings.build(
        {
            "policies": str(DEFAULT_POLICIES),
            "store_url": f"sqlite:///{tmp_path / 'c.db'}",
            "pii_mode": pii_mode,
            "audit": False,
        }
    )
    telemetry = Telemetry(tracer_provider=provider, app="a", tenant="t", environment="e")
    charter = Charter(settings, telemetry=telemetry)
    charter.guard(model="m", provider="openai")(lambda prompt: "ok")("opening hours?")

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    issue_refund("A-1", 20.0)  # arguments (JSON) in, text out
    charter.close()
    for span in spans.get_finished_spans():
        names = [e.name for e in span.events]
        assert names.count(sc.SPAN_POLICY) == 2, span.name
        assert names.count(sc.SPAN_PII) == (2 if pii_mode == "pattern" else 0), span.name


def test_a_release_point_never_splits_a_finding_or_a_placeholder() -> None:
    from charter.streaming import safe_cut

    text = "write to jane@example.com or see <EMAIL_ADDRESS_1> later"
    email = (text.index("jane"), text.index(" or"))
    assert safe_cut(text, email[0] + 5, [email]) == email[0]  # inside the e-mail: before it
    assert safe_cut(text, email[1] + 2, [email]) == email[1] + 2  # outside: unchanged
    opening = text.index("<EMAIL")
    assert safe_cut(text, opening + 6, []) == opening  # half a placeholder: before it
    assert safe_cut(text, len(text), []) == len(text)
    far = "a < b " + "x" * 60  # a lone "<" far back is no placeholder being written
    assert safe_cut(far, len(far), []) == len(far)


@pytest.mark.parametrize(
    "spelling", ["[EMAIL_ADDRESS_1]", "&lt;EMAIL_ADDRESS_1&gt;", "email_address_1"]
)
def test_a_release_point_never_splits_a_placeholder_in_any_spelling(spelling: str) -> None:
    """Found by probing: only `<...>` was kept whole, so a stream cut `[EMAIL_ADDRESS_1]` in
    two and released it unrestored where the whole answer restored it."""
    from charter.streaming import safe_cut

    text = f"saved {spelling} for you"
    start, end = text.index(spelling), text.index(spelling) + len(spelling)
    for cut in range(start + 1, end):
        assert safe_cut(text, cut, []) == start, cut
    assert safe_cut(text, end, []) == end
    url = (2, len(text) - 2)  # a finding around it: the cut goes before the finding
    assert safe_cut(text, start + 3, [url]) == 2


def test_every_function_make_mutate_targets_still_exists() -> None:
    """A renamed function must not drop out of mutation testing unnoticed (two did:
    `finish_answer` and `window_check` were renamed and their paths went unmutated)."""
    from bench.mutate import missing_targets

    assert missing_targets() == []
