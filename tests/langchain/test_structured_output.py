"""`with_structured_output` of a guarded chat model is the wrapped model's own (found by
probing): the guarded model used `BaseChatModel`'s, which dropped `method=` and `strict=`
and asked for a tool call, so a model answering in JSON mode (as ChatOpenAI's
`json_schema`, ChatOllama's `format`) parsed to None. The wrapped model's runnable now runs
with the guarded model in its place: input checked and redacted before the model, the
answer checked and restored before the parser reads it."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel

from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.langchain import GuardedRunnable, guard_chat_model
from tests.langchain.conftest import EMAIL, FORBIDDEN, RecordingChatModel


class Mail(BaseModel):
    to: str
    body: str


ANSWER = '{"to": "<EMAIL_ADDRESS_1>", "body": "Your statement is attached."}'


class JsonModeModel(RecordingChatModel):
    """Structured output as ChatOpenAI's `json_schema` method: a `response_format` bound
    to the model, its JSON answer parsed; `method` and `strict` are its own."""

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:
        method, strict = kwargs.get("method", "json_schema"), kwargs.get("strict")
        bound = self.bind(response_format={"method": method, "strict": strict})
        parse = RunnableLambda(lambda message: schema.model_validate_json(message.content))
        if not include_raw:
            return bound | parse
        return bound | RunnableLambda(lambda m: {"raw": m, "parsed": parse.invoke(m)})


def _safe(model: RecordingChatModel, charter: Charter) -> Any:
    return guard_chat_model(model, charter=charter, provider="openai", model_name="gpt-4o")


def test_the_wrapped_models_own_structured_output_runs_guarded(charter: Charter) -> None:
    model = JsonModeModel(answer=ANSWER)
    structured = _safe(model, charter).with_structured_output(Mail, method="json_mode", strict=True)
    mail = structured.invoke(f"Mail my statement to {EMAIL}")
    assert mail == Mail(to=EMAIL, body="Your statement is attached.")  # main: None
    assert model.options[0]["response_format"] == {"method": "json_mode", "strict": True}
    assert model.calls[0][0].content == "Mail my statement to <EMAIL_ADDRESS_1>"
    with pytest.raises(PolicyViolation):
        structured.invoke(FORBIDDEN)
    assert len(model.calls) == 1


def test_include_raw_gets_the_checked_answer(charter: Charter) -> None:
    model = JsonModeModel(answer=ANSWER)
    out = (
        _safe(model, charter)
        .with_structured_output(Mail, include_raw=True)
        .invoke(f"Mail my statement to {EMAIL}")
    )
    assert out["parsed"].to == EMAIL and EMAIL in out["raw"].content


class DetachedModel(RecordingChatModel):
    """A structured runnable that does not call the model it came from (a copy of it)."""

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:
        copy = self.model_copy()
        copy.calls = self.calls  # the same record of what was sent

        def run(value: Any) -> Any:
            return schema.model_validate_json(copy.invoke(value).content)

        return RunnableLambda(run)


def test_a_runnable_that_does_not_call_the_model_is_guarded_whole(charter: Charter) -> None:
    model = DetachedModel(answer=ANSWER)
    structured = _safe(model, charter).with_structured_output(Mail)
    assert isinstance(structured, GuardedRunnable)
    assert structured.invoke(f"Mail my statement to {EMAIL}").to == EMAIL
    assert EMAIL not in str(model.calls[0])
    with pytest.raises(PolicyViolation):
        structured.invoke(FORBIDDEN)
    assert len(model.calls) == 1
