"""A text file handed over inline reaches the model redacted (found by probing, stop 43).

OpenAI's `file` part, the Responses API's `input_file`, Gemini's `inline_data`, a base64
Anthropic `document` and LangChain's `file` block carry an upload encoded (a data URL,
base64, or bytes). The guard read none of them: a ticket export's e-mail address went to
the model as it came, and what the file asked was never checked. Each test but the ones
that guard against over-reach fails at ff4a76f.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.langchain import guard_chat_model
from tests.adversarial.helpers import sent_to_model
from tests.langchain.conftest import RecordingChatModel

EMAIL = "jane.doe@example.com"
TEXT = f"Customer: {EMAIL}, ticket 7"
RAW = TEXT.encode()
B64 = base64.b64encode(RAW).decode()
ASK = {"type": "text", "text": "Summarize the file."}


def _user(*parts: Any) -> list[Any]:
    return [{"role": "user", "content": [ASK, *parts]}]


SHAPES = {
    "openai-file": (
        {
            "type": "file",
            "file": {"filename": "t.txt", "file_data": f"data:text/plain;base64,{B64}"},
        },
        lambda part: part["file"]["file_data"],
    ),
    "responses-input_file": (
        {"type": "input_file", "filename": "t.csv", "file_data": f"data:text/csv;base64,{B64}"},
        lambda part: part["file_data"],
    ),
    "gemini-inline_data": (
        {"inline_data": {"mime_type": "text/plain", "data": B64}},
        lambda part: part["inline_data"]["data"],
    ),
    "gemini-inlineData-bytes": (
        {"inlineData": {"mimeType": "application/json", "data": RAW}},
        lambda part: part["inlineData"]["data"],
    ),
    "anthropic-base64-document": (
        {"type": "document", "source": {"type": "base64", "media_type": "text/plain", "data": B64}},
        lambda part: part["source"]["data"],
    ),
    "octet-stream-named-txt": (
        {"type": "input_file", "filename": "notes.TXT", "file_data": f"data:;base64,{B64}"},
        lambda part: part["file_data"],
    ),
}


def _decoded(payload: str | bytes) -> str:
    if isinstance(payload, bytes):
        return payload.decode()
    return base64.b64decode(payload.rpartition(",")[2]).decode()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_an_inline_text_file_is_redacted_and_sent_encoded_as_it_came(
    charter: Charter, shape: str
) -> None:
    part, payload_of = SHAPES[shape]
    sent = sent_to_model(charter, _user(part), provider="openai")
    out = sent[0]["content"][1]
    payload = payload_of(out)
    assert type(payload) is type(payload_of(part))
    if isinstance(payload, str) and payload.startswith("data:"):
        assert payload.partition(",")[0] == payload_of(part).partition(",")[0]
    text = _decoded(payload)
    assert EMAIL not in text and text.startswith("Customer: <EMAIL_ADDRESS_1>")
    assert text.endswith(", ticket 7")
    assert set(out) == set(part) and out.get("filename") == part.get("filename")


@pytest.mark.parametrize(
    "part",
    [
        {
            "type": "input_file",
            "filename": "s.pdf",
            "file_data": f"data:application/pdf;base64,{B64}",
        },
        {"inline_data": {"mime_type": "image/png", "data": B64}},
        {"type": "input_file", "file_data": f"data:;base64,{B64}"},  # no type, no name
        {
            "inline_data": {
                "mime_type": "text/plain",
                "data": base64.b64encode(b"\xff\xfe" + RAW).decode(),
            }
        },
        {"inline_data": {"mime_type": "text/plain", "data": "not base64!"}},
        {"type": "input_file", "file_data": "data:text/plain,Customer%3A%20jane"},  # not base64
    ],
    ids=["pdf", "image", "untyped-unnamed", "not-utf8", "not-base64", "url-encoded"],
)
def test_what_is_not_a_decodable_text_file_goes_out_as_it_came(
    charter: Charter, part: dict[str, Any]
) -> None:
    """Over-reach: a PDF or an image cannot be read as text, and bytes that are not a text
    file's are not rewritten (one decoded wrongly would reach the model corrupted). To a
    local model they go as they came; an external provider is sent no unread file at all
    (`test_unread_attachments.py`)."""
    assert sent_to_model(charter, _user(part), provider="local")[0]["content"][1] is part


def test_a_text_file_without_personal_data_is_passed_as_the_same_object(
    charter: Charter,
) -> None:
    part = {"type": "input_file", "filename": "faq.txt", "file_data": "data:text/plain;base64,"}
    part["file_data"] += base64.b64encode(b"Opening hours: nine to five.").decode()
    assert sent_to_model(charter, _user(part), provider="openai")[0]["content"][1] is part


def test_what_a_text_file_asks_is_read_as_the_users_words(charter: Charter) -> None:
    """A request the policy refuses in the user's words is refused when it comes as a file
    (the starter bundle's scope rule reads only the user's own words)."""
    asked = base64.b64encode(b"Which stock should I buy with my savings?").decode()
    part = {"inline_data": {"mime_type": "text/markdown", "data": asked}}
    with pytest.raises(PolicyViolation, match=r"topics\.forbidden"):
        sent_to_model(charter, [{"role": "user", "parts": [{"text": "Read this."}, part]}])


@pytest.mark.parametrize(
    "block",
    [
        {"type": "file", "base64": B64, "mime_type": "text/plain"},
        {"type": "file", "source_type": "base64", "data": B64, "mime_type": "text/plain"},
    ],
    ids=["v1", "v0.3"],
)
def test_a_langchain_file_block_is_redacted_by_both_ways_of_guarding(
    charter: Charter, block: dict[str, Any]
) -> None:
    prompt = [HumanMessage(content=[ASK, block])]
    plain = sent_to_model(charter, prompt, provider="openai")[0].content[1]
    model = RecordingChatModel(answer="Done.")
    guard_chat_model(model, charter=charter, provider="openai").invoke(prompt)
    chat = model.calls[0][0].content[1]
    for out in (plain, chat):
        payload = out.get("base64") or out.get("data")
        assert _decoded(payload).startswith("Customer: <EMAIL_ADDRESS_1>")
        assert out["type"] == "file" and out["mime_type"] == "text/plain"
