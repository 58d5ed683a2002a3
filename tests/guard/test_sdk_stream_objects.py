"""A stream that a whole call hands back is checked as it comes, or refused (found by
probing, stop 43).

Guarding an SDK's own method (`client.chat.completions.create`) and calling it with
`stream=True` was refused ("returned an iterator ...: write it as a generator"), so the
SDK's own way to stream could not be guarded. A stream object that only iterates (boto3's
`EventStream`), or a dict holding one (Bedrock's `converse_stream` answer), was read
whole, as `str(...)`, which holds no text: every chunk reached the application unchecked.
Now `stream=True` makes the call a stream, checked window by window like a guarded
generator, and any other stream a whole call returns is refused before any check. These
tests fail at ff4a76f.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from charter.config import Settings
from charter.errors import ApprovalPending, ConfigurationError, PolicyViolation
from charter.guard import Charter
from tests.guard.test_drivers import LONG_SECRET, hold_bundle

CARD = "4111 1111 1111 1111"
MASKED = "**** **** **** 1111"
ASK = [{"role": "user", "content": "What is on file?"}]


def _chunks(text: str) -> list[dict[str, Any]]:
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    return [
        {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": p}}]}
        for p in pieces
    ]


class Stream:
    """openai.Stream's shape: an iterator over chunks that closes its response."""

    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self._chunks = iter(chunks)
        self.closed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        return next(self._chunks)

    def close(self) -> None:
        self.closed = True


class AsyncStream:
    """openai.AsyncStream's shape, iterated only through `__aiter__`."""

    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self._chunks = chunks

    async def _each(self) -> AsyncIterator[dict[str, Any]]:
        for chunk in self._chunks:
            yield chunk

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._each()


def _text(chunks: list[Any]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)


def test_create_with_stream_true_is_checked_as_it_comes(charter: Charter) -> None:
    made: list[Stream] = []

    @charter.guard(model="gpt-4o", provider="openai")
    def create(*, model: str, messages: Any, stream: bool = False) -> Any:
        made.append(Stream(_chunks(f"The card on file is {CARD}, valid to 2029.")))
        return made[-1]

    with create(model="gpt-4o", messages=ASK, stream=True) as stream:
        chunks = list(stream)
    assert _text(chunks) == f"The card on file is {MASKED}, valid to 2029."
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert made[0].closed


def test_a_denied_streamed_prompt_never_reaches_the_model(charter: Charter) -> None:
    ran: list[Any] = []

    @charter.guard(model="gpt-4o", provider="openai", on_deny="raise")
    def create(*, model: str, messages: Any, stream: bool = False) -> Any:
        ran.append(messages)
        return Stream(_chunks("ok"))

    stream = create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Which stock should I buy with my savings?"}],
        stream=True,
    )
    with pytest.raises(PolicyViolation, match=r"topics\.forbidden"):
        next(iter(stream))
    assert ran == []


def test_await_create_with_stream_true_is_checked_as_it_comes(charter: Charter) -> None:
    @charter.guard(model="gpt-4o", provider="openai")
    async def create(*, model: str, messages: Any, stream: bool = False) -> Any:
        return AsyncStream(_chunks(f"The card on file is {CARD}."))

    async def main() -> list[Any]:
        stream = await create(model="gpt-4o", messages=ASK, stream=True)
        async with stream:
            return [chunk async for chunk in stream]

    assert _text(asyncio.run(main())) == f"The card on file is {MASKED}."


class EventStream:
    """boto3's EventStream: iterated only through `__iter__`, closed with `close`."""

    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self._chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._chunks)

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("holder", ["bare", "in-a-dict"])
def test_a_stream_a_whole_call_returns_is_refused_and_closed(charter: Charter, holder: str) -> None:
    """boto3's `converse_stream` returns `{"stream": EventStream, ...}`; the guard read the
    dict's fields and let the stream through unchecked (an iterator was already refused)."""
    made: list[EventStream] = []

    @charter.guard(model="m", provider="bedrock")
    def converse_stream(**kwargs: Any) -> Any:
        made.append(EventStream(_chunks(f"card {CARD}")))
        return made[-1] if holder == "bare" else {"ResponseMetadata": {}, "stream": made[-1]}

    with pytest.raises(ConfigurationError, match="stream=True") as refused:
        converse_stream(modelId="m", messages=[{"role": "user", "content": [{"text": "hi"}]}])
    assert ("holding a stream" in str(refused.value)) is (holder == "in-a-dict")
    assert made[0].closed


def test_a_held_stream_resumes_as_a_checked_stream(tmp_path: Path) -> None:
    bundle = hold_bundle(tmp_path)
    settings = {"policies": str(bundle), "store_url": f"sqlite:///{tmp_path / 'c.db'}"}
    charter = Charter(Settings.build({**settings, "pii_mode": "pattern", "telemetry": False}))
    ran: list[Any] = []

    @charter.guard(model="gpt-4o", provider="openai")
    def create(*, model: str, messages: Any, stream: bool = False) -> Any:
        ran.append(messages)
        return Stream(_chunks(LONG_SECRET))

    with pytest.raises(ApprovalPending) as held:
        list(create(model="gpt-4o", messages=[{"role": "user", "content": "hold it"}], stream=True))
    charter.queue.approve(held.value.ticket, "olga", reason="ok")
    chunks: list[Any] = []
    with pytest.raises(PolicyViolation, match=r"t\.secret"):
        chunks.extend(charter.resume(held.value.ticket))  # the window holding it is withheld
    assert len(ran) == 1 and chunks and LONG_SECRET.startswith(_text(chunks))
    assert "secret" not in _text(chunks)
    charter.close()
