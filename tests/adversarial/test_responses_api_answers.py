"""An OpenAI Responses API answer (`client.responses.create`) keeps its shape through the
guard, and its `function_call` items are checked like any proposed call.

On main at b3fcb55 no adapter knew it: a dict answer was read as its repr and came back
as a plain string when masked (its `function_call` items gone), an SDK `Response` was
read as its repr too, and the calls' `arguments` were never checked, nor dropped from a
refusal. These tests fail there.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from charter.errors import PolicyViolation
from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


class OutputText(BaseModel):  # the SDK's shapes (openai.types.responses), trimmed
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Any] = []


class OutputMessage(BaseModel):
    type: Literal["message"] = "message"
    id: str = "msg_1"
    role: Literal["assistant"] = "assistant"
    status: str = "completed"
    content: list[Any]


class FunctionCall(BaseModel):
    type: Literal["function_call"] = "function_call"
    call_id: str = "call_1"
    name: str
    arguments: str


class Response(BaseModel):
    id: str = "resp_1"
    object: Literal["response"] = "response"
    model: str = "gpt-x"
    status: str = "completed"
    output: list[Any]

    @property
    def output_text(self) -> str:  # as the SDK computes it
        return "".join(p.text for i in self.output if i.type == "message" for p in i.content)


def _answer(*texts: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    output: list[dict[str, Any]] = [{"type": "reasoning", "id": "rs_1", "summary": []}]
    for n, text in enumerate(texts):
        part = {"type": "output_text", "text": text, "annotations": []}
        output.append({"type": "message", "id": f"msg_{n}", "role": "assistant", "content": [part]})
    if arguments is not None:
        call = {"call_id": "call_1", "name": "send_email", "arguments": json.dumps(arguments)}
        output.append({"type": "function_call", **call})
    return {"id": "resp_1", "object": "response", "model": "gpt-x", "output": output}


def _guarded(charter: Charter, answer: Any, **kw: Any) -> Any:
    return charter.guard(model="gpt-x", provider="openai", **kw)(lambda p: answer)("my card?")


def test_a_dict_answer_keeps_its_items_and_has_its_card_masked(charter: Charter) -> None:
    answer = _answer(f"Your card {CARD} is blocked.", arguments={"to": "billing"})
    out = _guarded(charter, answer)
    assert isinstance(out, dict) and [i["type"] for i in out["output"]] == [
        "reasoning",
        "message",
        "function_call",
    ]
    text = out["output"][1]["content"][0]["text"]
    assert CARD not in text and text.endswith("1111 is blocked.")
    assert out["output"][2] == answer["output"][2]  # the clean call, as it was
    assert CARD in answer["output"][1]["content"][0]["text"]  # the model's own: a copy changed


def test_texts_of_several_messages_are_read_as_one_and_cut_back_where_they_were(
    charter: Charter,
) -> None:
    out = _guarded(charter, _answer("Your card 4111 1111 ", "1111 1111 is blocked."))
    texts = [p["text"] for i in out["output"] if i["type"] == "message" for p in i["content"]]
    whole = _guarded(charter, _answer(f"Your card {CARD} is blocked."))["output"][1]
    assert "".join(texts) == whole["content"][0]["text"]  # masked as if written as one
    assert CARD not in "".join(texts) and len(texts) == 2  # and each message kept
    assert texts[0].startswith("Your card ") and texts[1].endswith(" is blocked.")


def test_a_card_in_function_call_arguments_is_masked(charter: Charter) -> None:
    out = _guarded(charter, _answer("Sending it.", arguments={"body": f"card {CARD}", "n": 2}))
    arguments = json.loads(out["output"][-1]["arguments"])
    assert CARD not in arguments["body"] and arguments["body"].endswith("1111")
    assert arguments["n"] == 2


def test_harmful_arguments_refuse_the_answer_and_drop_the_call(charter: Charter) -> None:
    answer = _answer("Sending it.", arguments={"body": HARMFUL})
    with pytest.raises(PolicyViolation):
        _guarded(charter, answer)
    out = _guarded(charter, answer, on_deny="refuse")
    assert isinstance(out, dict) and "function_call" not in [i["type"] for i in out["output"]]
    text = "".join(p["text"] for i in out["output"] if i["type"] == "message" for p in i["content"])
    assert text.startswith("I can't help with that") and "bleach" not in json.dumps(out)


def test_an_sdk_response_stays_a_response(charter: Charter) -> None:
    call = FunctionCall(name="send", arguments=json.dumps({"body": f"card {CARD}"}))
    answer = Response(output=[OutputMessage(content=[OutputText(text=f"Card {CARD} ok.")]), call])
    out = _guarded(charter, answer)
    assert isinstance(out, Response) and CARD not in out.output_text
    assert out.output_text.endswith("1111 ok.") and isinstance(out.output[1], FunctionCall)
    assert CARD not in json.loads(out.output[1].arguments)["body"]
    assert CARD in answer.output_text  # the model's own object: a copy was changed


def test_a_tools_only_answer_refused_gets_a_message_with_the_refusal(charter: Charter) -> None:
    answer = _answer(arguments={"body": HARMFUL})
    out = _guarded(charter, answer, on_deny="refuse")
    assert [i["type"] for i in out["output"]] == ["message"]  # no call, no reasoning
    assert out["output"][0]["content"][0]["text"].startswith("I can't help with that")


def test_an_agent_loops_responses_input_is_read_with_its_tool_results(charter: Charter) -> None:
    """The second turn of a Responses API agent loop sends back the call the model proposed
    and its result. main at b3fcb55 knew no adapter for such a list: the guarded call
    failed with "cannot find the prompt"."""
    from charter.adapters import OpenAIMessagesAdapter, adapter_for

    sent: list[Any] = []
    call = {"type": "function_call", "call_id": "c1", "name": "lookup", "arguments": "{}"}
    result = {"type": "function_call_output", "call_id": "c1", "output": f"card {CARD}, ok"}
    prompt = [
        {"role": "user", "content": [{"type": "input_text", "text": "Is my card blocked?"}]},
        call,
        result,
    ]

    @charter.guard(model="gpt-x", provider="openai")
    def model(prompt: list[Any]) -> str:
        sent.append(prompt)
        return "It is not blocked."

    assert model(prompt) == "It is not blocked."
    assert sent[0][1] == call and sent[0][0] == prompt[0]  # the rest as it was
    assert CARD not in sent[0][2]["output"] and sent[0][2]["output"].endswith(", ok")
    adapter = adapter_for(prompt)
    assert isinstance(adapter, OpenAIMessagesAdapter)
    assert adapter.roles(prompt) == ["user", "tool"]
