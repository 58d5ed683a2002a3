"""LangChain content blocks that hold text are read and written back as the same blocks
(found by probing, stop 41).

LangChain message content may be a list of blocks. The guard read the `text` of every
block but wrote the new text into the first block of type `text` only:
- an attached document (`text-plain`, LangChain's standard block for one) was redacted for
  the policy and sent to the model as it came, its e-mail address included;
- an answer in a provider's `output_text` block kept its card number, and gained a second,
  masked copy of itself;
- an answer in several text blocks (ChatAnthropic with citations) lost every block but the
  first, and their citations.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage

from charter.guard import Charter
from charter.langchain import guard_chat_model
from tests.adversarial.helpers import sent_to_model
from tests.langchain.conftest import CARD, EMAIL, RecordingChatModel

DOCUMENT = {"type": "text-plain", "mime_type": "text/plain", "text": f"Customer: {EMAIL}"}


def _prompt() -> list[HumanMessage]:
    return [HumanMessage(content=[{"type": "text", "text": "Summarize: "}, DOCUMENT])]


def test_an_attached_document_is_redacted_before_the_wrapped_model(
    charter: Charter, model: RecordingChatModel
) -> None:
    guard_chat_model(model, charter=charter, provider="openai").invoke(_prompt())
    assert model.calls and EMAIL not in str(model.calls[0])


def test_an_attached_document_is_redacted_before_a_guarded_function(charter: Charter) -> None:
    content = sent_to_model(charter, _prompt(), provider="openai")[0].content
    assert EMAIL not in str(content)
    assert [b["type"] for b in content] == ["text", "text-plain"]  # the blocks as they were


def _answer(charter: Charter, content: list[Any]) -> Any:
    return charter.guard(model="m", provider="anthropic")(lambda p: AIMessage(content=content))(
        "hi"
    )


def test_an_output_text_block_has_its_card_masked_in_place(charter: Charter) -> None:
    out = _answer(charter, [{"type": "output_text", "text": f"Card {CARD} is blocked."}])
    assert len(out.content) == 1 and out.content[0]["type"] == "output_text"
    assert CARD not in out.content[0]["text"] and out.content[0]["text"].endswith(
        "1111 is blocked."
    )


def test_text_blocks_keep_their_citations_when_the_text_changes(charter: Charter) -> None:
    blocks = [
        {"type": "text", "text": f"Card {CARD} is blocked. ", "citations": ["a"]},
        {"type": "text", "text": "Call us to unblock it.", "citations": ["b"]},
    ]
    out = _answer(charter, blocks)
    assert [b["citations"] for b in out.content] == [["a"], ["b"]]
    assert CARD not in out.content[0]["text"]
    assert out.content[1]["text"] == "Call us to unblock it."
