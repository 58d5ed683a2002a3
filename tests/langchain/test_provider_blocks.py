"""Provider-native content blocks inside a LangChain message are read as a plain guarded
function reads them (found by probing).

langchain-anthropic sends an Anthropic `document`, `search_result` or `tool_result` block
in a message's content to the API as it is, and LangChain's `non_standard` block hands its
`value` to the provider. The LangChain integration read only text parts and inline files:
an e-mail address in any of them reached the model, and a forbidden question in a document
was not denied, while the same blocks through a plain `@guard` (Anthropic's message dicts)
were read. A text part's `extras` went unread too. A block of a type the guard does not
know is now told to the policy as an unread file (fail closed), on both paths.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.langchain import guard_chat_model
from tests.adversarial.helpers import sent_to_model
from tests.langchain.conftest import EMAIL, FORBIDDEN, RecordingChatModel

ASK = {"type": "text", "text": "Please look at this."}


def _blocks(text: str) -> dict[str, dict[str, Any]]:
    return {
        "document": {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": text},
            "title": "notes",
        },
        "document-content": {
            "type": "document",
            "source": {"type": "content", "content": [{"type": "text", "text": text}]},
        },
        "search_result": {
            "type": "search_result",
            "source": "kb://1",
            "title": "kb",
            "content": [{"type": "text", "text": text}],
        },
        "tool_result": {"type": "tool_result", "tool_use_id": "toolu_1", "content": text},
        "non_standard": {"type": "non_standard", "value": {"type": "text", "text": text}},
        "extras": {"type": "text", "text": "see the note", "extras": {"note": text}},
    }


def _guarded(charter: Charter, model: RecordingChatModel) -> Any:
    return guard_chat_model(model, charter=charter, provider="anthropic", model_name="claude")


@pytest.mark.parametrize("shape", list(_blocks("")))
def test_pii_in_a_provider_block_is_redacted_before_the_model(charter: Charter, shape: str) -> None:
    block = _blocks(f"Customer mail: {EMAIL}")[shape]
    model = RecordingChatModel(answer="ok")
    _guarded(charter, model).invoke([HumanMessage(content=[block, ASK])])
    (sent,) = model.calls[0]
    assert EMAIL not in repr(sent) and "<EMAIL_ADDRESS_1>" in repr(sent)
    assert [b["type"] for b in sent.content] == [block["type"], "text"]  # the blocks stay
    sent_plain = sent_to_model(charter, [HumanMessage(content=[block, ASK])], provider="anthropic")
    assert EMAIL not in repr(sent_plain) and "<EMAIL_ADDRESS_1>" in repr(sent_plain)


@pytest.mark.parametrize("shape", ["document", "document-content", "non_standard", "extras"])
def test_a_forbidden_question_in_the_users_block_is_denied(charter: Charter, shape: str) -> None:
    model = RecordingChatModel(answer="ok")
    prompt = [HumanMessage(content=[_blocks(FORBIDDEN)[shape], ASK])]
    with pytest.raises(PolicyViolation):
        _guarded(charter, model).invoke(prompt)
    assert model.calls == []
    with pytest.raises(PolicyViolation):
        sent_to_model(charter, prompt, provider="anthropic")


def test_a_tool_result_block_is_read_as_the_tools_like_a_plain_anthropic_message(
    charter: Charter,
) -> None:
    """Not scored as the user's words (a tool's output is judged at `tool_result`), as the
    plain guard reads the same block in an Anthropic message dict."""
    block = _blocks(FORBIDDEN)["tool_result"]
    model = RecordingChatModel(answer="ok")
    assert _guarded(charter, model).invoke([HumanMessage(content=[block, ASK])]).content == "ok"
    assert sent_to_model(charter, [{"role": "user", "content": [block, ASK]}], "anthropic")


def test_the_models_own_extras_are_not_rewritten(charter: Charter) -> None:
    """A text part's extras in the model's own turn carry what the provider checks (a
    thought signature): sent back as they were."""
    extras = {"signature": f"sig {EMAIL}"}
    earlier = AIMessage(content=[{"type": "text", "text": "Noted.", "extras": extras}])
    model = RecordingChatModel(answer="ok")
    _guarded(charter, model).invoke([HumanMessage("hi"), earlier, HumanMessage("thanks")])
    assert model.calls[0][1].content[0]["extras"] == extras


UNKNOWN = {"type": "container_upload", "file_id": "file_011"}


def test_a_block_the_guard_cannot_read_is_an_unread_file(charter: Charter) -> None:
    model = RecordingChatModel(answer="ok")
    with pytest.raises(PolicyViolation, match=r"privacy\.unread_attachment"):
        _guarded(charter, model).invoke([HumanMessage(content=[ASK, UNKNOWN])])
    assert model.calls == []
    plain = [{"role": "user", "content": [ASK, UNKNOWN]}]
    with pytest.raises(PolicyViolation, match=r"privacy\.unread_attachment"):
        sent_to_model(charter, plain, provider="anthropic")
    assert sent_to_model(charter, plain, provider="local")  # an internal model gets it
    wrapped = {"type": "non_standard", "value": UNKNOWN}
    with pytest.raises(PolicyViolation, match=r"privacy\.unread_attachment"):
        _guarded(charter, model).invoke([HumanMessage(content=[ASK, wrapped])])


def test_the_models_own_unknown_blocks_pass(charter: Charter) -> None:
    """A server tool's result in the model's earlier turn came from the provider: sent
    back, it is nothing the guard should refuse."""
    earlier = AIMessage(content=[{"type": "web_search_tool_result", "content": []}, "Found it."])
    model = RecordingChatModel(answer="ok")
    prompt = [HumanMessage("search"), earlier, HumanMessage("thanks")]
    assert _guarded(charter, model).invoke(prompt).content == "ok"


def _tool_blocks(text: str) -> dict[str, dict[str, Any]]:
    """LangChain's tool-message blocks (`langchain_core.tools.base.TOOL_MESSAGE_BLOCK_TYPES`
    and a server tool's result)."""
    return {
        "json": {"type": "json", "json": {"customer": {"email": text, "orders": [1, 2]}}},
        "custom_tool_call_output": {"type": "custom_tool_call_output", "output": text},
        "custom_tool_call_output-blocks": {
            "type": "custom_tool_call_output",
            "output": [{"type": "input_text", "text": text}],
        },
        "server_tool_result": {
            "type": "server_tool_result",
            "tool_call_id": "s1",
            "status": "success",
            "output": text,
        },
    }


def _agent_turns(block: dict[str, Any]) -> list[Any]:
    call = AIMessage(content="", tool_calls=[{"name": "lookup", "args": {}, "id": "c1"}])
    return [HumanMessage("Who ordered?"), call, ToolMessage(content=[block], tool_call_id="c1")]


@pytest.mark.parametrize("shape", list(_tool_blocks("")))
def test_a_tool_messages_langchain_blocks_are_read_and_redacted(
    charter: Charter, shape: str
) -> None:
    """Review found them refused for an external provider as unread files since unknown
    blocks fail closed: every agent whose tool returned `json` blocks was denied."""
    block = _tool_blocks(f"ayse: {EMAIL}")[shape]
    model = RecordingChatModel(answer="ok")
    answer = guard_chat_model(model, charter=charter, provider="openai", model_name="gpt-4o")
    assert answer.invoke(_agent_turns(block)).content == "ok"
    sent = model.calls[0][2].content[0]
    assert EMAIL not in repr(sent) and "<EMAIL_ADDRESS_1>" in repr(sent)
    assert sent["type"] == block["type"]
    if shape == "json":  # still a JSON value, only its string redacted
        assert sent["json"] == {"customer": {"email": "ayse: <EMAIL_ADDRESS_1>", "orders": [1, 2]}}
    plain = sent_to_model(charter, _agent_turns(block), provider="openai")
    assert EMAIL not in repr(plain) and "<EMAIL_ADDRESS_1>" in repr(plain)


def test_an_unknown_block_inside_a_tool_output_is_still_an_unread_file(charter: Charter) -> None:
    block = {"type": "custom_tool_call_output", "output": [UNKNOWN]}
    model = RecordingChatModel(answer="ok")
    guarded = guard_chat_model(model, charter=charter, provider="openai", model_name="gpt-4o")
    with pytest.raises(PolicyViolation, match=r"privacy\.unread_attachment"):
        guarded.invoke(_agent_turns(block))
    assert model.calls == []
