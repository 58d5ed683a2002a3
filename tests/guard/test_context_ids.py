"""`charter.context` ids that would fail deep inside a call, or grant too much (found by
probing, stop 54): `user=""` was accepted, then the call failed inside the pipeline after
its span was opened and attached, and every later call on the thread became a child of a
span that never ended; `user="anonymous"` (what a call outside any user's context is) let
a signed-in user resume any user's held call. Probing again (stop 56): an id with a lone
surrogate was stored as U+FFFD, so its owner could not resume their held call and
`cust-\ufffd` could; a NUL failed the approval on PostgreSQL only; a number of over 4300
digits raised Python's own `ValueError`."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter.config import DEFAULT_POLICIES, Settings
from charter.context import CallContext, context
from charter.errors import CharterError, ConfigurationError
from charter.guard import Charter
from charter.signals import SignalSet
from charter.telemetry import Telemetry


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("user", "", "must not be empty"),
        ("user", "  ", "must not be empty"),
        ("conversation", "", "must not be empty"),
        ("approval_key", "", "must not be empty"),
        ("user", "anonymous", "reserved"),
        ("user", "cust-\ud800", "valid text without control characters"),
        ("user", "mallory\x00", "valid text without control characters"),
        ("user", "u-1\n", "valid text without control characters"),
        ("conversation", "c-\x1b[2J", "valid text without control characters"),
        ("approval_key", "k-\x85", "valid text without control characters"),
        pytest.param("user", 10**5000, "over 4300 digits", id="user-long-number"),
        pytest.param("conversation", -(10**5000), "over 4300 digits", id="conv-long-number"),
    ],
)
def test_an_empty_reserved_or_unfit_id_is_refused_where_it_is_given(
    name: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says), context(**{name: value}):  # type: ignore[arg-type]
        pass


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


@pytest.mark.parametrize(
    ("roles", "says"),
    [
        (3, "takes a list of roles (got int)"),
        ("admin", "takes a list of roles (got str)"),
        ({"admin": False}, "takes a list of roles (got dict)"),  # main: granted admin
        ((r for r in ["ops"]), "takes a list of roles (got generator)"),
        ([None], "takes roles as strings (got NoneType)"),  # main: the role "None"
        (["ops", b"ops"], "takes roles as strings (got bytes)"),  # main: the role "b'ops'"
        ([_Unprintable()], "takes roles as strings (got _Unprintable)"),  # main: RuntimeError
        (["adm\x00in"], "must be valid text without control characters"),
        ({"a\ud800"}, "must be valid text without control characters"),
        (["ops", " "], "must not be empty"),
    ],
    ids=[
        "int",
        "str",
        "dict",
        "generator",
        "None",
        "bytes",
        "unprintable",
        "NUL",
        "surrogate",
        "blank",
    ],
)
def test_roles_are_a_list_of_names_checked_as_ids_are(roles: object, says: str) -> None:
    """Found by probing: each role was `str(r)`, so a dict granted its keys whatever their
    values, None and bytes became roles, and a role with a NUL or a lone surrogate passed
    where a user id with one is refused."""
    expected = "^" + re.escape(f"charter.context(roles=...) {says}")
    with pytest.raises(ConfigurationError, match=expected) as e, context(roles=roles):  # type: ignore[arg-type]
        pass
    assert "admin" not in str(e.value) and "ops" not in str(e.value)  # named by type only


def test_roles_in_any_collection_are_kept_as_names() -> None:
    with context(roles=["support", "ops"]) as ctx:
        assert ctx.roles == ("support", "ops")
    with context(roles=frozenset({"ops", "compliance"})) as ctx:
        assert ctx.roles == ("compliance", "ops")  # a set's roles in one order, every run
    with context(roles={"b", "a"}) as ctx, context(roles=()) as inner:
        assert ctx.roles == ("a", "b") and inner.roles == ()


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[Charter, InMemorySpanExporter]]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry = Telemetry(tracer_provider=provider, app="a", tenant="t", environment="e")
    settings = Settings.build(
        {"policies": str(DEFAULT_POLICIES), "store_url": f"sqlite:///{tmp_path / 'c.db'}"}
    )
    charter = Charter(settings, telemetry=telemetry, signals=SignalSet([]))
    yield charter, spans
    charter.close()


def test_a_call_that_fails_as_it_opens_ends_its_span(
    traced: tuple[Charter, InMemorySpanExporter],
) -> None:
    """A context no `charter.context` call makes (built by hand) still fails the call, and
    its span ends with it instead of staying the thread's current span."""
    charter, spans = traced

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> str:
        return "ok"

    def run() -> None:
        from charter.context import _CURRENT

        token = _CURRENT.set(CallContext(user=""))
        with pytest.raises(CharterError):
            ask("hello")
        _CURRENT.reset(token)
        assert not trace.get_current_span().get_span_context().is_valid  # main: the call's
        ask("hello again")

    contextvars.copy_context().run(run)  # the test's own context stays as it was
    finished = spans.get_finished_spans()
    assert len(finished) == 2  # main: 1 (the failed call's span never ended)
    assert all(s.parent is None for s in finished)  # main: the second nested in the first
