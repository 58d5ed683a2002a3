"""guard_tool on the shipped policies: forbidden calls never run, approvals hold and resume,
the schema the model sees is the wrapped tool's."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import (
    InjectedToolArg,
    InjectedToolCallId,
    StructuredTool,
    Tool,
    ToolException,
    tool,
)
from langchain_core.utils.function_calling import convert_to_openai_tool

from charter.errors import ApprovalError, ApprovalPending, ConfigurationError, PolicyViolation
from charter.guard import Charter
from charter.langchain import GuardedTool, guard_tool
from charter.refusal import PREFIX
from tests.langchain.conftest import CARD


def _refund_tool(ran: list[float]) -> Any:
    @tool
    def issue_refund(order_id: str, amount: float) -> str:
        """Refund an order to the customer's card."""
        ran.append(amount)
        return f"refunded {amount}"

    return issue_refund


def _tool_call(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_call", "name": name, "args": args, "id": "call-1"}


def test_a_refund_within_the_limit_runs(charter: Charter) -> None:
    ran: list[float] = []
    safe = guard_tool(_refund_tool(ran), charter=charter)
    assert safe.invoke({"order_id": "A-1", "amount": 20}) == "refunded 20.0"
    message = safe.invoke(_tool_call("issue_refund", order_id="A-2", amount="30"))
    assert isinstance(message, ToolMessage) and message.content == "refunded 30.0"
    assert ran == [20.0, 30.0]


@pytest.mark.parametrize("style", ["dict", "tool_call", "ainvoke"])
def test_a_refund_over_the_hard_limit_never_runs(charter: Charter, style: str) -> None:
    ran: list[float] = []
    safe = guard_tool(_refund_tool(ran), charter=charter)
    with pytest.raises(PolicyViolation) as info:
        if style == "dict":
            safe.invoke({"order_id": "A-1", "amount": 50_000})
        elif style == "tool_call":
            safe.invoke(_tool_call("issue_refund", order_id="A-1", amount=50_000))
        else:
            asyncio.run(safe.ainvoke({"order_id": "A-1", "amount": 50_000}))
    assert info.value.decision.rules == ("tools.refund_hard_limit",)
    assert ran == []


def test_a_refund_over_500_waits_for_finance_and_runs_once(charter: Charter) -> None:
    ran: list[float] = []
    safe = guard_tool(_refund_tool(ran), charter=charter)
    with pytest.raises(ApprovalPending) as info:
        safe.invoke(_tool_call("issue_refund", order_id="A-3", amount=900))
    ticket = info.value.ticket
    request = charter.queue.get(ticket)
    assert request.rule == "tools.refund_over_limit"
    assert request.action["tool"] == {
        "name": "issue_refund",
        "arguments": {"order_id": "A-3", "amount": 900.0},
    }
    assert ran == []
    charter.queue.approve(ticket, "alice", reason="customer verified")
    assert charter.resume(ticket) == "refunded 900.0"
    assert ran == [900.0]
    with pytest.raises(ApprovalError, match="already used"):  # an approval is used once
        charter.resume(ticket)
    assert ran == [900.0]


def test_unknown_tools_are_denied(charter: Charter) -> None:
    ran: list[str] = []

    @tool
    def wire_transfer(iban: str, amount: float) -> str:
        """Send money to any account."""
        ran.append(iban)
        return "sent"

    with pytest.raises(PolicyViolation) as info:
        guard_tool(wire_transfer, charter=charter).invoke({"iban": "TR00", "amount": 1})
    assert info.value.decision.rules == ("tools.unknown_tool",)
    assert "config.tools.allowed" in str(info.value)
    assert ran == []


def test_a_held_call_resumes_on_its_own_tool_not_on_a_later_one_of_the_same_name(
    charter: Charter,
) -> None:
    """Two tools of one name (one per tenant, say): the resume of a call held, here through
    `ainvoke`, on the first ran the second (found by probing)."""
    ran_a: list[float] = []
    ran_b: list[float] = []
    tenant_a = guard_tool(_refund_tool(ran_a), charter=charter)
    with pytest.raises(ApprovalPending) as info:
        asyncio.run(tenant_a.ainvoke({"order_id": "A-3", "amount": 900}))
    guard_tool(_refund_tool(ran_b), charter=charter)
    charter.queue.approve(info.value.ticket, "alice", reason="customer verified")
    assert charter.resume(info.value.ticket) == "refunded 900.0"
    assert (ran_a, ran_b) == ([900.0], [])


def test_closing_an_account_needs_two_approvals(charter: Charter) -> None:
    ran: list[str] = []

    def close_account(account_id: str) -> str:
        """Close a customer's account."""
        ran.append(account_id)
        return "closed"

    safe = guard_tool(close_account, charter=charter)  # a plain function becomes a tool
    with pytest.raises(ApprovalPending) as info:
        safe.invoke({"account_id": "ACC-9"})
    ticket = info.value.ticket
    assert charter.queue.get(ticket).rule == "tools.close_account"
    charter.queue.approve(ticket, "carol")
    with pytest.raises(ApprovalPending):
        charter.resume(ticket)
    charter.queue.approve(ticket, "dave")
    assert charter.resume(ticket) == "closed"
    assert ran == ["ACC-9"]


def test_refuse_mode_answers_the_model_with_the_reason(charter: Charter) -> None:
    ran: list[float] = []
    safe = guard_tool(_refund_tool(ran), charter=charter, on_deny="refuse")
    message = safe.invoke(_tool_call("issue_refund", order_id="A-1", amount=50_000))
    assert isinstance(message, ToolMessage) and message.tool_call_id == "call-1"
    assert message.content.startswith(PREFIX) and "tools.refund_hard_limit" in message.content
    assert ran == []


def test_async_tools_run_their_coroutine(charter: Charter) -> None:
    ran: list[str] = []

    async def get_balance(account_id: str) -> str:
        ran.append(account_id)
        return "1000 TRY"

    balance = StructuredTool.from_function(
        coroutine=get_balance, name="get_balance", description="Balance of an account."
    )
    safe = guard_tool(balance, charter=charter)
    assert asyncio.run(safe.ainvoke({"account_id": "ACC-1"})) == "1000 TRY"
    assert ran == ["ACC-1"]


def test_the_model_sees_the_wrapped_tools_schema(charter: Charter) -> None:
    inner = _refund_tool([])
    safe = guard_tool(inner, charter=charter)
    assert isinstance(safe, GuardedTool)
    assert convert_to_openai_tool(safe) == convert_to_openai_tool(inner)
    assert safe.args == inner.args and safe.name == "issue_refund"


def test_tool_results_with_pii_are_redacted(charter: Charter) -> None:
    @tool
    def get_card_status(account_id: str) -> str:
        """Status of the customer's card."""
        return f"Card {CARD} is active."

    result = guard_tool(get_card_status, charter=charter).invoke({"account_id": "ACC-1"})
    assert CARD not in result and "1111" in result and result.endswith("is active.")


def test_single_input_tools_take_a_string(charter: Charter) -> None:
    asked: list[str] = []
    faq = Tool(
        name="search_faq",
        description="Search the FAQ.",
        func=lambda q: asked.append(q) or "Open 9-17",
    )
    safe = guard_tool(faq, charter=charter)
    assert safe.invoke("opening hours") == "Open 9-17"
    assert safe.invoke({"tool_input": "holidays"}) == "Open 9-17"
    assert asked == ["opening hours", "holidays"]


def test_injected_arguments_reach_the_tool_but_not_the_policy(charter: Charter) -> None:
    seen: list[tuple[str, float, str]] = []

    @tool
    def issue_refund(order_id: str, amount: float, agent: Annotated[str, InjectedToolArg]) -> str:
        """Refund an order."""
        seen.append((order_id, amount, agent))
        return "ok"

    safe = guard_tool(issue_refund, charter=charter)
    assert safe.invoke({"order_id": "A-1", "amount": 10, "agent": "bot-7"}) == "ok"
    with pytest.raises(ApprovalPending) as info:
        safe.invoke({"order_id": "A-2", "amount": 700, "agent": "bot-7"})
    assert charter.queue.get(info.value.ticket).action["tool"]["arguments"] == {
        "order_id": "A-2",
        "amount": 700.0,
    }
    assert seen == [("A-1", 10.0, "bot-7")]


def test_tools_that_need_the_tool_call_id_get_it(charter: Charter) -> None:
    @tool
    def create_support_ticket(subject: str, call_id: Annotated[str, InjectedToolCallId]) -> str:
        """Open a support ticket."""
        return f"ticket for {call_id}: {subject}"

    message = guard_tool(create_support_ticket, charter=charter).invoke(
        _tool_call("create_support_ticket", subject="card blocked")
    )
    assert message.content == "ticket for call-1: card blocked"


def test_content_and_artifact_tools_keep_their_artifact(charter: Charter) -> None:
    @tool(response_format="content_and_artifact")
    def list_transactions(account_id: str) -> tuple[str, list[int]]:
        """Recent transactions."""
        return "3 transactions", [1, 2, 3]

    message = guard_tool(list_transactions, charter=charter).invoke(
        _tool_call("list_transactions", account_id="ACC-1")
    )
    assert message.content == "3 transactions" and message.artifact == [1, 2, 3]


def test_arguments_a_json_schema_tool_does_not_declare_are_refused(charter: Charter) -> None:
    ran: list[Any] = []
    balance = StructuredTool.from_function(
        func=lambda **kw: ran.append(kw) or "1000",
        name="get_balance",
        description="Balance.",
        args_schema={"type": "object", "properties": {"account_id": {"type": "string"}}},
    )
    safe = guard_tool(balance, charter=charter)
    assert safe.invoke({"account_id": "ACC-1"}) == "1000"
    with pytest.raises(ToolException, match="does not take the argument"):
        safe.invoke({"account_id": "ACC-1", "amount": 5})
    assert ran == [{"account_id": "ACC-1"}]


def test_only_tools_and_functions_are_accepted(charter: Charter) -> None:
    with pytest.raises(ConfigurationError, match="BaseTool or a function"):
        guard_tool("issue_refund", charter=charter)  # type: ignore[arg-type]


def test_tool_arguments_get_the_same_treatment_as_with_the_plain_guard(charter: Charter) -> None:
    got: list[str] = []

    @tool
    def create_support_ticket(subject: str) -> str:
        """Open a support ticket."""
        got.append(subject)
        return "opened"

    @charter.guard.tool(name="create_support_ticket")
    def plain(subject: str) -> str:
        got.append(subject)
        return "opened"

    subject = "Card blocked, reach me at ayse.yilmaz@example.com"
    guard_tool(create_support_ticket, charter=charter).invoke({"subject": subject})
    plain(subject)
    assert got[0] == got[1] and "ayse.yilmaz@example.com" not in got[0]


def test_a_resume_inside_another_tools_run_uses_only_the_stored_arguments(
    charter: Charter,
) -> None:
    ran: list[tuple[str, float, str]] = []

    @tool
    def issue_refund(
        order_id: str, amount: float, agent: Annotated[str, InjectedToolArg] = ""
    ) -> str:
        """Refund an order."""
        ran.append((order_id, amount, agent))
        return "refunded"

    refund = guard_tool(issue_refund, charter=charter)
    with pytest.raises(ApprovalPending) as info:
        refund.invoke({"order_id": "A-9", "amount": 800, "agent": "bot-1"})
    charter.queue.approve(info.value.ticket, "alice")

    @tool
    def get_account_summary(account_id: str, agent: Annotated[str, InjectedToolArg]) -> str:
        """Summary of an account; resumes the held refund on the way."""
        return str(charter.resume(info.value.ticket))

    summary = guard_tool(get_account_summary, charter=charter)
    assert summary.invoke({"account_id": "ACC-1", "agent": "other-bot"}) == "refunded"
    assert ran == [("A-9", 800.0, "")]  # not the other tool's injected value
