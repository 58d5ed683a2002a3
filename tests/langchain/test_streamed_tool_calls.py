"""guard_chat_model's stream: the tool calls the model streams are checked with its answer.

The integration kept the streamed tool-call chunks aside and released them, merged, after
the guard's stream ended, so the guard never read them. Each test fails on the previous code
(at bf146a4): a card number in the streamed arguments reached the agent as written (in
`tool_calls` and in the raw copy), and harmful arguments passed.
"""

from __future__ import annotations

import asyncio
import json
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from charter.guard import Charter
from charter.langchain import guard_chat_model

from .conftest import CARD

HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def _collect(safe: Any, prompt: str, mode: str) -> AIMessageChunk:
    if mode == "stream":
        chunks = list(safe.stream(prompt))
    else:

        async def collect() -> list[Any]:
            return [c async for c in safe.astream(prompt)]

        chunks = asyncio.run(collect())
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    return reduce(add, chunks)


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_card_in_streamed_tool_call_chunks_is_masked(
    charter: Charter, make_model: Any, mode: str
) -> None:
    call = {"name": "send_email", "args": {"to": "billing", "body": f"card {CARD}"}, "id": "c1"}
    model = make_model(answer="I will send it to billing now. " * 4, tool_calls=[call])
    safe = guard_chat_model(model, charter=charter, provider="openai")
    whole = _collect(safe, "remind billing", mode)
    assert whole.content == "I will send it to billing now. " * 4
    [got] = whole.tool_calls
    assert (got["name"], got["id"], got["args"]["to"]) == ("send_email", "c1", "billing")
    assert CARD not in got["args"]["body"] and got["args"]["body"].endswith("1111")
    assert CARD not in json.dumps([c["args"] for c in whole.tool_call_chunks])


def test_harmful_streamed_tool_call_arguments_are_refused(
    charter: Charter, make_model: Any
) -> None:
    call = {"name": "send_email", "args": {"body": HARMFUL}, "id": "c2"}
    model = make_model(answer="Sending.", tool_calls=[call])
    safe = guard_chat_model(model, charter=charter, provider="openai", on_deny="refuse")
    whole = _collect(safe, "remind billing", "stream")
    assert whole.tool_calls == [] and not whole.tool_call_chunks
    assert str(whole.content).startswith("I can't help with that")
