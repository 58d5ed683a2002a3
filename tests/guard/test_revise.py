"""Revise, proved for every driver of the one flow (sync, async, stream, async stream):
the output stage answers `revise`, the guard has the model rewrite its draft against the
cited principle, checks the rewrite with the same policy, and returns it or refuses.

The fake model is `charter.testing.RecordingModel` with an answer that changes once it is
asked to revise, so every call it gets is counted; a small bundle written here makes each
outcome deterministic: an answer saying "promise" must be revised (rounds from the call's
metadata), an answer saying "secret" is denied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import charter
from charter import semconv as sc
from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES, Settings
from charter.decision import Action
from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.refusal import PREFIX
from charter.reports import CallReport
from charter.telemetry import Telemetry
from charter.testing import RecordingModel, make_charter

MAIN = """package charter.main

import rego.v1

default decision := {"action": "allow"}

stage := object.get(input, "stage", "input")

text := lower(object.get(input, "text", ""))

rounds := object.get(object.get(input, "metadata", {}), "rounds", 1)

decision := {"action": "deny", "violations": [{"rule": "t.secret", "message": "withheld"}]} if {
	stage == "output"
	contains(text, "secret")
} else := {
	"action": "revise",
	"violations": [{"rule": "t.promise", "principle": "Honesty: no promises", "message": "it promises"}],
	"revise": {
		"critiques": [{"rule": "t.promise", "principle": "Honesty: no promises", "instruction": "Take the promise out."}],
		"max_rounds": rounds,
	},
} if {
	stage == "output"
	contains(text, "promise")
} else := {
	"action": "revise",
	"violations": [{"rule": "t.early", "message": "revise a prompt"}],
	"revise": {"critiques": [{"rule": "t.early", "instruction": "x"}]},
} if {
	stage == "input"
	contains(text, "revise the prompt")
} else := {
	"action": "redact",
	"violations": [{"rule": "t.email"}],
	"redact": {"EMAIL_ADDRESS": "placeholder"},
	"obligations": {"restore_pii": ["EMAIL_ADDRESS"]},
} if {
	some p in input.pii
	p.type == "EMAIL_ADDRESS"
}
"""
MODES = ["sync", "async", "stream", "astream"]
STREAMS = ["stream", "astream"]
ASKED = "must be revised"
"""In every revision request (`charter.pipeline.revise.revision_request`)."""
SAFE = "Thanks for asking about the loan. " * 6  # ~200 characters: past the 96-char window
DRAFT = SAFE + "I promise it is approved, no checks needed. DRAFT-TAIL " * 3
FIXED = "Approval depends on the credit check, which usually takes two days."


def changing(*answers: str) -> Callable[[str], str]:
    """An answer per call of the model: the first for the draft, then one per revision."""
    queue = list(answers)

    def answer(prompt: str) -> str:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return answer


@dataclass
class Driven:
    mode: str
    charter: Charter
    model: RecordingModel
    spans: InMemorySpanExporter
    fn: Callable[..., Any] = field(default=lambda *a: None)
    chunks: list[Any] = field(default_factory=list)
    """What a stream handed its caller, chunk by chunk."""
    closed: list[int] = field(default_factory=list)
    """For streams: after how many model calls a model stream was closed."""

    def __call__(self, prompt: Any, **context: Any) -> tuple[Any, CallReport]:
        with charter.reports() as reports, charter.context(**context):
            result = self._run(prompt)
        [report] = reports
        return result, report

    def _run(self, prompt: Any) -> Any:
        if self.mode == "sync":
            return self.fn(prompt)
        if self.mode == "async":
            return asyncio.run(self.fn(prompt))
        if self.mode == "stream":
            for chunk in self.fn(prompt):
                self.chunks.append(chunk)
            return "".join(self.chunks)

        async def collect() -> str:
            async for chunk in self.fn(prompt):
                self.chunks.append(chunk)
            return "".join(self.chunks)

        return asyncio.run(collect())

    def records(self) -> list[Any]:
        audit = self.charter.audit
        assert audit is not None
        audit.flush(timeout=30)
        return list(iter_records(self.charter.settings.store_url))

    def span(self) -> Any:
        [span] = [s for s in self.spans.get_finished_spans() if s.parent is None]
        return span


def _wrap(driven: Driven) -> Any:
    guard = driven.charter.guard(model="m", provider="openai")
    model = driven.model
    if driven.mode == "sync":

        def ask(prompt: Any) -> Any:
            return model(prompt)

        return guard(ask)
    if driven.mode == "async":

        async def aask(prompt: Any) -> Any:
            return await model.acall(prompt)

        return guard(aask)
    if driven.mode == "stream":

        def stream(prompt: Any) -> Iterator[str]:
            try:
                yield from model.stream(prompt)
            finally:
                driven.closed.append(len(model.calls))

        return guard(stream)

    async def astream(prompt: Any) -> Any:
        try:
            for chunk in model.stream(prompt):
                await asyncio.sleep(0)
                yield chunk
        finally:
            driven.closed.append(len(model.calls))

    return guard(astream)


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Driven]]:
    bundle = tmp_path / "policies"
    bundle.mkdir()
    (bundle / "main.rego").write_text(MAIN)
    made: list[Charter] = []

    def build(mode: str, answer: Callable[[str], str], **settings: Any) -> Driven:
        spans = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(spans))
        telemetry = Telemetry(tracer_provider=provider, app="a", tenant="t", environment="e")
        values = {
            "policies": str(bundle),
            "store_url": f"sqlite:///{tmp_path / 'charter.db'}",
            "pii_mode": "pattern",
            **settings,
        }
        ch = Charter(Settings.build(values), telemetry=telemetry)
        made.append(ch)
        driven = Driven(mode, ch, RecordingModel(answer, chunk_size=9), spans)
        driven.fn = _wrap(driven)
        return driven

    yield build
    for ch in made:
        ch.close()


# --- the must-shows, for every driver --------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_revise_fixes_a_violating_draft(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, changing("Sure, I promise your loan is approved.", FIXED))
    result, report = driven("Will my loan be approved?")
    assert result == FIXED
    assert len(driven.model.calls) == 2
    revision = driven.model.calls[1]
    assert revision.startswith("Will my loan be approved?")  # the original request,
    assert "I promise your loan is approved." in revision  # the draft,
    assert "Honesty: no promises" in revision and "Take the promise out." in revision
    assert [(r.round, r.rules, r.principles, r.outcome) for r in report.revisions] == [
        (1, ("t.promise",), ("Honesty: no promises",), Action.ALLOW)
    ]
    assert not report.refused_after_revision


@pytest.mark.parametrize("mode", MODES)
def test_a_draft_that_stays_violating_is_refused(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, changing("I promise it.", "I still promise it."))
    with pytest.raises(PolicyViolation) as info, charter.reports() as reports:
        driven._run("Will my loan be approved?")
    decision = info.value.decision
    assert decision.action is Action.DENY and decision.rules == ("t.promise",)
    assert decision.violations[0].message == "it promises (still so after 1 revision)"
    assert len(driven.model.calls) == 2  # max_rounds 1: one revision, then the refusal
    [report] = reports
    assert report.refused_after_revision and report.calls == 2
    assert [r.outcome for r in report.revisions] == [Action.REVISE]
    assert "promise" not in "".join(map(str, driven.chunks))  # a stream showed nothing of it


@pytest.mark.parametrize("mode", MODES)
def test_revise_adds_exactly_the_calls_it_reports(make: Callable[..., Driven], mode: str) -> None:
    answers = changing("I promise A.", "I promise B.", "I promise C.", FIXED)
    driven = make(mode, answers)
    result, report = driven("Will my loan be approved?", rounds=3)
    assert result == FIXED
    assert report.calls == len(driven.model.calls) == 4
    assert report.extra_calls == len(report.revisions) == 3
    assert [r.outcome for r in report.revisions] == [Action.REVISE, Action.REVISE, Action.ALLOW]
    span = driven.span()
    attributes = dict(span.attributes or {})
    assert attributes[sc.CALLS] == 4 and attributes[sc.REVISE_ROUNDS] == 3
    assert attributes[sc.REVISE_OUTCOME] == "revised"
    assert attributes[sc.ACTION] == "revise"
    events = [e for e in span.events if e.name == sc.SPAN_REVISE]
    assert [e.attributes[sc.REVISE_ROUND] for e in events] == [1, 2, 3]
    assert [e.attributes[sc.REVISE_VERDICT] for e in events] == ["revise", "revise", "allow"]
    assert all(e.attributes[sc.REVISE_LATENCY_MS] > 0 for e in events)
    assert all(e.attributes[sc.REVISE_RULES] == ("t.promise",) for e in events)
    # every round is in the decision log: the checks of revision k carry revise_round=k
    output = [r for r in driven.records() if r.labels["stage"] == "output"]
    rounds = [r.labels.get("revise_round", "") for r in output]
    assert rounds[0] == "" and sorted(set(rounds) - {""}) == ["1", "2", "3"]
    assert all(
        r.labels["revise_rules"] == "t.promise" for r in output if r.labels.get("revise_round")
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_revision_that_is_denied_is_refused(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, changing("I promise it.", "The secret is 42, without promises."))
    with pytest.raises(PolicyViolation) as info, charter.reports() as reports:
        driven._run("hello")
    assert info.value.decision.rules == ("t.secret",)
    assert [r.outcome for r in reports[0].revisions] == [Action.DENY]
    assert "secret" not in "".join(map(str, driven.chunks))


@pytest.mark.parametrize("mode", STREAMS)
def test_a_streamed_revision_denied_in_refuse_mode_reports_the_round_as_denied(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(
        mode, changing("I promise it.", "The secret is 42, without promises."), on_deny="refuse"
    )
    refused, report = driven("hello")
    assert refused.startswith(PREFIX) and "[rule t.secret]" in refused
    assert [r.outcome for r in report.revisions] == [Action.DENY]
    assert "secret" not in "".join(map(str, driven.chunks[:-1]))


@pytest.mark.parametrize("mode", MODES)
def test_a_refused_revision_is_an_explained_refusal(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, changing("I promise it.", "I promise it again."), on_deny="refuse")
    refused, report = driven("hello")
    assert refused.startswith(PREFIX)
    assert "it promises (still so after 1 revision) [rule t.promise]" in refused
    assert report.calls == 2
    assert dict(driven.span().attributes or {})[sc.ACTION] == "deny"


@pytest.mark.parametrize("mode", MODES)
def test_revise_at_the_input_stage_fails_closed(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, changing("ok"))
    with pytest.raises(PolicyViolation) as info:
        driven._run("please revise the prompt")
    assert info.value.decision.action is Action.DENY
    assert info.value.decision.rules == ("t.early",)
    assert driven.model.calls == []


@pytest.mark.parametrize("mode", MODES)
def test_an_answer_that_passes_costs_one_call_and_reports_no_revision(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, changing(FIXED))
    result, report = driven("hello")
    assert result == FIXED
    assert (report.calls, report.revisions) == (1, ())
    assert sc.REVISE_ROUNDS not in dict(driven.span().attributes or {})


# --- streams: the retracted text is never shown -------------------------------------------


@pytest.mark.parametrize("mode", STREAMS)
def test_a_stream_never_shows_the_text_it_revises(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, changing(DRAFT, FIXED))
    result, report = driven("Tell me about my loan")
    shown = driven.model.calls[1].split("which stays as it is:\n", 1)[1].split("\nWrite only")[0]
    assert shown and SAFE.startswith(shown)  # released before the promise came in view
    assert result == shown + FIXED  # then the revision, streamed through the same window
    for chunk in driven.chunks:
        assert "promise" not in chunk and "DRAFT-TAIL" not in chunk
    assert "continuing right after that text" in driven.model.calls[1]
    assert driven.closed[0] == 1  # the draft's stream was closed before the revision call
    assert report.calls == 2 and [r.outcome for r in report.revisions] == [Action.ALLOW]


@pytest.mark.parametrize("mode", STREAMS)
def test_a_stream_revised_before_anything_was_shown_is_the_revision(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, changing("I promise. " + "Lots of detail here. " * 8, FIXED))
    result, _ = driven("hello")
    assert result == FIXED
    assert "already seen" not in driven.model.calls[1]


@pytest.mark.parametrize("mode", STREAMS)
def test_a_stream_revision_that_still_violates_ends_with_the_refusal(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, changing(DRAFT, "and I promise once more. " * 6), on_deny="refuse")
    result, report = driven("hello")
    *released, refusal = driven.chunks
    assert refusal.startswith(PREFIX) and "[rule t.promise]" in refusal
    assert SAFE.startswith("".join(released))
    assert "promise" not in "".join(released)
    assert report.refused_after_revision and report.calls == 2
    assert result == "".join(released) + refusal


# --- prompt shapes ------------------------------------------------------------------------


def test_openai_messages_get_the_draft_and_the_request_as_turns(
    make: Callable[..., Driven],
) -> None:
    driven = make("sync", changing("I promise.", FIXED))
    prompt = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Loan?"}]
    result, report = driven(prompt)
    assert result == FIXED and report.calls == 2
    revision = driven.model.calls[1]
    assert revision[:2] == prompt
    assert revision[2] == {"role": "assistant", "content": "I promise."}
    assert revision[3]["role"] == "user" and ASKED in revision[3]["content"]


def test_langchain_messages_get_the_draft_and_the_request_as_messages(
    make: Callable[..., Driven],
) -> None:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    driven = make("sync", changing("I promise.", FIXED))
    result, _ = driven([SystemMessage(content="Be brief."), HumanMessage(content="Loan?")])
    assert result == FIXED
    revision = driven.model.calls[1]
    assert [type(m) for m in revision] == [SystemMessage, HumanMessage, AIMessage, HumanMessage]
    assert revision[2].content == "I promise." and ASKED in revision[3].content


def test_a_prompt_that_cannot_carry_a_request_is_refused_without_another_call(
    make: Callable[..., Driven],
) -> None:
    from charter.adapters import register_adapter

    class Ticket:
        def __init__(self, text: str) -> None:
            self.text = text

    class TicketAdapter:  # reads and replaces texts, but has no follow_up
        def matches(self, value: Any) -> bool:
            return isinstance(value, Ticket)

        def texts(self, value: Any) -> list[str]:
            return [value.text]

        def replace(self, value: Any, texts: Any) -> Any:
            return Ticket(texts[0])

    register_adapter(TicketAdapter())
    driven = make("sync", changing("I promise."), on_deny="refuse")
    refused, report = driven(Ticket("Loan?"))
    assert "cannot carry a request to revise the answer" in refused
    assert (report.calls, report.revisions, report.refused_after_revision) == (1, (), True)


def test_tokens_and_time_of_each_round_are_recorded(make: Callable[..., Driven]) -> None:
    def reply(text: str, tokens: tuple[int, int]) -> dict[str, Any]:
        return {
            "choices": [{"message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1]},
        }

    replies = [reply("I promise.", (10, 3)), reply(FIXED, (40, 12))]
    driven = make("sync", changing("unused"))

    @driven.charter.guard(model="m", provider="openai")
    def ask(messages: Any) -> Any:
        driven.model.calls.append(messages)
        return replies[len(driven.model.calls) - 1]

    with charter.reports() as reports:
        result = ask([{"role": "user", "content": "Loan?"}])
    assert result["choices"][0]["message"]["content"] == FIXED
    [report] = reports
    [done] = report.revisions
    assert (done.input_tokens, done.output_tokens) == (40, 12)
    attributes = dict(driven.span().attributes or {})
    assert attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] == 50  # the call's total: draft + revision
    assert attributes[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == 15
    [event] = [e for e in driven.span().events if e.name == sc.SPAN_REVISE]
    assert event.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] == 40
    [revised] = [r for r in driven.records() if r.labels.get("revise_round") == "1"]
    assert revised.labels["revise_input_tokens"] == "40"
    assert revised.labels["revise_output_tokens"] == "12"
    assert float(revised.labels["revise_call_ms"]) >= 0.0


# --- the shipped bundle: output.unqualified_promise and output.ungrounded ----------------------

PASSAGES = [
    "Personal loans are approved after a credit check. The check takes two business days.",
    "Early repayment of a personal loan costs 1 percent of the repaid amount.",
]


@pytest.fixture
def shipped(tmp_path: Path) -> Iterator[Charter]:
    ch = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=True)
    yield ch
    ch.close()


def test_the_draft_goes_back_redacted_and_the_revision_is_restored(shipped: Charter) -> None:
    email = "ayse.yilmaz@example.com"
    model = RecordingModel(
        changing(
            "I guarantee it: we will write to <EMAIL_ADDRESS_1> and john.smith@corp.example.",
            "We will write to <EMAIL_ADDRESS_1> once the credit check is done.",
        )
    )
    ask = shipped.guard(model="gpt-4o", provider="openai")(model)
    with charter.reports() as reports:
        result = ask(f"Mail {email} about the loan")
    assert result == f"We will write to {email} once the credit check is done."
    assert all(email not in call for call in model.calls)
    assert "john.smith@corp.example" not in model.calls[1]  # the draft's own PII: redacted
    assert "Honesty: no promise of an outcome nobody can guarantee" in model.calls[1]
    assert [r.rules for r in reports[0].revisions] == [("output.unqualified_promise",)]


def test_an_unsupported_rag_answer_is_revised_from_the_passages(shipped: Charter) -> None:
    model = RecordingModel(
        changing(
            "Loans are paid out in cash at any branch within an hour. Interest is waived for "
            "students and pensioners. Branches hand out bonuses every Friday.",
            "Personal loans are approved after a credit check, which takes two business days. "
            "Early repayment costs 1 percent of the repaid amount.",
        )
    )
    ask = shipped.guard(model="gpt-4o", provider="openai")(model)
    with charter.reports() as reports, charter.context(retrieved=PASSAGES):
        result = ask("How do personal loans work?")
    assert result.startswith("Personal loans are approved after a credit check")
    [report] = reports
    assert report.calls == 2 and report.revisions[0].rules == ("output.ungrounded",)
    assert "using only what the retrieved passages" in model.calls[1]
    audit = shipped.audit
    assert audit is not None
    audit.flush(timeout=30)
    records = [r for r in iter_records(shipped.settings.store_url) if r.labels["stage"] == "output"]
    assert records[0].input["grounding"] == {
        "sentences": 3,
        "unsupported_sentences": 3,
        "unsupported": 1.0,
        "method": "lexical-0.5",
    }
    assert records[1].input["grounding"]["unsupported"] == 0.0
    stored = "".join(r.model_dump_json() for r in iter_records(shipped.settings.store_url))
    assert "Early repayment of a personal loan costs" not in stored  # never the passages


def test_without_retrieved_passages_there_is_no_grounding_input(shipped: Charter) -> None:
    model = RecordingModel("Cash bonuses every Friday, invented entirely by the model.")
    ask = shipped.guard(model="gpt-4o", provider="openai")(model)
    assert ask("Anything new?").startswith("Cash bonuses")
    audit = shipped.audit
    assert audit is not None
    audit.flush(timeout=30)
    assert all("grounding" not in r.input for r in iter_records(shipped.settings.store_url))


def test_text_released_behind_a_call_stays_when_the_rest_is_revised(
    make: Callable[..., Driven],
) -> None:
    """A stream that proposes a call first: the text after it passes window by window and
    waits in line behind the call. When a later window is revised, the text that passed
    still goes out, before the revision (`StreamGate._queued`; `make mutate` found it
    untested, stop 42)."""
    driven = make("stream", changing(FIXED))
    calls: list[int] = []

    def chunk(**delta: Any) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}

    @driven.charter.guard(model="m", provider="openai")
    def model(prompt: Any) -> Iterator[Any]:
        calls.append(1)
        if len(calls) > 1:  # the revision
            yield chunk(content=FIXED)
            return
        function = {"name": "note", "arguments": '{"topic": "loan"}'}
        yield chunk(tool_calls=[{"index": 0, "id": "t1", "type": "function", "function": function}])
        for i in range(0, len(DRAFT), 9):
            yield chunk(content=DRAFT[i : i + 9])

    out = list(model("Tell me about my loan"))
    texts = [c["choices"][0]["delta"].get("content") or "" for c in out]
    shown = "".join(texts)
    assert len(calls) == 2 and shown.endswith(FIXED) and "promise" not in shown
    passed = shown.removesuffix(FIXED)
    assert passed and SAFE.startswith(passed)  # released before the promise came in view
    # the draft's call went with the draft (`StreamGate.reopen`): the revision proposes none
    assert not any(c["choices"][0]["delta"].get("tool_calls") for c in out)
