"""`record_content=True` puts *redacted* prompt and answer text on the call's span: a
placeholder for every value found, whatever the policy let through to the model. Probing
found the text as sent on the span: a local model (no redaction asked) or an entity type
the policy has no operator for (an address) put the raw values there, and the console's
receiver keeps and exports spans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter import semconv as sc
from charter.config import DEFAULT_POLICIES, Settings
from charter.guard import Charter
from charter.telemetry import Telemetry

EMAIL = "ayse.yilmaz@example.com"
TCKN = "10000000146"
ADDRESS = "42 Baker Street"

Ask = Callable[[str], str]


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Callable[[str, Ask], tuple[Ask, Any]]]:
    """A guarded function of `provider` answering with `answer`, and its recorded spans."""
    made: list[Charter] = []

    def build(provider: str, answer: Ask) -> tuple[Ask, Any]:
        spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
        telemetry = Telemetry(
            tracer_provider=tracer_provider,
            record_content=True,
            app="a",
            tenant="t",
            environment="e",
        )
        settings = {
            "policies": str(DEFAULT_POLICIES),
            "store_url": f"sqlite:///{tmp_path / f'{provider}.db'}",
            "pii_mode": "pattern",
            "record_content": True,
        }
        charter = Charter(Settings.build(settings), telemetry=telemetry)
        made.append(charter)
        return charter.guard(model="m", provider=provider)(answer), spans

    yield build
    for charter in made:
        charter.close()


def _content(spans: InMemorySpanExporter) -> tuple[str, str]:
    [span] = [s for s in spans.get_finished_spans() if s.parent is None]
    attributes = dict(span.attributes or {})
    return str(attributes[sc.PROMPT_REDACTED]), str(attributes[sc.ANSWER_REDACTED])


def test_a_local_models_prompt_and_answer_are_recorded_with_placeholders(
    guarded: Callable[[str, Ask], tuple[Ask, Any]],
) -> None:
    received: list[str] = []

    def answer(prompt: str) -> str:
        received.append(prompt)
        return f"We will write to {EMAIL} at {ADDRESS}."

    ask, spans = guarded("ollama", answer)
    ask(f"I am TC {TCKN}, mail me at {EMAIL}")
    assert received == [f"I am TC {TCKN}, mail me at {EMAIL}"]  # a local model gets values
    prompt, answered = _content(spans)
    assert prompt == "I am TC <TR_NATIONAL_ID_1>, mail me at <EMAIL_ADDRESS_1>"
    assert answered == "We will write to <EMAIL_ADDRESS_1> at <LOCATION_1>."


def test_a_type_without_an_operator_is_recorded_as_a_placeholder(
    guarded: Callable[[str, Ask], tuple[Ask, Any]],
) -> None:
    received: list[str] = []

    def answer(prompt: str) -> str:
        received.append(prompt)
        return f"Shipping to {ADDRESS}."

    ask, spans = guarded("openai", answer)
    assert ask(f"Send the new card to {ADDRESS} please") == f"Shipping to {ADDRESS}."
    assert received == [f"Send the new card to {ADDRESS} please"]  # no operator: sent as is
    assert _content(spans) == (
        "Send the new card to <LOCATION_1> please",
        "Shipping to <LOCATION_1>.",
    )
