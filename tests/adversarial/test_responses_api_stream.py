"""An OpenAI Responses API *stream* (`client.responses.create(stream=True)`) goes through
the output checks: its text deltas are checked and rewritten, its function-call argument
deltas are checked with the answer, and the events that repeat the text or the arguments
whole (`response.output_text.done`, `response.content_part.done`,
`response.output_item.done`, `response.completed`) carry what was released, not what the
model wrote.

On main at b3fcb55 the gate read none of these events: a dict stream was held whole and
released at the end as it was (a card number in the text or in an argument passed), and
SDK event objects were read as their reprs and came back as strings. These tests fail
there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.streamed_calls import streamed_chars

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def _events(text: str, arguments: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The events of one answer, in the API's order: a message streamed in 8-character
    deltas, optionally a function call streamed in 6-character deltas, and the copies."""
    part = {"type": "output_text", "text": text, "annotations": []}
    message = {"type": "message", "id": "msg_1", "role": "assistant", "content": [part]}
    output: list[dict[str, Any]] = [message]
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"object": "response", "output": []}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**message, "content": []},
        },
        {"type": "response.content_part.added", "output_index": 0, "part": {**part, "text": ""}},
    ]
    for i in range(0, len(text), 8):
        events.append(
            {"type": "response.output_text.delta", "output_index": 0, "delta": text[i : i + 8]}
        )
    events += [
        {"type": "response.output_text.done", "output_index": 0, "text": text},
        {"type": "response.content_part.done", "output_index": 0, "part": part},
        {"type": "response.output_item.done", "output_index": 0, "item": message},
    ]
    if arguments is not None:
        raw = json.dumps(arguments)
        call = {"type": "function_call", "call_id": "c1", "name": "send_email", "arguments": raw}
        output.append(call)
        start = {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {**call, "arguments": ""},
        }
        events.append(start)
        for i in range(0, len(raw), 6):
            events.append(
                {
                    "type": "response.function_call_arguments.delta",
                    "output_index": 1,
                    "delta": raw[i : i + 6],
                }
            )
        events += [
            {"type": "response.function_call_arguments.done", "output_index": 1, "arguments": raw},
            {"type": "response.output_item.done", "output_index": 1, "item": call},
        ]
    response = {"object": "response", "status": "completed", "output": output}
    events.append({"type": "response.completed", "response": response})
    return json.loads(json.dumps(events))  # no shared objects between events


def _stream(charter: Charter, events: list[Any], **kw: Any) -> list[Any]:
    @charter.guard(model="gpt-x", provider="openai", **kw)
    def model(prompt: str) -> Iterator[Any]:
        yield from events

    return list(model("what is on my card?"))


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")


def _arguments(events: list[dict[str, Any]]) -> str:
    kind = "response.function_call_arguments.delta"
    return "".join(e["delta"] for e in events if e["type"] == kind)


def test_a_card_in_the_text_is_masked_in_the_deltas_and_in_every_copy(charter: Charter) -> None:
    text = f"Your card {CARD} was blocked after the failed payment. A new one is on its way."
    out = _stream(charter, _events(text))
    released = _text(out)
    assert CARD not in released and released.endswith("A new one is on its way.")
    assert CARD.replace(" ", "") not in json.dumps(out) and CARD not in json.dumps(out)
    done = next(e for e in out if e["type"] == "response.output_text.done")
    completed = out[-1]
    assert completed["type"] == "response.completed" and out[0]["type"] == "response.created"
    assert done["text"] == released
    assert completed["response"]["output"][0]["content"][0]["text"] == released


def test_a_card_in_streamed_arguments_is_masked_in_the_deltas_and_in_every_copy(
    charter: Charter,
) -> None:
    events = _events("Sending it now.", {"to": "billing", "body": f"card {CARD}"})
    out = _stream(charter, events)
    arguments = json.loads(_arguments(out))
    assert arguments["to"] == "billing" and arguments["body"].endswith("1111")
    assert CARD not in json.dumps(out)
    done = next(e for e in out if e["type"] == "response.function_call_arguments.done")
    assert json.loads(done["arguments"]) == arguments
    assert json.loads(out[-1]["response"]["output"][1]["arguments"]) == arguments


def test_a_clean_stream_keeps_its_text_its_call_and_its_events(charter: Charter) -> None:
    text = "We are open from nine to one on Saturdays, and closed on Sundays and holidays."
    events = _events(text, {"city": "Ankara"})
    out = _stream(charter, events)
    assert _text(out) == text and json.loads(_arguments(out)) == {"city": "Ankara"}
    assert out[-1] == events[-1]  # the final response, as the model sent it
    not_text = [e for e in out if e["type"] != "response.output_text.delta"]
    assert not_text == [e for e in events if e["type"] != "response.output_text.delta"]


def test_harmful_text_is_refused_and_nothing_of_it_goes_out(charter: Charter) -> None:
    with pytest.raises(PolicyViolation):
        _stream(charter, _events(HARMFUL))
    out = _stream(charter, _events(HARMFUL), on_deny="refuse")
    assert "bleach" not in json.dumps(out) and _text(out).startswith("I can't help with that")
    assert out[0]["type"] == "response.created"


def test_harmful_arguments_are_refused_and_no_call_goes_out(charter: Charter) -> None:
    out = _stream(charter, _events("Sending it now.", {"body": HARMFUL}), on_deny="refuse")
    assert "bleach" not in json.dumps(out) and "function_call" not in json.dumps(out)
    assert _text(out).startswith("I can't help with that")


def test_the_copies_of_the_arguments_count_once_toward_the_size_limit() -> None:
    events = _events("Hi.", {"body": "x" * 50})
    total = sum(streamed_chars(e) for e in events)
    assert total == len("Hi.") + len(json.dumps({"body": "x" * 50}))


class Delta(BaseModel):  # the SDK's event objects (openai.types.responses), trimmed
    type: str
    output_index: int = 0
    delta: str


class Done(BaseModel):
    type: str
    output_index: int = 0
    text: str


def test_sdk_events_come_back_as_events_with_their_text_checked(charter: Charter) -> None:
    text = f"Your card {CARD} was blocked. A new one is on its way to you this week."
    events: list[Any] = [
        Delta(type="response.output_text.delta", delta=text[i : i + 8])
        for i in range(0, len(text), 8)
    ]
    events.append(Done(type="response.output_text.done", text=text))
    out = _stream(charter, events)
    assert all(isinstance(e, BaseModel) for e in out)
    released = "".join(e.delta for e in out if isinstance(e, Delta))
    assert CARD not in released and released.endswith("on its way to you this week.")
    assert isinstance(out[-1], Done) and out[-1].text == released


def _reasoning_events(summary: str, text: str) -> list[dict[str, Any]]:
    """A reasoning item (output 0) streams its summary before the message (output 1)."""
    events = _events(text)
    for event in events:
        if "output_index" in event:
            event["output_index"] = 1
    part = {"type": "summary_text", "text": summary}
    item = {"type": "reasoning", "id": "rs_1", "summary": [part]}
    first = {"output_index": 0, "summary_index": 0}
    reasoning: list[dict[str, Any]] = [
        {"type": "response.output_item.added", "output_index": 0, "item": {**item, "summary": []}},
        {"type": "response.reasoning_summary_part.added", **first, "part": {**part, "text": ""}},
    ]
    for i in range(0, len(summary), 6):
        delta = {
            "type": "response.reasoning_summary_text.delta",
            **first,
            "delta": summary[i : i + 6],
        }
        reasoning.append(delta)
    reasoning += [
        {"type": "response.reasoning_summary_text.done", **first, "text": summary},
        {"type": "response.reasoning_summary_part.done", **first, "part": part},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
    ]
    completed = events[-1]
    completed["response"]["output"].insert(0, item)
    return json.loads(json.dumps([events[0], *reasoning, *events[1:]]))


def test_a_card_in_a_streamed_reasoning_summary_is_masked_everywhere(charter: Charter) -> None:
    """Fails at 79a95d7: the reasoning events passed as the model wrote them."""
    text = "Your card is blocked; a new one is on its way to you and should arrive this week."
    events = _reasoning_events(f"The card {CARD} shows a block.", text)
    out = _stream(charter, events)
    assert CARD not in json.dumps(out) and CARD.replace(" ", "") not in json.dumps(out)
    summary = "".join(
        e["delta"] for e in out if e["type"] == "response.reasoning_summary_text.delta"
    )
    assert summary.endswith("1111 shows a block.") and _text(out) == text
    assert out[-1]["response"]["output"][0]["summary"][0]["text"] == summary
    assert _order(out) == _order(events)  # in the model's order (text regrouped)


def _order(events: list[dict[str, Any]]) -> list[str]:
    """Each event's type, runs of one type counted once."""
    return [e["type"] for n, e in enumerate(events) if n == 0 or events[n - 1]["type"] != e["type"]]
