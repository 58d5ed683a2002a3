"""Public calls given values of the wrong type (found by probing, stop 34).

- `charter.context`: a numeric user id failed every guarded call inside the block with
  `TypeError: expected string or bytes-like object` from the telemetry layer, and
  `roles="admin"` became five one-letter roles. A number is an id written as text;
  anything else is refused where it is passed.
- `Charter.check(None)` / `Charter.redact(12345)` raised `TypeError` from inside PII
  detection; now a `ConfigurationError` that says what the call takes.
- `charter.resume` with a ticket holding a lone surrogate (from a web form or argv) raised
  `UnicodeEncodeError` from the database driver; now "no approval request". A `timeout_s`
  that is no number of seconds (NaN waited an hour) is a `ConfigurationError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from charter.audit import iter_records
from charter.context import context
from charter.errors import (
    ApprovalError,
    ApprovalPending,
    CharterError,
    ConfigurationError,
    LimitExceeded,
)
from charter.guard import Charter
from charter.pii import make_detector
from charter.signals import CallableSignal, SignalSet
from charter.testing import RecordingModel

EMAIL = "jane.doe@example.com"


def test_a_numeric_user_id_is_the_user_as_text(charter: Charter, model: RecordingModel) -> None:
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user=12345, conversation=77) as ctx:
        assert ask("Where is my parcel?") == "Thanks, I will look into it."  # main: TypeError
    assert ctx.user == "12345" and ctx.conversation == "77"
    charter.audit.flush(timeout=30)
    [record, *_] = iter_records(charter.settings.store_url)
    assert record.input["user"]["id"] == "12345"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"user": object()}, "user=...) takes a string (got object)"),
        ({"user": True}, "user=...) takes a string (got bool)"),
        ({"approval_key": 1.5}, "approval_key=...) takes a string (got float)"),
        ({"roles": "admin"}, "roles=...) takes a list of roles"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_where_it_is_passed(
    values: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigurationError) as raised, context(**values):  # type: ignore[arg-type]
        pass
    assert named in str(raised.value)


@pytest.mark.parametrize("method", ["check", "redact"])
@pytest.mark.parametrize("value", [None, 12345, {"email": "jane@example.com"}])
def test_check_and_redact_say_they_take_text(charter: Charter, method: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=rf"Charter\.{method}\(text\) takes a str"):
        getattr(charter, method)(value)


@pytest.mark.parametrize("ticket", ["apr_\ud800", "\udcff", "apr_" + "x" * 10_000, 7])
def test_a_ticket_that_names_no_request_is_said_to(charter: Charter, ticket: object) -> None:
    with pytest.raises(ApprovalError, match="no approval request") as raised:
        charter.resume(ticket)  # type: ignore[arg-type]
    assert len(str(raised.value)) < 200  # a huge ticket is not echoed back whole


def test_a_def_returning_a_coroutine_is_refused_before_it_runs(charter: Charter) -> None:
    """main: the coroutine went back to the caller with the output checks run on its
    repr; awaited, it gave the model's answer unchecked."""
    ran: list[str] = []

    async def model(prompt: str) -> str:
        ran.append(prompt)
        return "card 4111 1111 1111 1111"

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> Any:
        return model(prompt)

    with pytest.raises(ConfigurationError, match=r"returned a coroutine.*async def"):
        ask("hello")
    assert ran == []  # closed, never awaited


@pytest.mark.parametrize("kind", ["llm", "tool"])
def test_a_def_returning_an_iterator_is_refused_and_the_stream_closed(
    charter: Charter, kind: str
) -> None:
    """main: a plain function returning a stream (an SDK stream object, a generator)
    handed it back unchecked: every chunk reached the caller as the model wrote it."""
    closed: list[bool] = []

    def chunks() -> Iterator[str]:
        try:
            yield "card 4111 1111 1111 1111"
        finally:
            closed.append(True)

    stream = chunks()
    if kind == "tool":

        @charter.guard.tool(name="lookup_order")
        def call(order_id: str) -> Any:
            return stream

        fix = "return a list"
    else:

        @charter.guard(model="m", provider="openai")
        def call(prompt: str) -> Any:
            return stream

        fix = "write it as a generator"
    with pytest.raises(ConfigurationError, match=rf"returned an iterator.*{fix}"):
        call("A-17")
    assert stream.gi_frame is None and closed == []  # closed before it ever ran


async def test_resume_inside_an_event_loop_says_to_await_aresume(charter: Charter) -> None:
    """main: `charter.resume` handed back the coroutine to await, and the tool's result
    came back unchecked (a card number as the tool wrote it)."""

    @charter.guard.tool
    async def issue_refund(order_id: str, amount: float) -> str:
        return f"refunded {amount} on {order_id}, card 4111 1111 1111 1111"

    with pytest.raises(ApprovalPending) as held:
        await issue_refund("A-17", 900)
    ticket = held.value.ticket
    charter.queue.approve(ticket, "alice", reason="ok")
    with pytest.raises(ConfigurationError, match=r"await charter\.aresume\(ticket\)"):
        charter.resume(ticket)
    assert charter.queue.get(ticket).consumed_at is None  # refused before it was used
    result = await charter.aresume(ticket)
    assert result == "refunded 900 on A-17, card **** **** **** 1111"
    assert charter.queue.get(ticket).consumed_at is not None


@pytest.mark.parametrize(
    "timeout_s",
    [float("nan"), float("inf"), -1, "2", True, 10**5000],
    ids=["nan", "inf", "negative", "str", "bool", "huge int"],
)
async def test_resume_refuses_a_timeout_that_is_no_number_of_seconds(
    charter: Charter, timeout_s: Any
) -> None:
    """Found by probing: `resume(ticket, timeout_s=nan)` waited until the request expired (an
    hour), "2" raised TypeError, 10**5000 OverflowError; on an approved request main ran
    the call with any of them. Refused before the request is read, the approval unused."""

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return f"refunded {amount} on {order_id}"

    with pytest.raises(ApprovalPending) as held:
        issue_refund("A-17", 900)
    ticket = held.value.ticket
    charter.queue.approve(ticket, "alice", reason="ok")
    with pytest.raises(ConfigurationError, match=r"Charter\.resume\(timeout_s=\.\.\.\)"):
        charter.resume(ticket, timeout_s=timeout_s)
    with pytest.raises(ConfigurationError, match=r"Charter\.aresume\(timeout_s=\.\.\.\)"):
        await charter.aresume(ticket, timeout_s=timeout_s)
    assert charter.queue.get(ticket).consumed_at is None
    assert charter.resume(ticket, timeout_s=0) == "refunded 900 on A-17"


def test_a_prompt_parameter_the_function_lacks_is_refused_when_decorating(
    charter: Charter,
) -> None:
    """main: the first call failed with "cannot find the prompt ...; name it with
    @guard(prompt='param')", which the caller had done."""
    with pytest.raises(ConfigurationError, match=r"prompt='question'.*it has: prompt, tone"):

        @charter.guard(model="m", provider="openai", prompt="question")
        def ask(prompt: str, tone: str = "kind") -> str:
            return "ok"

    @charter.guard(model="m", provider="openai", prompt="tone")
    def ask_tone(prompt: str, tone: str = "kind") -> str:
        return "ok"

    assert ask_tone("x", tone="where is my parcel?") == "ok"  # a parameter it has: fine


def test_the_prompt_of_an_sdk_method_whose_first_parameter_is_the_model_is_read(
    charter: Charter,
) -> None:
    """Found by probing (stop 43): guarding google-genai's `generate_content(*, model,
    contents, config=None)`, the guard took `model` for the prompt (no parameter had a
    prompt's name, so it read the first), checked the model's name and sent `contents`
    to the model unread, with the customer's e-mail address in it."""
    sent: list[Any] = []

    @charter.guard(model="gemini-x", provider="gemini")
    def generate_content(*, model: str, contents: Any, config: Any = None) -> str:
        sent.append(contents)
        return "Done."

    said = [{"role": "user", "parts": [{"text": f"Mail {EMAIL}"}]}]
    generate_content(model="gemini-x", contents=said)
    assert EMAIL not in repr(sent[0])

    @charter.guard(model="m", provider="openai")
    def ask(model: str, q: str) -> str:  # no prompt-like name: the first that is not `model`
        sent.append(q)
        return "Done."

    ask("m", f"mail {EMAIL}")
    assert sent[1] == "mail <EMAIL_ADDRESS_1>"


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda c: c.check("hi", stage="bogus"), "check(stage=...) must be one of 'input'"),
        (lambda c: c.check("hi", model=None), "check(model=...) takes a str, got None"),
        (lambda c: c.check("hi", provider=3), "check(provider=...) takes a str, got 3"),
        (lambda c: c.check("hi", tool="lookup_order", arguments=["a"]), "by name (a mapping)"),
        (lambda c: c.check("hi", tool="lookup_order", arguments="a=1"), "got str"),
        (lambda c: c.redact(EMAIL, entities="EMAIL_ADDRESS"), "takes a list of entity types"),
        (lambda c: c.redact(EMAIL, entities=["EMAIL"]), "unknown entity types ['EMAIL']"),
        (lambda c: c.redact(EMAIL, scope=object()), "redact(scope=...) names a conversation"),
        (lambda c: c.redact(EMAIL, scope=10**5000), "names a conversation (a str), or None"),
        (lambda c: c.guard(on_deny="rasie"), "on_deny=...) must be 'raise' or 'refuse'"),
        (lambda c: c.guard.tool(on_deny="Raise")(lambda x: x), "must be 'raise' or 'refuse'"),
        (lambda c: c.guard(model=5), "guard(model=...) takes a str, got 5"),
        (lambda c: c.guard(prompt=3), "names the prompt's parameter (a str)"),
        (lambda c: c.guard.tool(name="")(lambda x: x), "a tool's name must be a non-empty str"),
    ],
)
def test_a_wrong_argument_is_one_configuration_error_where_it_is_passed(
    charter: Charter, call: Any, named: str
) -> None:
    """Found by probing at stop 53: these raised ValueError, TypeError or pydantic's
    ValidationError from deep inside the first call, and two failed open: `on_deny="rasie"`
    was taken as "refuse", and `redact(entities="EMAIL_ADDRESS")` or an unknown type
    redacted nothing. Later probing: `redact(scope=object())` made a scope of its text,
    and `scope=10**5000` raised ValueError."""
    with pytest.raises(ConfigurationError) as info:
        call(charter)
    assert named in str(info.value)
    assert charter.redact(EMAIL, entities=["EMAIL_ADDRESS"]).text == "<EMAIL_ADDRESS_1>"


def test_check_names_the_tool_arguments_when_they_cross_a_limit(charter: Charter) -> None:
    """Found by probing: arguments nested too deep were reported as "the text: nested ..."."""
    nested: dict[str, object] = {"x": 1}
    for _ in range(40):
        nested = {"x": nested}
    with pytest.raises(LimitExceeded, match=r"^the text and its tool arguments: nested deeper"):
        charter.check("hi", tool="lookup_order", arguments=nested)
    with pytest.raises(LimitExceeded, match=r"^the text: more than"):
        charter.check("x" * (charter.settings.max_text_chars + 1))


def test_an_async_signal_is_refused_when_the_guard_is_built(charter: Charter) -> None:
    """Found by probing: the guard scores synchronously, so an async `CallableSignal`
    recorded its `.error` on every call and the shipped policy denied them all ("What is
    the capital of France?" at harm score 1 in 14 categories)."""

    async def moderation(text: str) -> float:
        return 0.0

    def sync_moderation(text: str) -> float:
        return 0.0

    with pytest.raises(ConfigurationError, match="signal 'moderation' is async"):
        Charter(charter.settings, signals=SignalSet([CallableSignal("moderation", moderation)]))
    built = Charter(
        charter.settings, signals=SignalSet([CallableSignal("moderation", sync_moderation)])
    )
    assert built.check("What is the capital of France?").allowed
    built.close()


class _ReprRaises:
    def __repr__(self) -> str:
        raise RuntimeError("repr boom")


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


def _queue_list(c: Charter, v: object) -> object:
    return c.queue.list(v)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda c, v: c.guard(model=v),
        lambda c, v: c.guard(on_deny=v),
        lambda c, v: c.guard(prompt=v),
        lambda c, v: c.guard.tool(name=v)(lambda x: x),
        lambda c, v: c.check("hi", stage=v),
        lambda c, v: c.resume(v),
        _queue_list,
        lambda c, v: make_detector(v),
    ],
    ids=[
        "guard.model",
        "guard.on_deny",
        "guard.prompt",
        "tool.name",
        "check.stage",
        "resume",
        "queue.list",
        "make_detector",
    ],
)
@pytest.mark.parametrize(
    "value",
    [_ReprRaises(), 10**5000, _nested(5000), [EMAIL]],
    ids=["repr-raises", "5000-digit-int", "nested-5000", "list-holding-an-email"],
)
def test_a_wrong_value_is_described_in_the_error_not_formatted(
    charter: Charter, call: Any, value: object
) -> None:
    """Found by probing: the checks formatted the value with `!r`, so the check itself
    raised RuntimeError (a repr that raises), ValueError (past the int-to-str limit) or
    RecursionError, not the CharterError due. The message names the value's type."""
    with pytest.raises(CharterError) as raised:
        call(charter, value)
    assert re.search(r"\(an? (very large int|list|_ReprRaises)\)", str(raised.value))
    assert EMAIL not in str(raised.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.guard(on_deny=EMAIL),
        lambda c: c.guard(prompt=EMAIL)(lambda q: q),
        lambda c: c.check("hi", stage=EMAIL),
        lambda c: c.resume(EMAIL),
        lambda c: c.queue.list(EMAIL),
        lambda c: make_detector(EMAIL),  # type: ignore[arg-type]
    ],
)
def test_a_wrong_value_that_looks_personal_is_not_quoted(charter: Charter, call: Any) -> None:
    """Found by probing: a str holding an e-mail address was echoed into the message
    (errors never quote personal data); short plain values still are (test above)."""
    with pytest.raises(CharterError) as raised:
        call(charter)
    assert EMAIL not in str(raised.value)
    assert "(a str that may be personal data, not shown)" in str(raised.value)
