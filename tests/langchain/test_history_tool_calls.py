"""A LangChain agent loop's history carries the calls the model proposed earlier, with the
values the output stage restored for the tools to run. The next turn must send the model
placeholders again, in every place LangChain keeps a call (`tool_calls`, the provider's
raw `additional_kwargs["tool_calls"]`, Anthropic `tool_use` content blocks), through
`guard_chat_model` and through a plain `@guard` over a list of messages.

On main at d78f23b neither path read a call's args (the integration's walker said so:
"never tool-call arguments"), so the restored e-mail address went to the model. These tests
fail there.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from charter.guard import Charter
from charter.langchain import guard_chat_model
from tests.langchain.conftest import EMAIL, RecordingChatModel
from tests.langchain.test_chat_model import _call

PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")


def _history() -> list[BaseMessage]:
    args = {"to": EMAIL, "copies": 2}
    earlier = AIMessage(
        content=[
            {"type": "text", "text": "Sending it."},
            {"type": "tool_use", "id": "t1", "name": "send", "input": args},
        ],
        tool_calls=[{"name": "send", "args": args, "id": "t1"}],
        additional_kwargs={
            "tool_calls": [
                {
                    "id": "t1",
                    "type": "function",
                    "function": {"name": "send", "arguments": json.dumps(args)},
                }
            ]
        },
    )
    return [
        HumanMessage(content=f"Email my statement to {EMAIL}"),
        earlier,
        ToolMessage(content="sent", tool_call_id="t1"),
    ]


def _assert_redacted_everywhere(sent: BaseMessage) -> None:
    assert isinstance(sent, AIMessage)
    assert EMAIL not in repr(sent)
    (call,) = sent.tool_calls
    assert PLACEHOLDER.fullmatch(call["args"]["to"]) and call["args"]["copies"] == 2
    raw = json.loads(sent.additional_kwargs["tool_calls"][0]["function"]["arguments"])
    assert raw == call["args"]
    block = next(b for b in sent.content if isinstance(b, dict) and b["type"] == "tool_use")
    assert block["input"] == call["args"]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
def test_guard_chat_model_sends_earlier_calls_redacted(charter: Charter, mode: str) -> None:
    model = RecordingChatModel(answer="It went out.")
    guarded = guard_chat_model(model, charter=charter, provider="openai", model_name="gpt-4o")
    history = _history()
    _call(guarded, mode, history)
    _assert_redacted_everywhere(model.calls[0][1])
    assert EMAIL in repr(history[1])  # the application's own history is left as it was


def test_a_plain_guard_over_messages_sends_earlier_calls_redacted(charter: Charter) -> None:
    sent: list[Any] = []

    @charter.guard(model="gpt-4o", provider="openai")
    def model(messages: list[BaseMessage]) -> AIMessage:
        sent.append(messages)
        return AIMessage(content="It went out.")

    assert model(_history()).content == "It went out."
    _assert_redacted_everywhere(sent[0][1])


def test_an_answers_own_calls_are_read_once(charter: Charter) -> None:
    """A lone message is an answer: its calls are the output stage's to read (and to
    restore), not the prompt walker's, so nothing is read or written twice."""
    model = RecordingChatModel(
        answer="Sending it.", tool_calls=[{"name": "send", "args": {"to": "x"}, "id": "t9"}]
    )
    guarded = guard_chat_model(model, charter=charter, provider="openai", model_name="gpt-4o")
    answer = guarded.invoke(f"Email my statement to {EMAIL}")
    prompt_text = model.calls[0][-1].content
    assert EMAIL not in prompt_text
    assert answer.tool_calls[0]["args"] == {"to": "x"}


def test_the_legacy_function_call_is_read_in_answers_streams_and_history(
    charter: Charter,
) -> None:
    """Found by probing at stop 53: OpenAI's legacy function call, which LangChain keeps
    only in `additional_kwargs["function_call"]`, was never read: a card number in its
    arguments reached the caller unmasked (invoke and stream), and an e-mail address in an
    earlier turn's call went to the model."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import FunctionMessage

    card = "4111 1111 1111 1111"
    arguments = json.dumps({"to": "x", "card": card})

    def answer() -> AIMessage:
        call = {"name": "send", "arguments": arguments}
        return AIMessage("ok", additional_kwargs={"function_call": call})

    def guarded(model: Any) -> Any:
        return guard_chat_model(model, charter=charter, provider="openai", model_name="gpt-4o")

    for way in ("invoke", "stream"):
        model = guarded(GenericFakeChatModel(messages=iter([answer()])))
        if way == "invoke":
            out = model.invoke("go")
        else:
            out = None
            for chunk in model.stream("go"):
                out = chunk if out is None else out + chunk
        sent = json.loads(out.additional_kwargs["function_call"]["arguments"])
        assert sent == {"to": "x", "card": "**** **** **** 1111"}, way

    recorder = RecordingChatModel()
    earlier = AIMessage(
        "",
        additional_kwargs={
            "function_call": {"name": "send", "arguments": json.dumps({"to": EMAIL})}
        },
    )
    guarded(recorder).invoke(
        [HumanMessage("hi"), earlier, FunctionMessage(name="send", content="sent"),
         HumanMessage("thanks")]
    )  # fmt: skip
    (messages,) = recorder.calls
    legacy = json.loads(messages[1].additional_kwargs["function_call"]["arguments"])
    assert PLACEHOLDER.fullmatch(legacy["to"]) and EMAIL not in repr(messages)


def test_invalid_tool_calls_are_read_in_answers_and_history(charter: Charter) -> None:
    """Found by probing: a call whose arguments LangChain could not parse sits in
    `invalid_tool_calls` (its `args` the raw string), which was never read: a card number
    in an answer's came back unmasked, and an e-mail address in an earlier turn's went to
    the model. Its args are read as text (they are not JSON) and written back as text."""
    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel

    card = "4111 1111 1111 1111"
    broken = json.dumps({"to": EMAIL, "card": card})[:-1]  # cut short: not JSON

    def invalid(args: str) -> dict[str, Any]:
        return {"type": "invalid_tool_call", "name": "send", "args": args, "id": "c1", "error": "x"}

    answer = AIMessage("Sending now.", invalid_tool_calls=[invalid(broken)])
    model = FakeMessagesListChatModel(responses=[answer])
    out = guard_chat_model(model, charter=charter, provider="openai").invoke("mail my statement")
    (call,) = out.invalid_tool_calls
    assert card not in call["args"] and call["args"].endswith('"card": "**** **** **** 1111"')
    assert call["name"] == "send" and call["error"] == "x"

    recorder = RecordingChatModel()
    earlier = AIMessage("", invalid_tool_calls=[invalid(broken)])
    guard_chat_model(recorder, charter=charter, provider="openai").invoke(
        [HumanMessage("Mail my statement"), earlier, HumanMessage("did it work?")]
    )
    (sent,) = recorder.calls[0][1].invalid_tool_calls
    assert EMAIL not in sent["args"] and PLACEHOLDER.search(sent["args"])


def test_a_misspelt_on_deny_is_refused_by_the_langchain_wrappers_too(charter: Charter) -> None:
    """The twin of stop 53's `guard(on_deny="rasie")`: `guard_runnable` compared its own
    `on_deny` with "raise", so a misspelt value silently meant "refuse" (the chat model
    and tool wrappers are pydantic models, which refuse it by their field's type)."""
    from langchain_core.runnables import RunnableLambda

    from charter.errors import ConfigurationError
    from charter.langchain import guard_runnable

    echo = RunnableLambda(lambda text: text)
    with pytest.raises(ConfigurationError, match="must be 'raise' or 'refuse'"):
        guard_runnable(echo, charter=charter, on_deny="rasie")  # type: ignore[arg-type]

    assert guard_runnable(echo, charter=charter, on_deny="refuse").invoke("hi") == "hi"
