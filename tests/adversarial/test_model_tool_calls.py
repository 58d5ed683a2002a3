"""The tool calls a model proposes in its answer go through the output checks.

An agent runs what the model proposes. Each test fails on the previous code, which read
only the answer's text:
- main: a card number in `send_email`'s arguments came back as the model wrote it;
- main: instructions refused in a text answer passed as a tool call's argument;
- main: a refused OpenAI-shaped answer kept its `tool_calls` (and finish_reason
  "tool_calls"), so an agent loop still ran them;
- main: a placeholder the model copied from the redacted prompt into an argument stayed a
  placeholder, and the agent emailed `<EMAIL_ADDRESS_1>`;
- main: LangChain kept the raw arguments in `additional_kwargs` beside the checked ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from charter.config import DEFAULT_POLICIES
from charter.errors import LimitExceeded, PolicyViolation
from charter.guard import Charter
from charter.testing import make_charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def _completion(arguments: dict[str, Any], content: str | None = None) -> dict[str, Any]:
    call = {"id": "t1", "type": "function", "function": {"name": "send_email"}}
    call["function"]["arguments"] = json.dumps(arguments)
    message = {"role": "assistant", "content": content, "tool_calls": [call]}
    return {"choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}]}


def _arguments(answer: dict[str, Any]) -> dict[str, Any]:
    call = answer["choices"][0]["message"]["tool_calls"][0]
    return dict(json.loads(call["function"]["arguments"]))


def test_a_card_number_in_a_tool_call_is_masked_like_one_in_the_text(charter: Charter) -> None:
    wrote = {"to": "billing", "body": f"card {CARD} expires soon", "copies": 2}
    answer = charter.guard(model="m")(lambda prompt: _completion(wrote))("remind billing")
    arguments = _arguments(answer)
    assert CARD not in arguments["body"] and arguments["body"].endswith("1111 expires soon")
    assert (arguments["to"], arguments["copies"]) == ("billing", 2)  # the rest as written
    assert answer["choices"][0]["message"]["content"] is None  # the text was not touched


def test_harmful_instructions_in_a_tool_call_are_refused(charter: Charter) -> None:
    guarded = charter.guard(model="m")(lambda prompt: _completion({"body": HARMFUL}))
    with pytest.raises(PolicyViolation) as denied:
        guarded("remind billing")
    assert denied.value.decision.stage.value == "output"


def test_a_refused_answer_carries_no_tool_calls(charter: Charter) -> None:
    refuse = charter.guard(model="m", on_deny="refuse")
    dict_answer = refuse(lambda prompt: _completion({"cmd": "rm"}, HARMFUL))("hi")
    choice = dict_answer["choices"][0]
    assert "tool_calls" not in choice["message"] and choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"].startswith("I can't help with that")

    def sdk_object(prompt: str) -> Any:  # the OpenAI SDK's objects: attributes, mutable
        call = SimpleNamespace(
            id="t1", type="function", function=SimpleNamespace(name="run", arguments="{}")
        )
        message = SimpleNamespace(role="assistant", content=HARMFUL, tool_calls=[call])
        return SimpleNamespace(
            choices=[SimpleNamespace(index=0, finish_reason="tool_calls", message=message)]
        )

    refused = refuse(sdk_object)("hi")
    assert refused.choices[0].message.tool_calls is None
    assert refused.choices[0].finish_reason == "content_filter"


def test_a_placeholder_in_a_tool_call_is_restored_for_its_principal(charter: Charter) -> None:
    sent: list[str] = []

    def model(prompt: str) -> dict[str, Any]:
        sent.append(prompt)
        return _completion({"to": prompt.split()[-1]})  # the model copies what it was given

    answer = charter.guard(model="m")(model)("email the summary to jane.doe@example.com")
    assert "jane.doe@example.com" not in sent[0]  # the model saw a placeholder
    assert _arguments(answer) == {"to": "jane.doe@example.com"}


def test_an_answer_with_clean_tool_calls_comes_back_as_it_was(charter: Charter) -> None:
    raw = '{"city":  "Ankara", "days": 3}'  # odd spacing: not re-serialised when unchanged
    completion = _completion({})
    completion["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = raw
    answer = charter.guard(model="m")(lambda prompt: completion)("weather?")
    assert answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == raw


def test_langchain_tool_calls_are_checked_in_every_copy_of_the_arguments(
    charter: Charter,
) -> None:
    args = {"body": f"card {CARD}"}
    message = AIMessage(
        content="",
        tool_calls=[{"name": "send_email", "args": args, "id": "c1"}],
        additional_kwargs={
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "send_email", "arguments": json.dumps(args)},
                }
            ]
        },
    )
    answer = charter.guard(model="m")(lambda prompt: message)("remind billing")
    assert CARD not in answer.tool_calls[0]["args"]["body"]
    raw = answer.additional_kwargs["tool_calls"][0]["function"]["arguments"]
    assert CARD not in raw and json.loads(raw) == answer.tool_calls[0]["args"]
    assert message.tool_calls[0]["args"]["body"] == f"card {CARD}"  # the model's own, a copy


def test_the_size_limit_counts_an_arguments_text_once(tmp_path: Path) -> None:
    """main (at 1037f34): the argument strings were counted as texts and again inside the
    arguments, so a 600-character body under a 1,000-character limit was over it."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", max_text_chars=1000)
    body = "Thanks for the update, see you at the branch. " * 13  # ~600 characters
    answer = charter.guard(model="m")(lambda prompt: _completion({"body": body}))("reply")
    assert _arguments(answer) == {"body": body}
    with pytest.raises(LimitExceeded):  # and what is really over still is
        charter.guard(model="m")(lambda prompt: _completion({"body": body * 2}))("reply")
    charter.close()


def test_the_langchain_integration_checks_the_calls_of_its_wrapped_answer(
    charter: Charter,
) -> None:
    """main (at 51f9ce3): `guard_chat_model` hands the guard its own wrapper around the
    model's message (`GuardOutput`), whose tool calls were not read: the card number went
    to the agent as the model wrote it, and harmful arguments passed."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from charter.langchain import guard_chat_model

    def model(*messages: AIMessage) -> Any:
        return guard_chat_model(
            GenericFakeChatModel(messages=iter(messages)), charter=charter, provider="openai"
        )

    call = {"name": "send_email", "args": {"body": f"card {CARD}"}, "id": "c1"}
    answer = model(AIMessage(content="", tool_calls=[call])).invoke("remind billing")
    assert CARD not in answer.tool_calls[0]["args"]["body"]
    assert answer.tool_calls[0]["args"]["body"].endswith("1111")

    harmful = {"name": "send_email", "args": {"body": HARMFUL}, "id": "c2"}
    with pytest.raises(PolicyViolation) as denied:
        model(AIMessage(content="", tool_calls=[harmful])).invoke("remind billing")
    assert denied.value.decision.stage.value == "output"


@pytest.mark.parametrize("depth", [40, 70])
def test_arguments_nested_past_the_depth_limit_are_refused_like_tool_data(
    charter: Charter, depth: int
) -> None:
    """main (at 51f9ce3): arguments deeper than 64 levels became one text and passed, while
    those between `max_json_depth` (32) and 64 were refused: the deeper payload got through."""
    nested: Any = "x"
    for _ in range(depth):
        nested = [nested]
    with pytest.raises(LimitExceeded) as raised:
        charter.guard(model="m")(lambda prompt: _completion({"deep": nested}))("remind billing")
    assert raised.value.setting == "max_json_depth"


def test_the_legacy_function_call_is_checked_like_tool_calls(charter: Charter) -> None:
    """main (at 5319ea9): OpenAI's legacy `message.function_call` (older models and SDKs)
    was removed from a refusal but its arguments were never read: a card number passed."""

    def legacy(arguments: dict[str, Any], content: str | None = None) -> dict[str, Any]:
        call = {"name": "send_email", "arguments": json.dumps(arguments)}
        message = {"role": "assistant", "content": content, "function_call": call}
        return {"choices": [{"index": 0, "finish_reason": "function_call", "message": message}]}

    answer = charter.guard(model="m")(lambda p: legacy({"body": f"card {CARD}"}))("remind")
    body = json.loads(answer["choices"][0]["message"]["function_call"]["arguments"])["body"]
    assert CARD not in body and body.endswith("1111")

    refuse = charter.guard(model="m", on_deny="refuse")
    refused = refuse(lambda p: legacy({"body": HARMFUL}))("remind billing")["choices"][0]
    assert "function_call" not in refused["message"]
    assert refused["finish_reason"] == "content_filter"
