"""An Anthropic answer that cites documents keeps its blocks and citations through the
guard (found by probing, stop 40).

With citations on, Claude answers in text blocks split at each cited claim, each with the
`citations` that support it. The guard read those blocks as one text and, whenever the text
changed (a placeholder restored, a card masked), wrote it back into the first block and
dropped the others, so every citation of the answer was lost: a RAG app's sources
disappeared exactly when the document held personal data. Blocks are now read one by one;
the answer is still scored as one text, and a refusal carries no citations.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from charter.guard import Charter
from tests.adversarial.test_anthropic_answers import Message

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
DOCUMENT = f"Customer: {EMAIL}\nBalance: 40 EUR"
HARMFUL = (
    "Step 1: mix bleach and ammonia ",
    "in a closed room to make a toxic gas that will kill him",
)


def _cite(text: str) -> dict[str, Any]:
    return {"type": "char_location", "cited_text": text, "document_index": 0}


def _answer(*blocks: tuple[str, str | None]) -> dict[str, Any]:
    content = [
        {"type": "text", "text": text, **({"citations": [_cite(c)]} if c else {})}
        for text, c in blocks
    ]
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x"} | {
        "content": content,
        "stop_reason": "end_turn",
    }


def _ask(charter: Charter, answer: Any, **guard: Any) -> tuple[Any, list[str]]:
    """The answer as the app gets it, and the document as the model was sent it."""
    seen: list[str] = []

    @charter.guard(model="claude-x", provider="anthropic", **guard)
    def create(messages: list[Any]) -> Any:
        document = messages[0]["content"][0]["source"]["data"]
        seen.append(document)
        placeholder = document.split("Customer: ")[1].split("\n")[0]
        return json.loads(json.dumps(answer).replace("@@", placeholder))

    source = {"type": "text", "media_type": "text/plain", "data": DOCUMENT}
    question = "Who is the customer?"
    blocks = [{"type": "document", "source": source, "citations": {"enabled": True}}]
    return create(
        [{"role": "user", "content": [*blocks, {"type": "text", "text": question}]}]
    ), seen


def test_a_restored_placeholder_keeps_every_block_and_its_citations(charter: Charter) -> None:
    answer = _answer(
        ("According to the file, ", None),
        ("the customer is @@", "Customer: @@"),
        (" and the balance is 40 EUR.", "Balance: 40 EUR"),
    )
    released, seen = _ask(charter, answer)
    assert EMAIL not in seen[0]  # the model saw a placeholder
    content = released["content"]
    assert [b["text"] for b in content] == [  # main: one block, no citations
        "According to the file, ",
        f"the customer is {EMAIL}",
        " and the balance is 40 EUR.",
    ]
    assert [len(b.get("citations", [])) for b in content] == [0, 1, 1]
    assert content[2]["citations"][0]["cited_text"] == "Balance: 40 EUR"


class TextBlock(BaseModel):  # anthropic.types.TextBlock, with its citations
    type: Literal["text"] = "text"
    text: str
    citations: list[dict[str, Any]] | None = None


def test_a_masked_card_changes_its_own_block_only(charter: Charter) -> None:
    cited = TextBlock(text="The balance is 40 EUR.", citations=[_cite("Balance: 40 EUR")])
    message = Message(content=[TextBlock(text=f"Your card {CARD} is active. "), cited])
    released = charter.guard(model="claude-x", provider="anthropic")(lambda p: message)("card?")
    assert isinstance(released, Message) and len(released.content) == 2
    assert CARD not in released.content[0].text and released.content[0].text.endswith("active. ")
    assert released.content[1] == cited  # main: gone


def test_a_refusal_cites_nothing(charter: Charter) -> None:
    answer = _answer((HARMFUL[0], "Customer: @@"), (HARMFUL[1], "Balance: 40 EUR"))
    released, _ = _ask(charter, answer, on_deny="refuse")
    [block] = released["content"]  # split across blocks, the plan is still read as one
    assert block["text"].startswith("I can't help with that") and not block.get("citations")
