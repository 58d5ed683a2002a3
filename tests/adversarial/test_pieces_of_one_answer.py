"""An answer that comes in pieces (Anthropic's text blocks, a Responses answer's
`output_text` parts) is detected as the one text it is, and each piece keeps what points
into it (found by probing, stop 41).

Stop 40 read Anthropic's blocks one by one so that each kept its citations, and the PII
detector then saw each block alone: a card number the model split across two blocks
("Your card 4111 1111 " + "1111 1111 is blocked.") reached the app unmasked. A Responses
answer was read as one text but written back into its first part, so every later part
and the search citations it carried were lost. Both are now read as one text and cut back
where they were cut (`charter.pieces.OneText`, `charter._positions.split_like`).
"""

from __future__ import annotations

import re
from typing import Any

from charter.guard import Charter
from tests.adversarial.test_anthropic_citations import _answer as _anthropic

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")


def _guarded(charter: Charter, answer: Any, provider: str) -> Any:
    return charter.guard(model="m", provider=provider)(lambda p: answer)("my card?")


def test_a_card_split_across_two_anthropic_blocks_is_masked(charter: Charter) -> None:
    answer = _anthropic(("Your card 4111 1111 ", "doc a"), ("1111 1111 is blocked.", "doc b"))
    out = _guarded(charter, answer, "anthropic")
    texts = [b["text"] for b in out["content"]]
    assert CARD not in "".join(texts)  # stop 40: each block alone held no card
    assert "".join(texts).endswith("1111 is blocked.")  # masked as the card it is
    assert [b["citations"][0]["cited_text"] for b in out["content"]] == ["doc a", "doc b"]


def test_a_card_split_across_two_responses_parts_is_masked(charter: Charter) -> None:
    parts = [{"type": "output_text", "text": t} for t in ("Card 4111 1111 ", "1111 1111 ok.")]
    message = {"type": "message", "role": "assistant", "content": parts}
    out = _guarded(charter, {"object": "response", "output": [message]}, "openai")
    texts = [p["text"] for p in out["output"][0]["content"]]
    assert CARD not in "".join(texts) and len(texts) == 2


def test_each_responses_part_keeps_its_citations_when_the_text_changes(
    charter: Charter,
) -> None:
    second = "Opening hours: see the branch page."
    cited = "the branch page"

    @charter.guard(model="gpt-4o", provider="openai")
    def create(messages: list[dict[str, str]]) -> Any:
        placeholder = PLACEHOLDER.search(messages[0]["content"]).group()
        start = second.index(cited)
        url = {"type": "url_citation", "start_index": start, "end_index": start + len(cited)}
        parts = [
            {"type": "output_text", "text": f"Yes, {placeholder} may come. ", "annotations": []},
            {"type": "output_text", "text": second, "annotations": [url | {"url": "u"}]},
        ]
        return {"object": "response", "output": [{"type": "message", "content": parts}]}

    out = create([{"role": "user", "content": f"Can {EMAIL} visit?"}])
    first, kept = out["output"][0]["content"]
    assert EMAIL in first["text"]  # the placeholder restored in its own part
    assert kept["text"] == second  # stop 40: this part went, with its citation
    url = kept["annotations"][0]
    assert kept["text"][url["start_index"] : url["end_index"]] == cited


def test_split_like_cuts_the_new_text_where_the_old_was_cut() -> None:
    from charter._positions import split_like

    assert split_like(["ab", "cd"], "abcd") == ["ab", "cd"]
    assert split_like(["Hi <P_1>", ", bye"], "Hi Jane Doe, bye") == ["Hi Jane Doe", ", bye"]
    assert split_like(["a 4111 ", "1111 b"], "a XXXX b") == ["a XXXX", " b"]  # to its end
    assert split_like(["x", "", "y"], "xy") == ["x", "", "y"]
    for pieces, new in ((["abc", "def", "g"], "zz"), (["", "q"], "long new text")):
        assert "".join(split_like(pieces, new)) == new  # joined, always the new text
