"""A Responses API stream of more than one text part (two messages, or one message of two
`output_text` parts) keeps its parts (found by probing, stop 42).

The guard released the text as deltas shaped like the last delta before each release, so
text the window still held when the second part began went out into the second part, and
the second part's deltas went out before the events that add it. Every event that repeats
a part's text (`output_text.done`, `content_part.done`, `output_item.done`,
`response.completed`) got all of the answer's text in its first copy and none in the
others. A consumer that builds the answer as OpenAI's SDK does (a delta goes to the part
at its `output_index` and `content_index`, which must have been added) failed or mixed the
parts. Each part now gets its own text, everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from charter.guard import Charter

CARD = "4111 1111 1111 1111"


def _part_events(o: int, c: int, text: str, item_id: str) -> list[dict[str, Any]]:
    at = {"item_id": item_id, "output_index": o, "content_index": c}
    part = {"type": "output_text", "text": text, "annotations": []}
    events: list[dict[str, Any]] = [
        {"type": "response.content_part.added", **at, "part": {**part, "text": ""}}
    ]
    for i in range(0, len(text), 9):
        events.append({"type": "response.output_text.delta", **at, "delta": text[i : i + 9]})
    events += [
        {"type": "response.output_text.done", **at, "text": text},
        {"type": "response.content_part.done", **at, "part": part},
    ]
    return events


def _events(messages: list[list[str]], reasoning: str = "") -> list[dict[str, Any]]:
    """One message per list of part texts, in the API's order; `reasoning`: a reasoning
    item's summary first."""
    output: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"object": "response"}}
    ]
    if reasoning:
        output.append(_reasoning(events, reasoning))
    for o, texts in enumerate(messages, start=len(output)):
        parts = [{"type": "output_text", "text": t, "annotations": []} for t in texts]
        item = {"type": "message", "id": f"msg_{o}", "role": "assistant", "content": parts}
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": o,
                "item": {**item, "content": []},
            }
        )
        for c, text in enumerate(texts):
            events += _part_events(o, c, text, item["id"])
        events.append({"type": "response.output_item.done", "output_index": o, "item": item})
        output.append(item)
    response = {"object": "response", "status": "completed", "output": output}
    events.append({"type": "response.completed", "response": response})
    return json.loads(json.dumps(events))


def _reasoning(events: list[dict[str, Any]], summary: str) -> dict[str, Any]:
    part = {"type": "summary_text", "text": summary}
    item = {"type": "reasoning", "id": "rs_1", "summary": [part]}
    at = {"item_id": "rs_1", "output_index": 0, "summary_index": 0}
    events.append({"type": "response.output_item.added", "output_index": 0, "item": item})
    for i in range(0, len(summary), 9):
        delta = summary[i : i + 9]
        events.append({"type": "response.reasoning_summary_text.delta", **at, "delta": delta})
    events.append({"type": "response.reasoning_summary_text.done", **at, "text": summary})
    events.append({"type": "response.output_item.done", "output_index": 0, "item": item})
    return item


def _built(events: list[dict[str, Any]]) -> list[list[str]]:
    """The parts' texts, built as OpenAI's SDK accumulates the events; every copy of a
    part's text must equal what its deltas built."""
    output: list[dict[str, Any]] = []
    for event in events:
        kind = event["type"]
        if kind == "response.output_item.added":
            assert event["output_index"] == len(output), "an item added out of order"
            output.append({**event["item"], "content": []})  # a reasoning item's too
        elif kind == "response.content_part.added":
            content = output[event["output_index"]]["content"]
            assert event["content_index"] == len(content), "a part added out of order"
            content.append(dict(event["part"]))
        elif kind == "response.output_text.delta":
            o, c = event["output_index"], event["content_index"]
            assert o < len(output) and c < len(output[o]["content"]), "a delta for no part"
            output[o]["content"][c]["text"] += event["delta"]
        elif kind in ("response.output_text.done", "response.content_part.done"):
            text = event["text"] if "text" in event else event["part"]["text"]
            assert text == output[event["output_index"]]["content"][event["content_index"]]["text"]
        elif kind == "response.output_item.done":
            assert _texts(event["item"]) == _texts(output[event["output_index"]])
        elif kind == "response.completed":
            final = [_texts(item) for item in event["response"]["output"]]
            assert final == [_texts(item) for item in output]
    return [_texts(item) for item in output if item["type"] == "message"]


def _texts(item: dict[str, Any]) -> list[str]:
    return [p["text"] for p in item.get("content", [])]


def _stream(charter: Charter, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    @charter.guard(model="gpt-x", provider="openai")
    def model(prompt: str) -> Iterator[Any]:
        yield from events

    return list(model("what does my statement say?"))


LONG = "The branch opens at nine and closes at five on weekdays, and at noon on Saturday. "


@pytest.mark.parametrize(
    "messages",
    [
        [["Your balance is 40 EUR. "], ["No fee is due this month."]],
        [["Your balance is 40 EUR. ", "No fee is due this month."]],
        [[LONG * 2], [LONG * 3, LONG]],
    ],
    ids=["two messages", "two parts", "longer than the window"],
)
def test_a_clean_answer_in_several_parts_streams_as_it_was_written(
    charter: Charter, messages: list[list[str]]
) -> None:
    assert _built(_stream(charter, _events(messages))) == messages


def test_a_card_split_across_two_parts_is_masked_in_them(charter: Charter) -> None:
    messages = [["Your card 4111 1111 ", "1111 1111 is blocked."]]
    out = _stream(charter, _events(messages))
    built = _built(out)
    assert CARD not in "".join(built[0]) and CARD not in json.dumps(out)
    assert built[0][1].endswith(" is blocked.") and "".join(built[0]).endswith("1111 is blocked.")


@pytest.mark.parametrize("long", [False, True])
def test_messages_after_reasoning_keep_their_parts(charter: Charter, long: bool) -> None:
    """Text after reasoning waits in line behind it: each part's text must still go out
    between its part's events."""
    messages = [[LONG * 2 if long else "Your balance is 40 EUR. "], ["No fee is due."]]
    events = _events(messages, reasoning="The user asks about the statement.")
    assert _built(_stream(charter, events)) == messages
