"""A Bedrock Converse answer that cites documents is read (found by probing, stop 41).

With citations on, Bedrock's Converse API returns the cited part of the answer in
`citationsContent` blocks (`content: [{"text"}]` beside `citations`), not in text blocks.
The guard read only text blocks, so a cited answer's card number reached the app and a
harmful cited answer passed unchecked. A message's text parts and cited texts are now read
one by one, as one text (`charter.pieces.OneText`), and each keeps its citations.
"""

from __future__ import annotations

import copy
from typing import Any

from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"
CITATION = {"title": "statement", "location": {"documentChar": {"documentIndex": 0, "start": 0}}}


def _answer(*blocks: dict[str, Any]) -> dict[str, Any]:
    message = {"role": "assistant", "content": list(blocks)}
    return {"output": {"message": message}, "stopReason": "end_turn"}


def _cited(text: str) -> dict[str, Any]:
    return {"citationsContent": {"content": [{"text": text}], "citations": [CITATION]}}


def _guarded(charter: Charter, answer: Any) -> Any:
    model = charter.guard(model="m", provider="bedrock", on_deny="refuse")
    return model(lambda prompt: copy.deepcopy(answer))("What does my statement say?")


def test_a_card_in_a_cited_block_is_masked_and_the_citation_kept(charter: Charter) -> None:
    out = _guarded(charter, _answer({"text": "Found it. "}, _cited(f"Card {CARD} is blocked.")))
    content = out["output"]["message"]["content"]
    cited = content[1]["citationsContent"]
    assert CARD not in cited["content"][0]["text"] and cited["citations"] == [CITATION]
    assert content[0] == {"text": "Found it. "}


def test_a_harmful_cited_answer_is_refused_and_cites_nothing(charter: Charter) -> None:
    out = _guarded(charter, _answer(_cited(HARMFUL)))
    content = out["output"]["message"]["content"]
    assert "bleach" not in str(content) and "citationsContent" not in str(content)
    assert content[0]["text"].startswith("I can't help with that")


def test_a_card_split_across_cohere_text_items_is_masked(charter: Charter) -> None:
    parts = [{"type": "text", "text": "Card 4111 1111 "}, {"type": "text", "text": "1111 1111 ok"}]
    answer = {"message": {"role": "assistant", "content": parts}, "finish_reason": "COMPLETE"}
    out = _guarded(charter, answer)
    assert CARD not in "".join(p["text"] for p in out["message"]["content"])


def test_a_clean_cited_answer_passes_as_it_came(charter: Charter) -> None:
    """Guards against over-reach."""
    answer = _answer({"text": "Your balance "}, _cited("is 40 EUR."))
    assert _guarded(charter, answer) == answer
