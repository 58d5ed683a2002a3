"""An Anthropic Messages *stream* (`stream=True`: raw events, dicts or SDK objects) goes
through the output checks, keeps its events' types and order, and its `tool_use` inputs
are checked like any proposed call.

On main at 0c104c1 the gate did not know these events:
- a dict event has no text the gate could read, so every event was held and released at
  the end as it was: the answer, a card number in it included, passed unchecked;
- an SDK event object was read as its repr (`str(event)`) and the consumer got strings
  back (reprs, masked) instead of events;
- the `input_json_delta` fragments of a `tool_use` block were never checked.
These tests fail there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from charter.errors import PolicyViolation
from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


class TextDelta(BaseModel):  # the SDK's shapes (anthropic.types), not installed here
    type: Literal["text_delta"] = "text_delta"
    text: str


class ContentBlockDelta(BaseModel):
    type: Literal["content_block_delta"] = "content_block_delta"
    index: int
    delta: TextDelta


class Event(BaseModel):  # message_start, content_block_start/stop, message_delta/stop
    type: str
    index: int | None = None
    content_block: dict[str, Any] | None = None


def _events(text: str, size: int = 9, tool_input: dict[str, Any] | None = None) -> list[Any]:
    """A dict event stream: text in `size`-character deltas, then optionally a tool_use
    block with its input in fragments."""
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {"id": "msg_1", "role": "assistant", "content": []}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    for i in range(0, len(text), size):
        delta = {"type": "text_delta", "text": text[i : i + size]}
        events.append({"type": "content_block_delta", "index": 0, "delta": delta})
    events.append({"type": "content_block_stop", "index": 0})
    if tool_input is not None:
        block = {"type": "tool_use", "id": "t1", "name": "send_email", "input": {}}
        events.append({"type": "content_block_start", "index": 1, "content_block": block})
        raw = json.dumps(tool_input)
        for i in range(0, len(raw), 6):
            delta = {"type": "input_json_delta", "partial_json": raw[i : i + 6]}
            events.append({"type": "content_block_delta", "index": 1, "delta": delta})
        events.append({"type": "content_block_stop", "index": 1})
    reason = "tool_use" if tool_input is not None else "end_turn"
    events.append({"type": "message_delta", "delta": {"stop_reason": reason}})
    events.append({"type": "message_stop"})
    return events


def _sdk_events(text: str, size: int = 9) -> list[Any]:
    out: list[Any] = []
    for event in _events(text, size):
        if event["type"] == "content_block_delta":
            delta = TextDelta(text=event["delta"]["text"])
            out.append(ContentBlockDelta(index=event["index"], delta=delta))
        else:
            out.append(Event(**{k: v for k, v in event.items() if k in Event.model_fields}))
    return out


def _stream(charter: Charter, events: list[Any], **kw: Any) -> list[Any]:
    @charter.guard(model="claude-x", provider="anthropic", **kw)
    def model(prompt: str) -> Iterator[Any]:
        yield from events

    return list(model("what is on my card?"))


def _text(events: list[Any]) -> str:
    text = ""
    for e in events:
        kind = e["type"] if isinstance(e, dict) else e.type
        if kind == "content_block_delta":
            delta = e["delta"] if isinstance(e, dict) else e.delta.model_dump()
            text += delta.get("text") or ""
    return text


def _tool_input(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    started = any(e.get("content_block", {}).get("type") == "tool_use" for e in events)
    raw = "".join(
        e["delta"].get("partial_json", "") for e in events if e["type"] == "content_block_delta"
    )
    return json.loads(raw) if started else None


def _kinds(events: list[Any]) -> list[str]:
    return [e["type"] if isinstance(e, dict) else e.type for e in events]


def test_a_card_in_a_dict_event_stream_is_masked_and_the_events_keep_their_order(
    charter: Charter,
) -> None:
    text = f"Your card {CARD} was blocked after the failed payment. A new one is on its way."
    events = _events(text)
    out = _stream(charter, events)
    assert CARD not in _text(out) and CARD.replace(" ", "") not in json.dumps(out)
    assert _text(out).endswith("A new one is on its way.") and "1111" in _text(out)
    kinds = _kinds(out)
    assert kinds[:2] == ["message_start", "content_block_start"]  # opening first
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert all(isinstance(e, dict) for e in out)


def test_sdk_events_come_back_as_events_with_their_text_checked(charter: Charter) -> None:
    text = f"Your card {CARD} was blocked. A new one is on its way to you this week."
    out = _stream(charter, _sdk_events(text))
    assert all(isinstance(e, BaseModel) for e in out)  # no reprs, no strings
    assert CARD not in _text(out) and _text(out).endswith("on its way to you this week.")
    assert _kinds(out)[0] == "message_start" and _kinds(out)[-1] == "message_stop"


def test_a_clean_event_stream_passes_with_the_same_text(charter: Charter) -> None:
    text = "We are open from nine to one on Saturdays, and closed on Sundays and holidays."
    out = _stream(charter, _events(text))
    assert _text(out) == text
    assert _kinds(out).count("message_start") == 1 and _kinds(out)[-1] == "message_stop"


def test_harmful_streamed_text_is_refused_as_an_event(charter: Charter) -> None:
    with pytest.raises(PolicyViolation):
        _stream(charter, _events(HARMFUL))
    out = _stream(charter, _events(HARMFUL), on_deny="refuse")
    assert "bleach" not in _text(out) and _text(out).startswith("I can't help with that")
    assert _kinds(out)[0] == "message_start"
    assert all(isinstance(e, dict) for e in out)


def test_a_card_in_a_streamed_tool_use_input_is_masked(charter: Charter) -> None:
    events = _events("Sending it now.", tool_input={"to": "billing", "body": f"card {CARD}"})
    out = _stream(charter, events)
    tool_input = _tool_input(out)
    assert tool_input is not None and tool_input["to"] == "billing"
    assert CARD not in tool_input["body"] and tool_input["body"].endswith("1111")
    assert CARD.replace(" ", "") not in json.dumps(out)


def test_harmful_tool_use_input_is_refused_and_no_call_goes_out(charter: Charter) -> None:
    events = _events("Sending it now.", tool_input={"body": HARMFUL})
    out = _stream(charter, events, on_deny="refuse")
    assert _tool_input(out) is None and "bleach" not in json.dumps(out)
    assert _text(out).startswith("I can't help with that")


def _thinking_events(thinking: str, text: str) -> list[dict[str, Any]]:
    """Extended thinking: a thinking block streamed first, then the text block."""
    events = _events(text)
    for event in events:  # the text block becomes block 1
        if "index" in event:
            event["index"] = 1
    block = {"type": "thinking", "thinking": "", "signature": ""}
    thought: list[dict[str, Any]] = [
        {"type": "content_block_start", "index": 0, "content_block": block}
    ]
    for i in range(0, len(thinking), 7):
        delta = {"type": "thinking_delta", "thinking": thinking[i : i + 7]}
        thought.append({"type": "content_block_delta", "index": 0, "delta": delta})
    signature = {"type": "signature_delta", "signature": "sig"}
    thought.append({"type": "content_block_delta", "index": 0, "delta": signature})
    thought.append({"type": "content_block_stop", "index": 0})
    return [events[0], *thought, *events[1:]]


def _thinking(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["delta"].get("thinking", "") for e in events if e["type"] == "content_block_delta"
    )


def test_streamed_thinking_is_checked_and_keeps_its_place(charter: Charter) -> None:
    """Fails at 79a95d7: thinking deltas passed unchecked."""
    text = "Your card is blocked; a new one is on its way to you and should arrive this week."
    events = _thinking_events(f"The user's card {CARD} has a block on it.", text)
    out = _stream(charter, events)
    assert CARD not in _thinking(out) and _thinking(out).endswith("1111 has a block on it.")
    assert _text(out) == text
    assert _order(out) == _order(events)  # every event in the model's order (text regrouped)


def _order(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Each event's type and block, runs of text deltas counted as one."""
    out: list[tuple[str, Any]] = []
    for e in events:
        kind = (
            e["type"] + ":" + e["delta"].get("type", "") if "delta" in e else e["type"],
            e.get("index"),
        )
        if not (out and out[-1] == kind and kind[0].endswith("text_delta")):
            out.append(kind)
    return out


def test_a_harmful_plan_in_streamed_thinking_is_refused(charter: Charter) -> None:
    events = _thinking_events(HARMFUL, "I would rather not help with that request at all.")
    out = _stream(charter, events, on_deny="refuse")
    assert "bleach" not in json.dumps(out) and _thinking(out) == ""
    assert _text(out).startswith("I can't help with that")


class HelperText(BaseModel):  # client.messages.stream()'s TextEvent
    type: Literal["text"] = "text"
    text: str
    snapshot: str


class HelperStop(BaseModel):  # its message_stop, carrying the whole message
    type: Literal["message_stop"] = "message_stop"
    message: dict[str, Any]


@pytest.mark.parametrize("helper", ["text", "stop"])
def test_an_sdk_stream_helpers_events_are_refused_with_a_clear_error(
    charter: Charter, helper: str
) -> None:
    """Their copies of the answer so far (`snapshot`, the stop event's `message`) would go
    out as the model wrote them; at b3fcb55 the stop event's message did."""
    from charter.errors import ConfigurationError

    text = f"Your card {CARD} was blocked."
    delta = ContentBlockDelta(index=0, delta=TextDelta(text=text))
    extra: Any = (
        HelperText(text=text, snapshot=text)
        if helper == "text"
        else HelperStop(message={"content": [{"type": "text", "text": text}]})
    )
    with pytest.raises(ConfigurationError, match="stream helper"):
        _stream(charter, [delta, extra])
