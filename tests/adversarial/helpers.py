"""What the adversarial tests read back from the guard they attack."""

from __future__ import annotations

from typing import Any

import pytest

from charter import PolicyViolation
from charter.audit import iter_records
from charter.guard import Charter


def recorded(charter: Charter) -> list[Any]:
    """Every decision record written so far (the log flushed first)."""
    assert charter.audit is not None
    charter.audit.flush(timeout=30)
    return list(iter_records(charter.settings.store_url))


def sent_to_model(charter: Charter, prompt: Any, provider: str = "p") -> Any:
    """The prompt as a guarded model function received it (the model answers "Done.", and
    the call must return that: nothing in the prompt was refused)."""
    sent: list[Any] = []

    @charter.guard(model="m", provider=provider)
    def model(messages: Any) -> str:
        sent.append(messages)
        return "Done."

    assert model(prompt) == "Done."
    return sent[0]


def withheld_result_rules(charter: Charter, result: Any) -> list[str]:
    """The rules that withheld `result`, returned by a guarded `search_faq` tool (it must be
    withheld)."""

    @charter.guard.tool(name="search_faq")
    def search_faq(query: str) -> Any:
        return result

    with pytest.raises(PolicyViolation) as denied:
        search_faq("a question")
    return [v.rule for v in denied.value.decision.violations]
