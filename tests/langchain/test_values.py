"""Reading texts out of LangChain values, putting new ones back, and the JSON record a held
call is stored as."""

from __future__ import annotations

import json
from collections import namedtuple
from typing import Literal

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompt_values import ChatPromptValue, StringPromptValue
from pydantic import BaseModel

from charter.errors import ConfigurationError
from charter.langchain._record import from_record, to_record
from charter.langchain._texts import texts_of, with_texts


class Answer(BaseModel):
    kind: Literal["answer"] = "answer"
    text: str
    sources: list[Document]


Pair = namedtuple("Pair", "left right")


def test_texts_are_read_in_a_fixed_order_and_replaced_in_place() -> None:
    value = {
        "question": "q",
        "history": [
            SystemMessage("s"),
            AIMessage("a", tool_calls=[{"name": "t", "args": {"x": "arg"}, "id": "1"}]),
        ],
        "n": 3,
        "pair": Pair("l", "r"),
        "prompt": ChatPromptValue(messages=[HumanMessage("h")]),
    }
    assert texts_of(value) == ["q", "s", "a", "l", "r", "h"]
    new = with_texts(value, ["Q", "S", "A", "L", "R", "H"])
    assert new["question"] == "Q" and new["n"] == 3
    assert [m.content for m in new["history"]] == ["S", "A"]
    assert new["history"][1].tool_calls[0]["args"] == {"x": "arg"}  # never read or changed
    assert new["pair"] == Pair("L", "R") and isinstance(new["pair"], Pair)
    assert new["prompt"].messages[0].content == "H"
    assert value["question"] == "q" and value["history"][0].content == "s"  # original intact


def test_unchanged_values_are_returned_as_they_are() -> None:
    value = {"a": ["x", HumanMessage("y")], "b": StringPromptValue(text="z")}
    assert with_texts(value, texts_of(value)) is value


def test_models_are_walked_field_by_field_skipping_discriminators() -> None:
    answer = Answer(text="t", sources=[Document(page_content="p", metadata={"src": "s"})])
    assert texts_of(answer) == ["t", "s", "p"]  # field order: Document declares metadata first
    new = with_texts(answer, ["T", "S", "P"])
    assert isinstance(new, Answer) and new.kind == "answer"
    assert new.text == "T" and new.sources[0].page_content == "P"
    assert new.sources[0].metadata == {"src": "S"}


def test_only_the_text_parts_of_message_content_are_read() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    message = HumanMessage(content=["plain", {"type": "text", "text": "typed"}, image])
    assert texts_of(message) == ["plain", "typed"]
    assert with_texts(message, ["P", "T"]).content == ["P", {"type": "text", "text": "T"}, image]


def test_keys_limit_a_mapping_to_its_top_level_keys() -> None:
    value = {"question": "q", "context": "c", "nested": {"question": "inner"}}
    assert texts_of(value, keys={"question"}) == ["q"]
    assert with_texts(value, ["Q"], keys={"question"}) == {
        "question": "Q",
        "context": "c",
        "nested": {"question": "inner"},
    }


def test_a_mismatched_number_of_texts_is_an_error() -> None:
    with pytest.raises(ValueError, match="fewer"):
        with_texts(["a", "b"], ["A"])
    with pytest.raises(ValueError, match="more"):
        with_texts(["a"], ["A", "B"])


def test_the_record_is_json_and_brings_back_the_same_values() -> None:
    value = {
        "messages": [
            SystemMessage("s"),
            HumanMessage(content=[{"type": "text", "text": "h"}]),
            AIMessage("", tool_calls=[{"name": "t", "args": {"x": 1}, "id": "1"}]),
            ToolMessage("r", tool_call_id="1"),
        ],
        "chat": ChatPromptValue(messages=[HumanMessage("c")]),
        "string": StringPromptValue(text="p"),
        "plain": {"$lc": "not ours", "n": [1, 2.5, None, True]},
    }
    record = json.loads(json.dumps(to_record(value)))
    assert from_record(record) == value


def test_values_without_a_json_form_cannot_be_resumed() -> None:
    record = json.loads(json.dumps(to_record({"when": object()})))
    assert record["when"]["type"] == "builtins.object"
    with pytest.raises(ConfigurationError, match="cannot be resumed"):
        from_record(record)


def test_tuples_come_back_as_lists() -> None:
    assert from_record(to_record(("a", 1))) == ["a", 1]
