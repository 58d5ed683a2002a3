"""An attachment the guard cannot read is told to the policy, and the starter bundle does not
send an unread file to an external provider (stop 43).

Before, a PDF statement or a photographed ID went to the model as it came, and the policy
never knew it was there. Now the input stage's policy input lists each attachment's kind,
media type and whether it was read (`input.attachments`), never its name or bytes; the
starter's `privacy.unread_attachment` refuses unread files (`config.unread_attachments_
denied`), and images pass. These tests fail at ff4a76f (no `attachments`, no rule).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.langchain import guard_chat_model
from tests.adversarial.helpers import recorded, sent_to_model
from tests.langchain.conftest import RecordingChatModel

PDF_B64 = base64.b64encode(b"%PDF-1.7 statement of jane.doe@example.com").decode()
NAME = "statement-jane-doe.pdf"
ASK = {"type": "text", "text": "Summarize my statement."}

UNREAD_FILES = {
    "openai-file": [
        {
            "role": "user",
            "content": [
                ASK,
                {
                    "type": "file",
                    "file": {
                        "filename": NAME,
                        "file_data": f"data:application/pdf;base64,{PDF_B64}",
                    },
                },
            ],
        }
    ],
    "responses-file_id": [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Read it."},
                {"type": "input_file", "file_id": "file-123"},
            ],
        }
    ],
    "anthropic-pdf": [
        {
            "role": "user",
            "content": [
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": PDF_B64},
                },
                ASK,
            ],
        }
    ],
    "gemini-file_data": [
        {
            "role": "user",
            "parts": [
                {"text": "Read it."},
                {"file_data": {"mime_type": "application/pdf", "file_uri": f"gs://bank/{NAME}"}},
            ],
        }
    ],
    "bedrock-pdf": [
        {
            "role": "user",
            "content": [
                {"text": "Read it."},
                {"document": {"format": "pdf", "name": NAME, "source": {"bytes": b"%PDF-1.7"}}},
            ],
        }
    ],
    "langchain-file": [
        HumanMessage(
            content=[ASK, {"type": "file", "base64": PDF_B64, "mime_type": "application/pdf"}]
        )
    ],
    "in-a-tool-result": [
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": [
                        {
                            "type": "document",
                            "source": {
                                "type": "base64",
                                "media_type": "application/pdf",
                                "data": PDF_B64,
                            },
                        }
                    ],
                }
            ],
        }
    ],
}


def _inputs(charter: Charter) -> list[dict[str, Any]]:
    """Every policy input the engine evaluates from now on."""
    seen: list[dict[str, Any]] = []
    engine: Any = charter.engine
    evaluate = engine.evaluate

    def spy(doc: dict[str, Any]) -> Any:
        seen.append(doc)
        return evaluate(doc)

    engine.evaluate = spy
    return seen


@pytest.mark.parametrize("shape", list(UNREAD_FILES))
def test_an_unread_file_is_not_sent_to_an_external_provider(charter: Charter, shape: str) -> None:
    ran: list[Any] = []

    @charter.guard(model="m", provider="openai")
    def model(messages: Any) -> str:
        ran.append(messages)
        return "Done."

    with pytest.raises(PolicyViolation, match=r"privacy\.unread_attachment") as denied:
        model(UNREAD_FILES[shape])
    assert ran == [] and "cannot check attached files" in str(denied.value)
    assert sent_to_model(charter, UNREAD_FILES[shape], provider="local") is not None


def test_the_policy_is_told_kinds_and_media_types_never_names_or_bytes(charter: Charter) -> None:
    seen = _inputs(charter)
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    text_file = {
        "inline_data": {"mime_type": "text/plain", "data": base64.b64encode(b"hi").decode()}
    }
    audio = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    prompt = [{"role": "user", "content": [ASK, image, text_file, audio]}]
    assert sent_to_model(charter, prompt, provider="openai")[0]["content"][1] is image
    assert seen[0]["attachments"] == [
        {"kind": "image", "media_type": "image/png", "read": False},
        {"kind": "file", "media_type": "text/plain", "read": True},
        {"kind": "audio", "media_type": "", "read": False},
    ]
    assert "attachments" not in seen[1]  # the output stage: the answer attaches nothing
    with pytest.raises(PolicyViolation):
        sent_to_model(charter, UNREAD_FILES["gemini-file_data"], provider="openai")
    assert seen[2]["attachments"] == [
        {"kind": "file", "media_type": "application/pdf", "read": False}
    ]
    stored = repr(recorded(charter))
    assert NAME not in stored and PDF_B64 not in stored and "gs://" not in stored


def test_a_prompt_without_attachments_has_none_in_its_input(charter: Charter) -> None:
    seen = _inputs(charter)
    sent_to_model(charter, [{"role": "user", "content": [ASK]}], provider="openai")
    sent_to_model(charter, "Summarize my statement.", provider="openai")
    assert all("attachments" not in doc for doc in seen) and len(seen) == 4


def test_a_hostile_prompt_cannot_grow_the_policy_input(charter: Charter) -> None:
    seen = _inputs(charter)
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    sent_to_model(charter, [{"role": "user", "content": [ASK, *[image] * 5000]}], provider="openai")
    assert len(seen[0]["attachments"]) == 64


def test_the_langchain_integration_tells_the_policy_too(charter: Charter) -> None:
    model = RecordingChatModel(answer="Done.")
    safe = guard_chat_model(model, charter=charter, provider="openai", on_deny="raise")
    with pytest.raises(PolicyViolation, match=r"privacy\.unread_attachment"):
        safe.invoke(UNREAD_FILES["langchain-file"])
    image = {"type": "image", "url": "https://example.com/a.png"}
    assert safe.invoke([HumanMessage(content=[ASK, image])]).content == "Done."
    assert len(model.calls) == 1


def test_an_anthropic_document_holding_text_is_read_and_passes(charter: Charter) -> None:
    """Over-reach: its text is read (and redacted) like the user's words, so it is no
    unread file (`make mutate` found this untested)."""
    seen = _inputs(charter)
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "Opening hours: 9-17."},
    }
    sent = sent_to_model(charter, [{"role": "user", "content": [document, ASK]}], provider="openai")
    assert sent[0]["content"][0] is document
    assert seen[0]["attachments"] == [{"kind": "file", "media_type": "text/plain", "read": True}]


def test_a_bedrock_text_document_the_guard_cannot_decode_is_unread(charter: Charter) -> None:
    """Found in stop 43's review: a `txt` document whose bytes are not UTF-8 is not read
    (`prompt_items` decodes it strictly), but was told to the policy as read, so its bytes
    went to an external provider unchecked."""
    seen = _inputs(charter)
    document = {"format": "txt", "name": "x", "source": {"bytes": b"\xff\xfe" + NAME.encode()}}
    prompt = [{"role": "user", "content": [{"text": "Read it."}, {"document": document}]}]
    with pytest.raises(PolicyViolation, match=r"privacy\.unread_attachment"):
        sent_to_model(charter, prompt, provider="openai")
    assert seen[0]["attachments"] == [{"kind": "file", "media_type": "txt", "read": False}]
