"""A LangChain message with content blocks keeps them when its text is redacted or masked.

At 0c104c1 the adapter wrote the new text over the whole content: a multimodal prompt
whose text held a card number reached the model without its image, and an answer lost
its thinking and tool-use blocks. This test fails there.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from charter.guard import Charter
from tests.adversarial.helpers import sent_to_model

CARD = "4111 1111 1111 1111"


def test_a_multimodal_prompt_keeps_its_image_when_its_text_is_redacted(charter: Charter) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    prompt = HumanMessage(
        content=[{"type": "text", "text": f"My card {CARD}: what is this?"}, image]
    )
    content = sent_to_model(charter, [prompt], provider="openai")[0].content
    assert content[1] == image and CARD not in content[0]["text"]
    assert content[0]["text"].endswith("1111: what is this?")
