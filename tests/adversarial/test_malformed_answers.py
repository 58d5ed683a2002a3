"""Answers and stream events in a broken shape (a proxy, a test double, a provider's new
field) get a clear outcome, never a crash deep inside the guard.

Found by fuzzing the shapes of this stop (random fields of valid answers and events set to
None, numbers, lists, dicts). At ac89c81 they raised TypeError / AttributeError from inside
the guard (an unhashable index, a text that is not a string, a block that is a string).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from charter.errors import PolicyViolation
from charter.guard import Charter

CARD = "4111 1111 1111 1111"


def _guarded(charter: Charter, answer: Any) -> Any:
    return charter.guard(model="m", provider="openai")(lambda p: answer)("hello")


def test_an_answer_whose_text_is_not_a_string_is_denied_unchecked(charter: Charter) -> None:
    answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": 1.5}}]}
    with pytest.raises(PolicyViolation) as denied:
        _guarded(charter, answer)
    assert [v.rule for v in denied.value.decision.violations] == ["charter.unreadable_data"]


def test_a_part_whose_text_is_not_a_string_is_not_read_as_text(charter: Charter) -> None:
    """It holds no string to leak: it goes out as it came, the rest is checked."""
    answer = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "thinking", "thinking": []}, {"type": "text", "text": f"Card {CARD}"}],
    }
    out = _guarded(charter, answer)
    assert out["content"][0] == {"type": "thinking", "thinking": []}
    assert CARD not in json.dumps(out)


def test_a_block_that_is_not_a_block_is_left_and_the_rest_checked(charter: Charter) -> None:
    answer = {
        "type": "message",
        "role": "assistant",
        "content": [
            "stray",
            {"type": "text", "text": "Sending."},
            {"type": "tool_use", "id": "t", "name": "send", "input": {"body": f"card {CARD}"}},
        ],
    }
    out = _guarded(charter, answer)
    assert out["content"][0] == "stray" and CARD not in json.dumps(out)


def test_stream_events_with_odd_indexes_and_types_do_not_crash(charter: Charter) -> None:
    events: list[Any] = [
        {"type": "content_block_delta", "index": [], "delta": {"type": "text_delta", "text": CARD}},
        {
            "type": "content_block_delta",
            "index": {},
            "delta": {"type": "input_json_delta", "partial_json": "{"},
        },
        {
            "type": "response.output_item.done",
            "output_index": [None],
            "item": {"type": "reasoning", "summary": 1},
        },
        {
            "type": "response.completed",
            "response": {"object": "response", "output": [{"type": [], "content": 2}]},
        },
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "delta": " and more text to release",
        },
    ]

    @charter.guard(model="m", provider="openai")
    def model(prompt: str) -> Iterator[Any]:
        yield from events

    out = list(model("hello"))
    assert CARD not in json.dumps(out)
