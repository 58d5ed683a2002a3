"""A Gemini answer that ran code: text parts around `executable_code` and
`code_execution_result` parts (found by probing, stop 42).

The guard read a candidate's text parts as one text and, when anything in it changed,
wrote it all into the first text part: the answer's conclusion moved ahead of the code it
was drawn from. A refusal kept the code and its output, which may be what the answer was
refused for. Streamed, the code went out unread, and with a refusal when it came before the
text. Every test here fails at 93aea39.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def ran_code(before: str, code: str, output: str, after: str, camel: bool = False) -> Any:
    code_key, result_key = (
        ("executableCode", "codeExecutionResult")
        if camel
        else ("executable_code", "code_execution_result")
    )
    parts = [
        {"text": before},
        {code_key: {"language": "PYTHON", "code": code}},
        {result_key: {"outcome": "OUTCOME_OK", "output": output}},
        {"text": after},
    ]
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finish_reason": "STOP"}]}


def _guarded(charter: Charter, answer: Any, **kw: Any) -> Any:
    return charter.guard(model="gemini", provider="google", **kw)(lambda p: answer)("and so?")


def test_a_masked_card_stays_in_the_text_after_the_code(charter: Charter) -> None:
    answer = ran_code("Let me add them up. ", "print(2 + 2)", "4\n", f"It is 4. Card {CARD}.")
    parts = _guarded(charter, answer)["candidates"][0]["content"]["parts"]
    assert [next(iter(p)) for p in parts] == [
        "text",
        "executable_code",
        "code_execution_result",
        "text",
    ]
    assert parts[0]["text"] == "Let me add them up. "
    assert parts[3]["text"] == "It is 4. Card **** **** **** 1111."
    assert parts[1] == answer["candidates"][0]["content"]["parts"][1]


def test_a_card_the_code_printed_is_masked(charter: Charter) -> None:
    """The code and its output were not read: what the code printed reached the app."""
    answer = ran_code("Let me look. ", "print(card_of('jane'))", f"{CARD}\n", "It is on file.")
    parts = _guarded(charter, answer)["candidates"][0]["content"]["parts"]
    assert parts[2]["code_execution_result"]["output"] == "**** **** **** 1111\n"
    assert parts[1]["executable_code"]["code"] == "print(card_of('jane'))"
    assert CARD in json.dumps(answer)  # the model's own answer: a copy was changed


def test_a_refusal_drops_the_code_and_its_output(charter: Charter) -> None:
    for camel in (False, True):
        answer = ran_code(
            "Here is the plan.", "plan = 'bleach + ammonia'", "bleach", HARMFUL, camel
        )
        out = _guarded(charter, answer, on_deny="refuse")
        parts = out["candidates"][0]["content"]["parts"]
        assert "I can't help with that" in json.dumps(out) and "bleach" not in json.dumps(out)
        assert all(set(p) == {"text"} for p in parts)


def _chunk(part: dict[str, Any]) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": [part]}}]}


def _streamed(charter: Charter, parts: list[dict[str, Any]], **kw: Any) -> list[Any]:
    @charter.guard(model="gemini", provider="google", **kw)
    def model(prompt: str) -> Iterator[Any]:
        yield from (_chunk(p) for p in parts)

    return list(model("and so?"))


def test_a_refused_stream_sends_no_code(charter: Charter) -> None:
    """The code came before any text, so it went out with the refusal as an opening."""
    parts = [
        {"executable_code": {"language": "PYTHON", "code": "gas = 'bleach + ammonia'"}},
        {"code_execution_result": {"outcome": "OUTCOME_OK", "output": "bleach"}},
        {"text": HARMFUL},
    ]
    out = _streamed(charter, parts, on_deny="refuse")
    assert "I can't help with that" in json.dumps(out) and "bleach" not in json.dumps(out)


@pytest.mark.parametrize("long", [False, True])
def test_a_streamed_answer_keeps_its_text_around_the_code(charter: Charter, long: bool) -> None:
    """The code's output is masked, and the text the model wrote before the code goes out
    before it (it was still in the window when the code came)."""
    before = (
        "Let me look it up" + (" in the customer records of the branch" * 4 if long else "") + ". "
    )
    after = "Her card is on file, and a new one is on its way to her."
    parts = [
        {"text": before},
        {"executable_code": {"language": "PYTHON", "code": "print(card_of('jane'))"}},
        {"code_execution_result": {"outcome": "OUTCOME_OK", "output": CARD}},
        {"text": after},
    ]
    out = [p for c in _streamed(charter, parts) for p in c["candidates"][0]["content"]["parts"]]
    kinds = [next(iter(p)) for p in out]
    first_code = kinds.index("executable_code")
    assert set(kinds[:first_code]) == {"text"} and set(kinds[first_code + 2 :]) == {"text"}
    assert "".join(p["text"] for p in out[:first_code]) == before
    assert "".join(p["text"] for p in out[first_code + 2 :]) == after
    assert out[first_code + 1]["code_execution_result"]["output"] == "**** **** **** 1111"
