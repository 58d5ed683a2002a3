"""The guard end to end on the shipped policies, with a recording fake model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES, Settings
from charter.decision import Action
from charter.errors import (
    ApprovalError,
    ApprovalPending,
    ApprovalRejected,
    ConfigurationError,
    NotAuthorized,
    PolicyViolation,
)
from charter.guard import Charter
from charter.testing import RecordingModel, assert_denied, assert_redacted, make_charter

EMAIL = "ayse.yilmaz@example.com"
CARD = "4111 1111 1111 1111"
TCKN = "10000000146"


def _ask(charter: Charter, model: RecordingModel, **kw: Any) -> Any:
    return charter.guard(model="gpt-4o-mini", provider="openai", **kw)(model)


def test_denied_prompt_never_reaches_the_model(charter: Charter, model: RecordingModel) -> None:
    ask = _ask(charter, model)
    exc = assert_denied(ask, "Which stock should I buy with my savings?", rule="topics.forbidden")
    assert isinstance(exc, PolicyViolation)
    assert "topics.forbidden" in str(exc) and exc.decision.action is Action.DENY
    assert model.calls == []


def test_refusal_is_returned_in_the_functions_shape(
    charter: Charter, model: RecordingModel
) -> None:
    ask = _ask(charter, model, on_deny="refuse")
    answer = ask("Which stock should I buy with my savings?")
    assert answer.startswith("I can't help with that:") and "[rule topics.forbidden" in answer
    assert model.calls == []
    messages = [{"role": "user", "content": "which stock should i buy?"}]
    ask_messages = charter.guard(model="m", provider="openai", on_deny="refuse")(
        lambda messages: {}
    )
    shaped = ask_messages(messages)
    assert shaped["choices"][0]["message"]["content"].startswith("I can't help with that")


def test_pii_is_redacted_before_the_model_and_restored_after(charter: Charter) -> None:
    model = RecordingModel(lambda text: "I will e-mail <EMAIL_ADDRESS_1> about the card.")
    ask = _ask(charter, model)
    prompt = f"My card {CARD} was charged twice, write to {EMAIL} please."
    answer = assert_redacted(ask, prompt, entity="EMAIL_ADDRESS", model=model)
    assert CARD not in model.last_text and EMAIL not in model.last_text
    assert "<EMAIL_ADDRESS_1>" in model.last_text
    assert answer == f"I will e-mail {EMAIL} about the card."


@pytest.mark.parametrize(
    "written",
    [TCKN, "\u200b".join(TCKN), TCKN.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})],
    ids=["plain", "zero-width-spaces", "full-width-digits"],
)
def test_national_id_to_an_external_model_is_denied(
    charter: Charter, model: RecordingModel, written: str
) -> None:
    ask = _ask(charter, model)
    assert_denied(
        ask,
        f"My TC kimlik numaram {written}, hesabımı kontrol eder misiniz?",
        rule="privacy.national_id_external",
    )
    assert model.calls == []


def test_openai_messages_are_redacted_in_place(charter: Charter) -> None:
    seen: list[Any] = []

    def chat(messages: list[dict[str, str]]) -> dict[str, Any]:
        seen.append(messages)
        return {
            "choices": [
                {
                    "message": {"role": "assistant", "content": "Sure, <EMAIL_ADDRESS_1>."},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 4},
        }

    guarded = charter.guard(model="gpt-4o", provider="openai")(chat)
    out = guarded(
        [
            {"role": "system", "content": "You are a bank assistant."},
            {"role": "user", "content": f"Reach me at {EMAIL}"},
        ]
    )
    assert EMAIL not in str(seen[0])
    assert seen[0][0]["content"] == "You are a bank assistant."
    assert out["choices"][0]["message"]["content"] == f"Sure, {EMAIL}."


def test_async_behaves_like_sync(charter: Charter) -> None:
    model = RecordingModel(lambda text: "Noted <EMAIL_ADDRESS_1>")

    @charter.guard(model="gpt-4o-mini", provider="openai")
    async def ask(prompt: str) -> str:
        return await model.acall(prompt)

    async def run() -> tuple[str, Any]:
        ok = await ask(f"mail me at {EMAIL}")
        with pytest.raises(PolicyViolation):
            await ask("Which stock should I buy?")
        return ok, None

    ok, _ = asyncio.run(run())
    assert ok == f"Noted {EMAIL}"
    assert len(model.calls) == 1 and EMAIL not in model.last_text


def test_streaming_redacts_a_card_split_across_chunks(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    text = "Your old card " + CARD + " is now blocked. " + "Have a nice day. " * 12

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def stream(prompt: str):  # type: ignore[no-untyped-def]
        # split inside the card number on purpose
        cut = text.index(CARD) + 7
        yield text[:cut]
        yield text[cut : cut + 9]
        yield text[cut + 9 :]

    released = "".join(stream("what happened to my card?"))
    assert CARD not in released and CARD.replace(" ", "") not in released
    assert "1111" in released  # masked: the last four stay visible
    assert released.endswith("Have a nice day. ")


def test_streaming_stops_on_a_deny_mid_stream(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", on_deny="refuse")
    chunks = ["Sure. " * 30, "By the way, my system prompt is: be nice. ", "More text. " * 20]

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def stream(prompt: str):  # type: ignore[no-untyped-def]
        yield from chunks

    out = list(stream("hello"))
    joined = "".join(out)
    assert "system prompt is" not in joined
    assert out[-1].startswith("I can't help with that") and "output.system_prompt_leak" in out[-1]
    assert "More text." not in joined


def _windowed(tmp_path: Path, window: Any) -> Charter:
    """A Charter whose streams hold back `window` characters (an argument, not a setting)."""
    store = f"sqlite:///{tmp_path / 'charter.db'}"
    values = {"policies": str(DEFAULT_POLICIES), "store_url": store, "pii_mode": "pattern"}
    return Charter(Settings.build({**values, "telemetry": False}), stream_window=window)


@pytest.mark.parametrize("window", [0, -5, 63, 64.0, True, "96", None])
def test_a_stream_window_too_small_to_hold_an_iban_is_refused(
    tmp_path: Path, window: object
) -> None:
    """found by probing: `stream_window=0` (or negative) was taken, and streams then
    released a card number unmasked as it came and wrote no output record."""
    with pytest.raises(ConfigurationError, match=r"stream_window.*at least 64"):
        _windowed(tmp_path, window)
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    with pytest.raises(ConfigurationError, match="stream_window"):
        charter.stream_window = window  # type: ignore[assignment]
    assert charter.stream_window == 96


def test_the_smallest_stream_window_keeps_a_grouped_iban_whole(tmp_path: Path) -> None:
    """At the minimum, the longest grouped value the detectors read (an IBAN with wide gaps)
    is whole in a check before any of it leaves, one character a chunk."""
    charter = _windowed(tmp_path, 64)
    iban = "RU - 02 - 0445 - 2560 - 0407 - 0281 - 0412 - 3456 - 7890 - 1"
    text = "Thanks for waiting. The account's IBAN: " + iban + " as on file. " * 8

    @charter.guard(model="m", provider="openai")
    def stream(prompt: str):  # type: ignore[no-untyped-def]
        yield from text

    released = "".join(stream("what is on file?"))
    assert "0445 - 2560" not in released and "RU - 02" not in released
    assert released.endswith(" as on file. ")


def test_async_streaming_matches_sync(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    text = f"Card {CARD} noted. " + "ok " * 60

    @charter.guard(model="m", provider="openai")
    def sync_stream(prompt: str):  # type: ignore[no-untyped-def]
        for i in range(0, len(text), 5):
            yield text[i : i + 5]

    @charter.guard(model="m", provider="openai")
    async def async_stream(prompt: str):  # type: ignore[no-untyped-def]
        for i in range(0, len(text), 5):
            yield text[i : i + 5]

    async def collect() -> str:
        return "".join([c async for c in async_stream("hi")])

    assert "".join(sync_stream("hi")) == asyncio.run(collect())


def test_tool_with_forbidden_arguments_never_runs(charter: Charter) -> None:
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return f"refunded {amount}"

    assert issue_refund("A-1", 20.0) == "refunded 20.0"
    with pytest.raises(PolicyViolation) as info:
        issue_refund("A-2", 50_000.0)
    assert "tools.refund_hard_limit" in info.value.decision.rules
    assert ran == [20.0]


def test_unknown_tool_is_denied(charter: Charter) -> None:
    @charter.guard.tool(name="wire_transfer")
    def wire(to: str, amount: float) -> str:
        raise AssertionError("must not run")

    with pytest.raises(PolicyViolation, match=r"tools\.unknown_tool"):
        wire("TR00", 1.0)


def test_refund_over_limit_waits_for_finance_and_runs_once(charter: Charter) -> None:
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return f"refunded {amount}"

    with pytest.raises(ApprovalPending) as info:
        issue_refund("A-3", 900.0)
    ticket = info.value.ticket
    assert ran == []
    request = charter.queue.get(ticket)
    assert request.rule == "tools.refund_over_limit"
    charter.queue.approve(ticket, "alice", reason="customer verified")
    assert charter.resume(ticket) == "refunded 900.0"
    assert ran == [900.0]
    with pytest.raises(ApprovalError, match=r"used|consumed"):  # an approval is used once
        charter.resume(ticket)
    assert ran == [900.0]


def test_a_ticket_resumes_only_for_its_user_or_a_worker(charter: Charter) -> None:
    """main (at c050935): any signed-in user holding a ticket (a leaked link, a shared log)
    could run another user's approved action. Now another user gets `NotAuthorized` and
    nothing runs; the requester, or a worker outside any user's context, resumes it."""
    import charter as charter_pkg

    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return f"refunded {amount}"

    def held(user: str) -> str:
        with charter_pkg.context(user=user), pytest.raises(ApprovalPending) as info:
            issue_refund("A-5", 900.0)
        charter.queue.approve(info.value.ticket, "alice", reason="customer verified")
        return info.value.ticket

    ticket = held("u-ayse")
    with charter_pkg.context(user="u-mallory"), pytest.raises(NotAuthorized):
        charter.resume(ticket)
    assert ran == []
    with charter_pkg.context(user="u-ayse"):
        assert charter.resume(ticket) == "refunded 900.0"
    assert charter.resume(held("u-ayse")) == "refunded 900.0"  # a worker: no user context
    assert ran == [900.0, 900.0]


def test_personal_data_in_an_arguments_key_is_redacted_stored_hashed_and_judged(
    charter: Charter, tmp_path: Path
) -> None:
    """Found by probing at stop 53: a dict key of a tool's arguments was never read for
    PII, so `splits={email: 450, iban: 450}` reached the approval queue and the decision log
    in clear, and a national ID written as a key passed the rule that denies it as a
    value. Keys are now read like values; the log hashes any key that does not read as a
    field name."""
    iban = "TR330006100519786457841326"

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float, splits: dict[str, int]) -> str:
        raise AssertionError("must not run before an approval")

    with pytest.raises(ApprovalPending):
        issue_refund("A-7", 900.0, splits={EMAIL: 450, iban: 450})

    @charter.guard.tool
    def lookup_order(order_id: str, extra: Any = None) -> str:
        return "ok"

    assert lookup_order("A-8", extra={"note": "x"}) == "ok"
    for extra in (TCKN, {TCKN: 1}):
        with pytest.raises(PolicyViolation, match=r"privacy\.national_id_external"):
            lookup_order("A-8", extra=extra)
    charter.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for value in (EMAIL, iban, TCKN):
        assert value.encode() not in stored


def test_rejected_refund_does_not_run(charter: Charter) -> None:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        raise AssertionError("must not run")

    with pytest.raises(ApprovalPending) as info:
        issue_refund("A-4", 800.0)
    charter.queue.reject(info.value.ticket, "bob", reason="duplicate request")
    with pytest.raises(ApprovalRejected):
        charter.resume(info.value.ticket)


def test_a_crashing_classifier_fails_closed(tmp_path: Path) -> None:
    from charter.signals import CallableSignal, HeuristicJailbreakDetector, SignalSet

    def broken(text: str) -> float:
        raise RuntimeError("classifier service is down")

    signals = SignalSet([HeuristicJailbreakDetector(), CallableSignal("toxicity", broken)])
    charter = make_charter(DEFAULT_POLICIES, tmp_path, signals=signals)
    model = RecordingModel("ok")
    ask = _ask(charter, model)
    with pytest.raises(PolicyViolation) as info:
        ask("What are your opening hours?")
    assert "jailbreak.detected" in info.value.decision.rules
    assert model.calls == []


def test_charter_redact_scopes_placeholders(charter: Charter) -> None:
    first = charter.redact(f"mail {EMAIL}", scope="c-1")
    again = charter.redact(f"is {EMAIL} right?", scope="c-1")
    assert first.text == "mail <EMAIL_ADDRESS_1>" and again.text == "is <EMAIL_ADDRESS_1> right?"
    assert first.restore("Sent to <EMAIL_ADDRESS_1>.") == f"Sent to {EMAIL}."
    other = charter.redact("mail bob@example.com")  # no scope: this call only
    assert other.text == "mail <EMAIL_ADDRESS_1>"
    assert other.restore("<EMAIL_ADDRESS_1>") == "bob@example.com"
    assert first.restore("<EMAIL_ADDRESS_1>") == EMAIL
