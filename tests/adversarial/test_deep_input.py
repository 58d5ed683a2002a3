"""Issue 14 #10: deep or huge input crashed the guard.

Replays the attack: tool arguments nested more than 250 levels raised `RecursionError`
(from the JSON encoder and the PII walk), and so did a tool result or the caller's context
metadata. Now every prompt, answer (streamed or not), tool argument set, tool result and
context metadata is measured first, without recursion; what is over a limit is denied
unchecked (fail closed), the deny is recorded, and the error names the setting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from charter import LimitExceeded, context
from charter.config import DEFAULT_POLICIES
from charter.errors import ConfigurationError
from charter.guard import Charter
from charter.testing import RecordingModel, make_charter
from tests.adversarial.helpers import recorded

DEPTH = 1200  # main: RecursionError (at 300 the policy engine failed closed, wrong reason)


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for i in range(depth):
        value = {"a": value} if i % 2 else [value]
    return value


def test_deeply_nested_tool_arguments_are_denied_with_the_setting_named(charter: Charter) -> None:
    calls: list[Any] = []

    @charter.guard.tool
    def lookup_order(query: Any) -> str:
        calls.append(query)
        return "found"

    with pytest.raises(LimitExceeded) as raised:
        lookup_order(nested(DEPTH))  # main: RecursionError
    error = raised.value
    assert error.setting == "max_json_depth" and error.limit == 32 and error.found > 32
    assert "max_json_depth" in str(error) and "CHARTER_MAX_JSON_DEPTH" in str(error)
    assert error.decision.rules == ("charter.limit_exceeded",) and calls == []
    [record] = recorded(charter)
    assert record.result["action"] == "deny" and record.labels["stage"] == "tool_call"
    assert record.result["violations"][0]["rule"] == "charter.limit_exceeded"
    assert lookup_order(nested(10)) == "found"  # within the limit: checked as usual


def test_a_deeply_nested_tool_result_is_withheld(charter: Charter) -> None:
    @charter.guard.tool
    def lookup_order(order_id: str) -> Any:
        return {"order": order_id, "history": nested(DEPTH)}

    with pytest.raises(LimitExceeded) as raised:
        lookup_order("A-1")  # main: RecursionError in the PII walk
    assert raised.value.decision.stage.value == "tool_result"
    assert [r.labels["stage"] for r in recorded(charter)] == ["tool_call", "tool_result"]


async def test_the_async_driver_denies_the_same_way(charter: Charter) -> None:
    @charter.guard.tool
    async def lookup_order(query: Any) -> str:
        await asyncio.sleep(0)
        return "found"

    with pytest.raises(LimitExceeded):
        await lookup_order(nested(DEPTH))


def test_deep_context_metadata_is_denied(charter: Charter) -> None:
    model = RecordingModel("ok")
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user="u-1", ticket=nested(DEPTH)), pytest.raises(LimitExceeded):
        ask("hello")  # main: RecursionError building the policy input
    assert model.calls == []


def test_deep_context_metadata_inside_a_dataclass_is_denied_and_recorded(
    charter: Charter,
) -> None:
    """Found by review: the depth limit read dataclasses and models as one item, so metadata
    nested deep inside one passed it, and every call then raised the policy input's own
    ValueError, nothing recorded. They are measured by their fields, as they are read."""
    import dataclasses

    @dataclasses.dataclass
    class Box:
        inner: object

    model = RecordingModel("ok")
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user="u-1", request=Box(nested(DEPTH))), pytest.raises(LimitExceeded):
        ask("hello")
    assert model.calls == []


def test_deep_context_metadata_in_a_computed_field_is_denied(charter: Charter) -> None:
    """A pydantic model's computed fields are written into the policy input too, so they
    are measured too (found by the second review)."""
    from pydantic import BaseModel, computed_field

    class Request(BaseModel):
        @computed_field  # type: ignore[prop-decorator]
        @property
        def body(self) -> Any:
            return nested(DEPTH)

    model = RecordingModel("ok")
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user="u-1", request=Request()), pytest.raises(LimitExceeded):
        ask("hello")
    assert model.calls == []


def test_a_deep_other_argument_of_an_llm_call_is_denied(charter: Charter) -> None:
    model = RecordingModel("ok")

    @charter.guard(model="m", provider="openai", prompt="prompt")
    def ask(prompt: str, options: Any) -> str:
        return model(prompt)

    with pytest.raises(LimitExceeded):
        ask("hello", nested(DEPTH))
    assert model.calls == []


def test_a_cycle_is_denied_not_walked_forever(charter: Charter) -> None:
    @charter.guard.tool
    def lookup_order(query: Any) -> str:
        return "found"

    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(LimitExceeded):
        lookup_order(loop)


def test_too_many_items_and_too_much_text_are_denied(tmp_path: Path) -> None:
    charter = make_charter(
        DEFAULT_POLICIES, tmp_path, max_json_items=1000, max_text_chars=5000, audit=True
    )
    model = RecordingModel("ok")
    ask = charter.guard(model=model.name, provider="openai")(model)

    @charter.guard.tool
    def lookup_order(query: Any) -> str:
        return "found"

    with pytest.raises(LimitExceeded) as raised:
        lookup_order(list(range(2000)))
    assert raised.value.setting == "max_json_items"
    with pytest.raises(LimitExceeded) as raised:
        ask("where is my parcel? " * 500)
    assert raised.value.setting == "max_text_chars" and model.calls == []
    assert ask("where is my parcel?") == "ok"
    actions = [r.result["action"] for r in recorded(charter)]
    assert actions == ["deny", "deny", "allow", "allow"]
    charter.close()


def test_a_prompt_within_the_limit_is_not_denied_for_its_keys_and_roles(tmp_path: Path) -> None:
    """Found by probing: the call's arguments were measured with the prompt's text counted
    again, with the parameter's name and the messages' keys and roles, so at a limit of 1000
    a prompt of 1000 characters and a chat of 750 were denied. The rest of the call is still
    bounded on its own: a huge key or role beside a short prompt is denied unchecked."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, max_text_chars=1000)
    model = RecordingModel("ok")
    ask = charter.guard(model=model.name, provider="openai")(model)
    assert ask(("where is my parcel? " * 50)[:1000]) == "ok"
    chat = [{"role": "user", "content": f"Where is parcel no. {i:02d}?"} for i in range(43)]
    assert 950 < sum(len(m["content"]) for m in chat) <= 1000
    assert ask(chat) == "ok"
    assert len(model.calls) == 2
    huge_key = [{"role": "user", "content": "hi", "x" * 2000: "y"}]
    huge_role = [{"role": "u" * 2000, "content": "hi"}]
    for prompt in (huge_key, huge_role):
        with pytest.raises(LimitExceeded) as raised:
            ask(prompt)
        assert raised.value.setting == "max_text_chars"
    assert len(model.calls) == 2
    charter.close()


def test_text_the_walk_never_counted_earns_no_credit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by review: the prompt's and instructions' text was credited against the walk of
    the call's arguments even where the walk never counted it (inside a plain object: an
    SDK's config object, an app's prompt type read by its own adapter), so beside 950 such
    characters another argument could hold 1,900 at a limit of 1000."""
    from charter import adapters

    class Note:
        def __init__(self, text: str) -> None:
            self.text = text

    class NoteAdapter:
        def matches(self, value: Any) -> bool:
            return isinstance(value, Note)

        def texts(self, value: Any) -> list[str]:
            return [value.text]

        def replace(self, value: Any, texts: Any) -> Any:
            return Note(texts[0])

    monkeypatch.setattr(adapters, "_ADAPTERS", list(adapters._ADAPTERS))
    adapters.register_adapter(NoteAdapter())
    charter = make_charter(DEFAULT_POLICIES, tmp_path, max_text_chars=1000, signals=None)
    sent: list[Any] = []

    @charter.guard(model="m", provider="google", prompt="contents")
    def generate(contents: Any, config: Any = None, extra: str = "") -> str:
        sent.append(extra)
        return "ok"

    @charter.guard(model="m", provider="openai", prompt="note")
    def ask(note: Any, extra: str = "") -> str:
        sent.append(extra)
        return "ok"

    config = SimpleNamespace(system_instruction="Be brief. " * 95)
    calls = [
        lambda: generate("hi", config=config, extra="e" * 1900),
        lambda: ask(Note("where is my parcel? " * 49), extra="e" * 1900),
    ]
    for call in calls:
        with pytest.raises(LimitExceeded) as raised:
            call()
        assert raised.value.setting == "max_text_chars"
    assert sent == []
    # Within the limit, both still pass: the other argument alone is under 1000.
    assert generate("hi", config=config, extra="e" * 900) == "ok"
    assert ask(Note("where is my parcel? " * 49), extra="e" * 900) == "ok"
    assert len(sent) == 2
    charter.close()


def test_an_answer_over_the_limit_is_withheld_streamed_or_not(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, max_text_chars=2000, on_deny="refuse")
    long = "All good with your parcel. " * 200
    model = RecordingModel(long, chunk_size=50)
    ask = charter.guard(model=model.name, provider="openai")(model)
    refusal = ask("where is my parcel?")
    assert "max_text_chars" in refusal and long not in refusal

    @charter.guard(model=model.name, provider="openai")
    def stream(prompt: str) -> Iterator[str]:
        yield from model.stream(prompt)

    out = list(stream("where is my parcel?"))
    released = "".join(out[:-1])
    assert len(released) <= 2000 and "max_text_chars" in out[-1]
    charter.close()


def test_a_limit_beyond_what_the_engine_parses_is_refused_as_a_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="max_json_depth"):
        make_charter(DEFAULT_POLICIES, tmp_path, max_json_depth=500)
