"""A guarded stream runs as the caller that made it, wherever it is read (found by probing,
stop 54): the flow read `charter.context` when the stream was first read, so a stream made
in alice's block and read after it (a web framework's streaming response) ran as
"anonymous" and left her placeholders unrestored, and one read in bob's block restored
bob's e-mail address into alice's answer, recorded bob as the user and sent bob's roles to
the policy. One test for each way a guarded call hands back a stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES, Settings
from charter.context import context, current
from charter.guard import Charter
from charter.reports import reports
from charter.signals import SignalSet

ALICE, BOB = "alice@example.com", "bob@example.org"
ANSWER = "Your address on file is <EMAIL_ADDRESS_1>."
KINDS = ["generator", "create(stream=True)", "async generator", "await acreate(stream=True)"]


@pytest.fixture
def charter(tmp_path: Path) -> Iterator[Charter]:
    settings = Settings.build(
        {
            "policies": str(DEFAULT_POLICIES),
            "store_url": f"sqlite:///{tmp_path / 'c.db'}",
            "audit_mode": "sync",
        }
    )
    made = Charter(settings, signals=SignalSet([]))  # no scores needed
    yield made
    made.close()


def _stream(charter: Charter, kind: str, seen: list[str]) -> Callable[[str], Any]:
    """A guarded function of `kind` whose model answers with the first e-mail placeholder
    (and notes the user its body runs as)."""
    guard = charter.guard(model="m", provider="openai")
    chunks = [ANSWER[:12], ANSWER[12:]]
    if kind == "generator":

        def gen(prompt: str) -> Iterator[str]:
            seen.append(current().user)
            yield from chunks

        return guard(gen)
    if kind == "create(stream=True)":

        def create(prompt: str, stream: bool = False) -> Any:
            seen.append(current().user)
            return iter(chunks)

        return lambda prompt: guard(create)(prompt, stream=True)
    if kind == "async generator":

        async def agen(prompt: str) -> AsyncIterator[str]:
            seen.append(current().user)
            for chunk in chunks:
                yield chunk

        return guard(agen)

    async def acreate(prompt: str, stream: bool = False) -> Any:
        seen.append(current().user)

        async def answer() -> AsyncIterator[str]:
            for chunk in chunks:
                yield chunk

        return answer()

    guarded = guard(acreate)
    return lambda prompt: asyncio.run(guarded(prompt, stream=True))


def _read(stream: Any) -> str:
    if hasattr(stream, "__anext__"):

        async def collect() -> str:
            return "".join([chunk async for chunk in stream])

        return asyncio.run(collect())
    return "".join(stream)


def _remember(charter: Charter) -> None:
    """Alice and bob each told the same conversation their own address."""

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> str:
        return "noted"

    for user, email in (("alice", ALICE), ("bob", BOB)):
        with context(user=user, conversation="c1"):
            ask(f"my email is {email}")


@pytest.mark.parametrize("kind", KINDS)
def test_a_stream_read_after_its_block_runs_as_its_caller(charter: Charter, kind: str) -> None:
    _remember(charter)
    seen: list[str] = []
    answer = _stream(charter, kind, seen)
    with context(user="alice", conversation="c1"), reports() as calls:
        stream = answer("what is my email?")
    assert _read(stream) == f"Your address on file is {ALICE}."  # main: the placeholder
    assert seen == ["alice"]  # the model's client ran in the call's context (main: anonymous)
    assert [c.calls for c in calls] == [1]  # main: [] (published outside the block)
    users = [r.input["user"]["id"] for r in iter_records(charter.settings.store_url)]
    assert users[-2:] == ["alice", "alice"]  # the stream's input and output records


@pytest.mark.parametrize("kind", KINDS)
def test_a_stream_read_in_another_users_block_never_gets_their_values(
    charter: Charter, kind: str
) -> None:
    _remember(charter)
    answer = _stream(charter, kind, [])
    with context(user="alice", conversation="c1"):
        stream = answer("what is my email?")
    with context(user="bob", conversation="c1"):
        text = _read(stream)
    assert text == f"Your address on file is {ALICE}."  # main: bob's address
    users = [r.input["user"]["id"] for r in iter_records(charter.settings.store_url)]
    assert users[-2:] == ["alice", "alice"]  # main: bob, bob


@pytest.mark.parametrize("kind", KINDS)
def test_a_stream_made_outside_any_block_is_read_as_nobody_in_a_users_block(
    charter: Charter, kind: str
) -> None:
    """The caller's context, not the reader's, even where the caller set nothing (found by
    review: the async drivers set the caller's variables in the reader's task, so those the
    caller never set showed the reader's)."""
    seen: list[str] = []
    answer = _stream(charter, kind, seen)
    stream = answer("hello")
    with context(user="bob"):
        _read(stream)
    assert seen == ["anonymous"]  # before: bob, for the async kinds
    users = [r.input["user"]["id"] for r in iter_records(charter.settings.store_url)]
    assert users == ["anonymous", "anonymous"]
