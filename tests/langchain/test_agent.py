"""A LangChain agent built from the guarded model and tools: the decisions hold inside the
agent loop (langchain's `create_agent`, when the `langchain` package is installed)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from charter.guard import Charter
from charter.langchain import guard_chat_model, guard_tool
from tests.langchain.conftest import EMAIL, RefundAgentModel

agents = pytest.importorskip("langchain.agents")


def _agent(charter: Charter, amount: float, ran: list[float]) -> tuple[Any, RefundAgentModel]:
    @tool
    def issue_refund(order_id: str, amount: float) -> str:
        """Refund an order."""
        ran.append(amount)
        return f"refunded {amount}"

    model = RefundAgentModel(amount=amount, final="Done, I wrote to <EMAIL_ADDRESS_1>: {result}")
    safe_model = guard_chat_model(model, charter=charter, provider="openai")
    safe_refund = guard_tool(issue_refund, charter=charter, on_deny="refuse")
    return agents.create_agent(safe_model, tools=[safe_refund]), model


def _ask(agent: Any) -> list[BaseMessage]:
    state = agent.invoke({"messages": [HumanMessage(f"Refund order A-1, mail me at {EMAIL}")]})
    return list(state["messages"])


def test_an_allowed_refund_runs_and_pii_never_reaches_the_model(charter: Charter) -> None:
    ran: list[float] = []
    agent, model = _agent(charter, 40.0, ran)
    messages = _ask(agent)
    assert ran == [40.0]
    assert messages[-1].content == f"Done, I wrote to {EMAIL}: refunded 40.0"
    assert all(EMAIL not in text for text in model.texts)
    assert model.options[0]["tools"][0]["function"]["name"] == "issue_refund"


def test_a_refund_over_the_hard_limit_never_runs_inside_the_agent(charter: Charter) -> None:
    ran: list[float] = []
    agent, _model = _agent(charter, 50_000.0, ran)
    messages = _ask(agent)
    assert ran == []
    [result] = [m for m in messages if isinstance(m, ToolMessage)]
    assert "tools.refund_hard_limit" in str(result.content)
