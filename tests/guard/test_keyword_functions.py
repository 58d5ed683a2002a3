"""A function that takes its prompt through `**kwargs` is guarded by the keywords it is called
with (found by probing, stop 43).

boto3's client methods are generated as `_api_call(self, *args, **kwargs)`: guarding
`client.converse` failed with "cannot find the prompt ...; name it with
@guard(prompt='param')", and naming it failed at decoration ("names no parameter"). A
held call of a function with `*args`/`**kwargs` was stored with `args` and `kwargs` as
keywords and resumed as `fn(args=(), kwargs={}, ...)`. These tests fail at ff4a76f.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from charter.config import Settings
from charter.errors import ApprovalPending, PolicyViolation
from charter.guard import Charter
from tests.guard.test_drivers import hold_bundle

EMAIL = "ayse.yilmaz@example.com"


@pytest.fixture
def charter(tmp_path: Path) -> Any:
    bundle = hold_bundle(tmp_path)
    values = {
        "policies": str(bundle),
        "store_url": f"sqlite:///{tmp_path / 'charter.db'}",
        "pii_mode": "pattern",
        "telemetry": False,
    }
    ch = Charter(Settings.build(values))
    yield ch
    ch.close()


class BedrockRuntime:
    """boto3's shape: keywords only, the answer a Converse dict echoing the user's text."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    def _api_call(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args:
            raise TypeError("converse() only accepts keyword arguments.")
        self.received.append(kwargs)
        said = kwargs["messages"][-1]["content"][0]["text"]
        return {"output": {"message": {"role": "assistant", "content": [{"text": said}]}}}


def _ask(text: str) -> dict[str, Any]:
    return {
        "modelId": "anthropic.claude",
        "messages": [{"role": "user", "content": [{"text": text}]}],
        "system": [{"text": f"You help {EMAIL}."}],
        "inferenceConfig": {"maxTokens": 64},
    }


def test_a_keywords_only_sdk_method_is_read_by_its_keywords(charter: Charter) -> None:
    client = BedrockRuntime()
    converse = charter.guard(model="claude", provider="bedrock")(client._api_call)
    answer = converse(**_ask(f"write to {EMAIL}"))
    [sent] = client.received
    assert sent["messages"][0]["content"][0]["text"] == "write to <EMAIL_ADDRESS_1>"
    assert sent["system"] == [{"text": "You help <EMAIL_ADDRESS_1>."}]
    assert sent["modelId"] == "anthropic.claude" and sent["inferenceConfig"] == {"maxTokens": 64}
    assert answer["output"]["message"]["content"][0]["text"] == f"write to {EMAIL}"
    with pytest.raises(PolicyViolation, match=r"t\.forbidden"):
        converse(**_ask("this is forbidden"))
    assert len(client.received) == 1


def test_the_prompt_can_be_named_among_the_keywords(charter: Charter) -> None:
    received: list[Any] = []

    @charter.guard(model="m", provider="openai", prompt="body")
    def post(**kwargs: Any) -> str:
        received.append(kwargs)
        return "ok"

    assert post(url="https://example.com", body=f"mail {EMAIL}") == "ok"
    assert received == [{"url": "https://example.com", "body": "mail <EMAIL_ADDRESS_1>"}]


def test_a_held_keywords_call_resumes_with_keywords_only(charter: Charter) -> None:
    client = BedrockRuntime()
    converse = charter.guard(model="claude", provider="bedrock")(client._api_call)
    with pytest.raises(ApprovalPending) as held:
        converse(**_ask(f"please hold this for {EMAIL}"))
    stored = charter.queue.get(held.value.ticket).action["call"]["arguments"]
    assert set(stored) == {"modelId", "messages", "system", "inferenceConfig"}
    charter.queue.approve(held.value.ticket, "olga", reason="ok")
    answer = charter.resume(held.value.ticket)
    [sent] = client.received
    assert set(sent) == set(stored)
    assert sent["messages"][0]["content"][0]["text"] == "please hold this for <EMAIL_ADDRESS_1>"
    assert answer["output"]["message"]["content"][0]["text"].startswith("please hold this for")


def test_a_keywords_tool_is_checked_and_resumed_by_its_keywords(charter: Charter) -> None:
    ran: list[dict[str, Any]] = []

    @charter.guard.tool(name="note")
    def note(*args: Any, **kwargs: Any) -> str:
        ran.append({"args": args, **kwargs})
        return "noted"

    with pytest.raises(ApprovalPending) as held:
        note(subject="refund", body=f"please hold this for {EMAIL}")
    stored = charter.queue.get(held.value.ticket).action["call"]["arguments"]
    assert stored == {"subject": "refund", "body": "please hold this for <EMAIL_ADDRESS_1>"}
    charter.queue.approve(held.value.ticket, "olga", reason="ok")
    assert charter.resume(held.value.ticket) == "noted"
    assert ran == [{"args": (), **stored}]


def test_a_keyword_that_is_no_name_stays_with_the_call_when_it_resumes(charter: Charter) -> None:
    """`**{"x-trace": ...}` cannot become a parameter of its own: it stays in `**kwargs`,
    and the resumed call gets it back at the top level (`make mutate` found this line
    untested)."""
    ran: list[dict[str, Any]] = []

    @charter.guard.tool(name="note")
    def note(**kwargs: Any) -> str:
        ran.append(kwargs)
        return "noted"

    with pytest.raises(ApprovalPending) as held:
        note(body="please hold this", **{"x-trace": "t-1"})
    stored = charter.queue.get(held.value.ticket).action["call"]["arguments"]
    assert stored == {"body": "please hold this", "x-trace": "t-1"}
    charter.queue.approve(held.value.ticket, "olga", reason="ok")
    assert charter.resume(held.value.ticket) == "noted" and ran == [stored]
