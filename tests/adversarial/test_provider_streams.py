"""Streams of Ollama, Cohere v2, Amazon Bedrock (converse_stream) and Google Gemini go
through the output checks window by window and keep their chunks' shape.

On main at 01cbc62 the gate could read no text in their chunks, so it held every chunk and
released them at the end exactly as the model wrote them: a card number, or a harmful plan,
streamed out unchecked. These tests fail there. Their tool calls and reasoning are checked
in `tests/adversarial/test_provider_stream_calls.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from charter.errors import ConfigurationError
from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def _pieces(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def ollama(text: str) -> list[Any]:
    chunks = [
        {"model": "l", "message": {"role": "assistant", "content": p}, "done": False}
        for p in _pieces(text)
    ]
    return [*chunks, {"model": "l", "message": {"role": "assistant", "content": ""}, "done": True}]


def cohere(text: str) -> list[Any]:
    deltas = [
        {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": p}}}}
        for p in _pieces(text)
    ]
    return [{"type": "message-start", "id": "r1"}, *deltas, {"type": "message-end"}]


def bedrock(text: str) -> list[Any]:
    deltas = [
        {"contentBlockDelta": {"delta": {"text": p}, "contentBlockIndex": 0}} for p in _pieces(text)
    ]
    stop = {"messageStop": {"stopReason": "end_turn"}}
    return [{"messageStart": {"role": "assistant"}}, *deltas, stop]


def gemini(text: str) -> list[Any]:
    return [
        {"candidates": [{"content": {"role": "model", "parts": [{"text": p}]}}]}
        for p in _pieces(text)
    ]


def _text(shape: str, chunks: list[Any]) -> str:
    if shape == "ollama":
        return "".join(c["message"]["content"] for c in chunks)
    if shape == "cohere":
        return "".join(
            c["delta"]["message"]["content"]["text"] for c in chunks if c["type"] == "content-delta"
        )
    if shape == "bedrock":
        return "".join(
            c["contentBlockDelta"]["delta"]["text"] for c in chunks if "contentBlockDelta" in c
        )
    return "".join(p["text"] for c in chunks for p in c["candidates"][0]["content"]["parts"])


SHAPES: dict[str, Callable[[str], list[Any]]] = {
    "ollama": ollama,
    "cohere": cohere,
    "bedrock": bedrock,
    "gemini": gemini,
}


def _stream(charter: Charter, chunks: list[Any], **kw: Any) -> list[Any]:
    @charter.guard(model="m", provider="p", **kw)
    def model(prompt: str) -> Iterator[Any]:
        yield from chunks

    return list(model("what is on my card?"))


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_card_split_over_chunks_is_masked(charter: Charter, shape: str) -> None:
    text = f"Your card {CARD} is active, and a new one is on its way to you this week."
    out = _stream(charter, SHAPES[shape](text))
    assert _text(shape, out) == text.replace(CARD, "**** **** **** 1111")


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_clean_stream_passes_with_the_same_text(charter: Charter, shape: str) -> None:
    text = "We open at nine on Saturdays and close at one; the ATM works all day long."
    assert _text(shape, _stream(charter, SHAPES[shape](text))) == text


@pytest.mark.parametrize("shape", list(SHAPES))
def test_harmful_streamed_text_is_refused_in_the_streams_shape(
    charter: Charter, shape: str
) -> None:
    out = _stream(charter, SHAPES[shape](HARMFUL + " Then wait outside."), on_deny="refuse")
    assert "bleach" not in json.dumps(out)
    assert _text(shape, out).startswith("I can't help with that")


def _assert_refused(charter: Charter, chunk: Any, match: str) -> None:
    """The stream of `chunk` raises a ConfigurationError before anything goes out."""
    released: list[Any] = []

    @charter.guard(model="m", provider="p")
    def model(prompt: str) -> Iterator[Any]:
        yield chunk

    with pytest.raises(ConfigurationError, match=match):
        for item in model("hi"):
            released.append(item)
    assert released == []


@pytest.mark.parametrize(
    "chunk",
    [
        {"choices": [{"index": 0, "text": f"card {CARD}"}]},  # OpenAI's legacy completions
        {"event": "token", "data": f"card {CARD}"},  # an SSE relay's own shape
    ],
    ids=["legacy-completions", "unknown"],
)
def test_a_dict_chunk_of_an_unknown_stream_is_refused_not_passed_unread(
    charter: Charter, chunk: Any
) -> None:
    """On main at 30d5552 such a stream was held and went out at the end unchecked."""
    _assert_refused(charter, chunk, "cannot read")


def test_openais_usage_only_last_chunk_still_passes(charter: Charter) -> None:
    delta = {"index": 0, "delta": {"content": "We open at nine on Saturdays."}}
    chunks = [
        {"object": "chat.completion.chunk", "choices": [delta]},
        {"choices": [], "usage": {"total_tokens": 5}},
    ]
    assert _stream(charter, chunks)[-1] == chunks[-1]


@pytest.mark.parametrize("kind", [bytes, bytearray], ids=["bytes", "bytearray"])
def test_bytes_are_refused_not_read_as_their_repr(charter: Charter, kind: type) -> None:
    """Found by probing at stop 53: bytes were read as their repr, so a stream of
    `b"...4111 1111 11"`, `b"11 1111..."` went out as "b'...'b'...'" with the whole card
    number in it (the `'b'` seams broke the number), and a bytes answer came back as a str
    of its repr. Both are refused: the guard reads text."""
    _assert_refused(charter, kind(f"card {CARD}".encode()), "of bytes")

    @charter.guard(model="m", provider="p")
    def whole(prompt: str) -> Any:
        return kind(f"card {CARD}".encode())

    with pytest.raises(ConfigurationError, match="an answer of bytes"):
        whole("hi")
