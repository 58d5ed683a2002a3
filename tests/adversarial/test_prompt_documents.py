"""Texts a chat prompt carries in blocks the guard did not read reach the model redacted
(found by probing, stop 41): a Bedrock Converse document that holds text (its `source.text`,
`source.content`, or the `bytes` of a txt, md, csv or html file), a Cohere v2 `document`
block a tool returned, and an OpenAI assistant message's earlier `refusal` part. Each went
to the model with the e-mail address in it."""

from __future__ import annotations

from typing import Any

import pytest

from charter.guard import Charter
from tests.adversarial.helpers import sent_to_model

EMAIL = "jane.doe@example.com"
TEXT = f"Customer: {EMAIL}"


def _sent(charter: Charter, messages: list[Any]) -> Any:
    return sent_to_model(charter, messages, provider="openai")


def _bedrock(source: dict[str, Any], fmt: str = "txt") -> list[Any]:
    document = {"format": fmt, "name": "statement", "source": source}
    return [{"role": "user", "content": [{"text": "Summarize it."}, {"document": document}]}]


@pytest.mark.parametrize(
    "source",
    [{"bytes": TEXT.encode()}, {"text": TEXT}, {"content": [{"text": TEXT}]}],
    ids=["bytes", "text", "content"],
)
def test_a_bedrock_text_document_is_redacted(charter: Charter, source: dict[str, Any]) -> None:
    sent = _sent(charter, _bedrock(source))
    document = sent[0]["content"][1]["document"]
    assert EMAIL not in repr(document) and EMAIL.encode() not in repr(document).encode()
    assert document["name"] == "statement" and set(document["source"]) == set(source)
    if "bytes" in source:
        assert document["source"]["bytes"].decode().startswith("Customer: <EMAIL_ADDRESS")


def test_a_bedrock_pdf_is_not_read_as_text(charter: Charter) -> None:
    pdf = b"%PDF-1.7 " + TEXT.encode()
    sent = sent_to_model(charter, _bedrock({"bytes": pdf}, fmt="pdf"), provider="local")
    assert sent[0]["content"][1]["document"]["source"]["bytes"] == pdf  # as it came


def test_a_cohere_tool_document_is_redacted(charter: Charter) -> None:
    data = {"title": "CRM record", "snippet": TEXT}
    tool = {"role": "tool", "tool_call_id": "c1"}
    tool["content"] = [{"type": "document", "document": {"data": data}}]
    sent = _sent(charter, [{"role": "user", "content": "Who is it?"}, tool])
    out = sent[1]["content"][0]["document"]["data"]
    assert EMAIL not in out["snippet"] and out["title"] == "CRM record"


def test_an_earlier_refusal_part_is_redacted(charter: Charter) -> None:
    said = {"role": "assistant", "content": [{"type": "refusal", "refusal": f"Not {EMAIL}."}]}
    sent = _sent(charter, [said, {"role": "user", "content": "Why not?"}])
    assert EMAIL not in sent[0]["content"][0]["refusal"]


@pytest.mark.parametrize(
    "block",
    [
        {"text": 1},  # limits.py: len() of an int
        {"text": {}},  # Gemini-style part: the PII detector got a dict
        {"type": {}, "source": "u", "content": [{"type": "text", "text": "hi"}]},  # unhashable
    ],
    ids=["int-text", "dict-text", "dict-type"],
)
def test_a_broken_prompt_block_goes_out_unread_instead_of_crashing(
    charter: Charter, block: dict[str, Any]
) -> None:
    """Found by fuzzing prompts (stop 41): each raised `TypeError` from inside the guard.
    A block whose text or type is not a string is not read, as for answers, and the rest
    of the prompt still is."""
    messages = [{"role": "user", "content": [block, {"type": "text", "text": TEXT}]}]
    sent = _sent(charter, messages)
    assert sent[0]["content"][0] == block and EMAIL not in repr(sent)


def test_an_earlier_cited_bedrock_answer_is_redacted(charter: Charter) -> None:
    cited = {"content": [{"text": TEXT}], "citations": [{"title": "statement"}]}
    said = {"role": "assistant", "content": [{"citationsContent": cited}]}
    sent = _sent(charter, [said, {"role": "user", "content": [{"text": "And then?"}]}])
    out = sent[0]["content"][0]["citationsContent"]
    assert EMAIL not in repr(out) and out["citations"] == [{"title": "statement"}]
