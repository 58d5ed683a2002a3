"""Revise through guard_chat_model on the shipped policies: the chat model is asked again
with its draft as an AI message and the request as a human message, in every call style;
a stream drops the draft's held tool calls with the draft."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

import charter
from charter.guard import Charter
from tests.langchain.conftest import RecordingChatModel
from tests.langchain.test_chat_model import MODES, _call, _safe

DRAFT = "I guarantee your loan will be approved. " + "It is a good loan for you. " * 6
FIXED = "Approval depends on the credit check, which takes two business days."


def _answer(prompt: str) -> str:
    return FIXED if "must be revised" in prompt else DRAFT


@pytest.mark.parametrize("mode", MODES)
def test_a_chat_model_revises_its_draft(charter_: Charter, mode: str) -> None:
    model = RecordingChatModel(answer=_answer)
    prompt = [SystemMessage(content="Be brief."), HumanMessage(content="Will I get the loan?")]
    with charter.reports() as reports:
        result = _call(_safe(charter_, model), mode, prompt)
    assert result.content == FIXED
    assert len(model.calls) == 2 and reports[0].calls == 2
    revision = model.calls[1]
    assert [type(m) for m in revision] == [SystemMessage, HumanMessage, AIMessage, HumanMessage]
    draft = str(revision[2].content)
    # a stream sends back what it had seen when the window asked for the revision
    assert draft == DRAFT if "stream" not in mode else DRAFT.startswith(draft)
    assert draft.startswith("I guarantee your loan will be approved.")
    assert "no promise of an outcome nobody can guarantee" in str(revision[3].content)


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_revised_stream_keeps_only_the_revisions_tool_calls(charter_: Charter, mode: str) -> None:
    call = {"name": "find_branch", "args": {"city": "Izmir"}, "id": "c1"}
    model = RecordingChatModel(answer=_answer, tool_calls=[call], tool_calls_first=True)
    result = _call(_safe(charter_, model), mode, "Will I get the loan?")
    assert result.content == FIXED
    assert "guarantee" not in result.content
    assert [c["id"] for c in result.tool_calls] == ["c1"]  # once: the draft's went with it


def test_a_plain_string_input_is_continued_as_a_conversation(charter_: Charter) -> None:
    model = RecordingChatModel(answer=_answer)
    assert _safe(charter_, model).invoke("Will I get the loan?").content == FIXED
    revision = model.calls[1]
    assert [type(m) for m in revision] == [HumanMessage, AIMessage, HumanMessage]
    assert revision[0].content == "Will I get the loan?"


@pytest.fixture
def charter_(charter: Charter) -> Charter:
    return charter
