"""A Gemini answer that ran code: text parts around `executable_code` and
`code_execution_result` parts (found by probing, stop 42).

The guard read a candidate's text parts as one text and, when anything in it changed,
wrote it all into the first text part: the answer's conclusion moved ahead of the code it
was drawn from. A refusal kept the code and its output, which may be what the answer was
refused for. Both tests fail at 93aea39.
"""

from __future__ import annotations

import json
from typing import Any

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


def test_a_refusal_drops_the_code_and_its_output(charter: Charter) -> None:
    for camel in (False, True):
        answer = ran_code(
            "Here is the plan.", "plan = 'bleach + ammonia'", "bleach", HARMFUL, camel
        )
        out = _guarded(charter, answer, on_deny="refuse")
        parts = out["candidates"][0]["content"]["parts"]
        assert "I can't help with that" in json.dumps(out) and "bleach" not in json.dumps(out)
        assert all(set(p) == {"text"} for p in parts)
