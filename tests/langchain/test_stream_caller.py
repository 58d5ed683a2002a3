"""A guarded LangChain stream runs as the caller that called `stream()` / `astream()`,
wherever it is read (found by probing): LangChain's streams are generator functions, so the
guard ran as whoever first read the stream; alice's stream read in bob's block restored
bob's address into her answer and was recorded as bob's, and bob's next turn got the
address alice had sent back. The plain guard's streams already held (tests/guard)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES
from charter.context import context, current
from charter.guard import Charter
from charter.langchain import guard_chat_model, guard_runnable
from charter.testing import make_charter
from tests.langchain.conftest import RecordingChatModel

ALICE, BOB = "alice@example.com", "bob@example.org"
ANSWER = "Your address on file is <EMAIL_ADDRESS_1>."
WRAPPERS = ["guard_chat_model", "guard_runnable"]
MODES = ["stream", "astream"]


@pytest.fixture
def charter(tmp_path: Path) -> Iterator[Charter]:
    made = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit_mode="sync")
    yield made
    made.close()


def _guarded(charter: Charter, wrapper: str, answer: Callable[[str], str]) -> Any:
    model = RecordingChatModel(answer=answer)
    if wrapper == "guard_chat_model":
        return guard_chat_model(model, charter=charter, provider="openai", model_name="m")
    return guard_runnable(model, charter=charter, provider="openai", model="m")


def _text(chunks: list[Any]) -> str:
    return "".join(str(c.content) for c in chunks)


def _made_by_alice_read_by_bob(guarded: Any, mode: str, prompt: str) -> str:
    """Alice calls `mode`; the stream is read in bob's block of the same conversation."""
    if mode == "stream":
        with context(user="alice", conversation="c1"):
            stream = guarded.stream(prompt)
        with context(user="bob", conversation="c1"):
            return _text(list(stream))

    async def alice_then_bob() -> str:
        with context(user="alice", conversation="c1"):
            astream = guarded.astream(prompt)
        with context(user="bob", conversation="c1"):
            return _text([chunk async for chunk in astream])

    return asyncio.run(alice_then_bob())


def _users(charter: Charter) -> list[str]:
    return [r.input["user"]["id"] for r in iter_records(charter.settings.store_url)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_a_stream_read_in_another_users_block_runs_as_its_caller(
    charter: Charter, wrapper: str, mode: str
) -> None:
    seen: list[str] = []

    def answer(text: str) -> str:
        seen.append(current().user)
        return ANSWER if "what is" in text else "noted"

    guarded = _guarded(charter, wrapper, answer)
    for user, email in (("alice", ALICE), ("bob", BOB)):
        with context(user=user, conversation="c1"):
            guarded.invoke(f"my email is {email}")
    text = _made_by_alice_read_by_bob(guarded, mode, "what is my email?")
    assert text == f"Your address on file is {ALICE}."  # before: bob's address
    assert seen[-1] == "alice"  # the model ran in alice's call (before: bob's)
    assert _users(charter)[-2:] == ["alice", "alice"]  # before: bob, bob


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_the_reader_never_gets_the_callers_values_in_a_later_turn(
    charter: Charter, wrapper: str, mode: str
) -> None:
    guarded = _guarded(charter, wrapper, lambda text: f"Echo: {text}")
    _made_by_alice_read_by_bob(guarded, mode, f"my email is {ALICE}")
    with context(user="bob", conversation="c1"):
        later = guarded.invoke("what is <EMAIL_ADDRESS_1>?")
    assert ALICE not in str(later.content)  # before: bob's vault scope held alice's address
    assert _users(charter)[:2] == ["alice", "alice"]  # alice's stream: before bob, bob
