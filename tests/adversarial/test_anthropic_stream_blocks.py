"""A streamed Anthropic answer in several text blocks keeps its blocks (found by probing,
stop 41).

With citations on (documents, web search), Claude streams its answer as text blocks split
at each cited claim: `content_block_start`, text deltas, `citations_delta`,
`content_block_stop`, then the next block. The guard released all the text as deltas of the
last block, before that block had started, and sent the blocks' starts and stops after
it. A consumer that builds the message from the events as the SDK does (each delta goes to
the block at its `index`) failed, or put the first block's words into the last, even for
an answer with nothing to redact. The events that stand at a place in the text now go out
between the texts of their blocks (`charter.chunks.text_boundary`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from charter.guard import Charter

CARD = "4111 1111 1111 1111"


def _block(index: int, text: str, cited: str | None, size: int = 7) -> list[dict[str, Any]]:
    start = {"type": "content_block_start", "index": index}
    events: list[dict[str, Any]] = [start | {"content_block": {"type": "text", "text": ""}}]
    for at in range(0, len(text), size):
        delta = {"type": "text_delta", "text": text[at : at + size]}
        events.append({"type": "content_block_delta", "index": index, "delta": delta})
    if cited:
        delta = {"type": "citations_delta", "citation": {"cited_text": cited}}
        events.append({"type": "content_block_delta", "index": index, "delta": delta})
    return [*events, {"type": "content_block_stop", "index": index}]


def _events(*blocks: tuple[str, str | None]) -> list[dict[str, Any]]:
    message = {"id": "m", "type": "message", "role": "assistant", "content": []}
    body = [e for i, (text, cited) in enumerate(blocks) for e in _block(i, text, cited)]
    end = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}
    return [{"type": "message_start", "message": message}, *body, end, {"type": "message_stop"}]


def _built(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The message's blocks, built from the events as Anthropic's SDK builds them: a delta
    goes to the open block at its index, and any other order is an error."""
    blocks: list[dict[str, Any]] = []
    open_: set[int] = set()
    for event in events:
        kind, index = event["type"], event.get("index")
        if kind == "content_block_start":
            assert index == len(blocks), f"block {index} started out of order"
            blocks.append({**event["content_block"], "citations": []})
            open_.add(index)
        elif kind == "content_block_delta":
            assert index in open_, f"a delta for block {index}, which is not open"
            delta = event["delta"]
            if delta["type"] == "text_delta":
                blocks[index]["text"] += delta["text"]
            elif delta["type"] == "citations_delta":
                blocks[index]["citations"].append(delta["citation"])
        elif kind == "content_block_stop":
            open_.discard(index)
    assert not open_, "blocks left open"
    return blocks


def _stream(charter: Charter, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    @charter.guard(model="claude-x", provider="anthropic")
    def model(prompt: str) -> Iterator[Any]:
        yield from events

    return list(model("what does the statement say?"))


def test_a_clean_answer_in_two_cited_blocks_streams_as_it_was_written(charter: Charter) -> None:
    events = _events(("Your balance is 40 EUR ", "doc a"), ("and no fee is due.", "doc b"))
    out = _built(_stream(charter, events))
    assert out == _built(events)  # main: a delta for block 1 before block 1 started


def test_a_card_split_across_two_streamed_blocks_is_masked_in_them(charter: Charter) -> None:
    events = _events(("Your card 4111 1111 ", "doc a"), ("1111 1111 is blocked.", "doc b"))
    out = _built(_stream(charter, events))
    assert CARD not in "".join(b["text"] for b in out)
    assert [b["citations"] for b in out] == [[{"cited_text": "doc a"}], [{"cited_text": "doc b"}]]
    assert out[1]["text"].endswith(" is blocked.")


@pytest.mark.parametrize("blocks", [3, 6])
def test_long_blocks_released_window_by_window_keep_their_order(
    charter: Charter, blocks: int
) -> None:
    """Blocks longer than the window (96 characters): text is released mid-stream."""
    sentence = "The branch opens at nine and closes at five on weekdays, and at noon on Saturday. "
    events = _events(*[(f"{n}: {sentence * 2}", f"doc {n}") for n in range(blocks)])
    out = _built(_stream(charter, events))
    assert out == _built(events)
