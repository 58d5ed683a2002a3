"""`CharterMiddleware` in a real `create_agent` agent with a checkpointer: a held tool call
pauses the run with the approval id, the reviewer decides through the queue, the run
resumes and the tool runs exactly once (or the agent reads the reviewer's reason); input,
output and tool policy hold inside the agent. Only the chat model is fake."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from charter.approvals import ApprovalState
from charter.errors import ConfigurationError, PolicyViolation
from charter.guard import Charter
from charter.langchain import CharterMiddleware
from tests.langchain.conftest import EMAIL, FORBIDDEN, RefundAgentModel

agents = pytest.importorskip("langchain.agents")

LEAK = "Sure. By the way, my system prompt is: be nice."


class Shop:
    """An agent over a refund tool that counts its runs."""

    def __init__(
        self, charter: Charter, amount: float, *, checkpointer: bool = True, **middleware: Any
    ) -> None:
        self.ran: list[float] = []
        ran = self.ran

        @tool
        def issue_refund(order_id: str, amount: float) -> str:
            """Refund an order to the customer's card."""
            ran.append(amount)
            return f"refunded {amount} for {order_id}"

        self.charter = charter
        self.model = RefundAgentModel(amount=amount)
        self.agent = agents.create_agent(
            self.model,
            tools=[issue_refund],
            middleware=[CharterMiddleware(charter=charter, provider="openai", **middleware)],
            checkpointer=InMemorySaver() if checkpointer else None,
        )

    def ask(self, text: str, thread: str = "t-1") -> dict[str, Any]:
        return dict(self.agent.invoke({"messages": [HumanMessage(text)]}, _config(thread)))

    def resume(self, value: Any, thread: str = "t-1") -> dict[str, Any]:
        return dict(self.agent.invoke(Command(resume=value), _config(thread)))


def _config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def _paused(state: dict[str, Any]) -> dict[str, Any]:
    interrupts = state.get("__interrupt__") or ()
    assert len(interrupts) == 1, state
    value: dict[str, Any] = interrupts[0].value
    return value


def _tool_messages(state: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


# --- a held tool call pauses, and resumes once a reviewer decided ------------------------------


def test_a_held_tool_pauses_and_runs_exactly_once_after_approval(charter: Charter) -> None:
    shop = Shop(charter, 900.0)
    held = _paused(shop.ask("My order A-1 arrived broken, refund 900 TRY."))
    ticket = held["approval_id"]
    assert held["type"] == "charter_approval" and held["name"] == "issue_refund"
    assert held["rule"] == "tools.refund_over_limit" and "finance" in held["approvers"]
    assert held["args"] == {"order_id": "A-1", "amount": 900.0}
    assert shop.ran == []
    assert [r.id for r in charter.queue.list("pending")] == [ticket]

    # Resuming before anyone decided pauses again on the same request (no second one).
    assert _paused(shop.resume(ticket))["approval_id"] == ticket
    assert shop.ran == [] and len(charter.queue.list()) == 1

    charter.queue.approve(ticket, "alice", reason="order verified")
    done = shop.resume(ticket)
    assert "__interrupt__" not in done
    assert shop.ran == [900.0]
    assert done["messages"][-1].content == "Tool said: refunded 900.0 for A-1"
    request = charter.queue.get(ticket)
    assert request.state is ApprovalState.APPROVED and request.consumed_at is not None
    assert len(charter.queue.list()) == 1

    # The run is over: invoking the thread again with the same answer runs nothing more.
    shop.resume(ticket)
    assert shop.ran == [900.0]


def test_a_rejected_call_never_runs_and_the_agent_reads_the_reason(charter: Charter) -> None:
    shop = Shop(charter, 900.0)
    ticket = _paused(shop.ask("Refund 900 TRY for order A-1."))["approval_id"]
    charter.queue.reject(ticket, "bob", reason="the order was already refunded in store")
    done = shop.resume(ticket)
    assert shop.ran == []
    [result] = _tool_messages(done)
    assert result.status == "error"
    assert "the order was already refunded in store" in str(result.content)
    assert ticket in str(result.content)
    assert "already refunded in store" in str(done["messages"][-1].content)  # the model read it


def test_the_approval_is_bound_to_its_own_call(charter: Charter) -> None:
    shop = Shop(charter, 900.0)
    first = _paused(shop.ask("Refund 900 for A-1.", thread="a"))["approval_id"]
    second = _paused(shop.ask("Refund 900 for A-1.", thread="b"))["approval_id"]
    assert first != second  # same arguments, two conversations: two decisions
    charter.queue.approve(first, "alice")
    assert _paused(shop.resume(first, thread="b"))["approval_id"] == second
    assert shop.ran == []
    shop.resume(first, thread="a")
    assert shop.ran == [900.0]


def test_async_agents_pause_and_resume_the_same_way(charter: Charter) -> None:
    shop = Shop(charter, 900.0)

    async def run() -> None:
        config = _config("async")
        state = await shop.agent.ainvoke({"messages": [HumanMessage("Refund 900.")]}, config)
        ticket = _paused(dict(state))["approval_id"]
        charter.queue.approve(ticket, "alice")
        done = await shop.agent.ainvoke(Command(resume=ticket), config)
        assert done["messages"][-1].content == "Tool said: refunded 900.0 for A-1"

    asyncio.run(run())
    assert shop.ran == [900.0]


def test_a_held_call_without_a_checkpointer_says_what_is_missing(charter: Charter) -> None:
    shop = Shop(charter, 900.0, checkpointer=False)
    with pytest.raises(ConfigurationError, match="checkpointer"):
        shop.agent.invoke({"messages": [HumanMessage("Refund 900.")]})
    assert shop.ran == []


# --- input, output and tool policy inside the agent --------------------------------------------


def test_a_small_refund_runs_without_pausing(charter: Charter) -> None:
    shop = Shop(charter, 40.0)
    done = shop.ask("Refund 40 for A-1.")
    assert "__interrupt__" not in done and shop.ran == [40.0]
    assert charter.queue.list() == []


def test_a_denied_tool_call_never_runs_and_the_agent_reads_why(charter: Charter) -> None:
    shop = Shop(charter, 50_000.0, on_deny="refuse")
    done = shop.ask("Refund 50000 for A-1.")
    assert shop.ran == []
    [result] = _tool_messages(done)
    assert "tools.refund_hard_limit" in str(result.content)


def test_a_denied_prompt_never_reaches_the_model(charter: Charter) -> None:
    shop = Shop(charter, 40.0, on_deny="refuse")
    done = shop.ask(FORBIDDEN)
    assert shop.model.calls == [] and shop.ran == []
    assert "topics.forbidden" in str(done["messages"][-1].content)
    with pytest.raises(PolicyViolation) as info:
        Shop(charter, 40.0, on_deny="raise").ask(FORBIDDEN)
    assert "topics.forbidden" in info.value.decision.rules


def test_a_refused_turn_is_withheld_as_one_message_in_the_thread(charter: Charter) -> None:
    """The refused turn stays in the thread: later turns send the model the marker in place
    of its texts, and only of its texts (found by probing: the reminder the app appends to
    each human message was remembered with the refused words and withheld from every later
    message)."""
    shop = Shop(charter, 40.0, on_deny="refuse")
    reminder = {"type": "text", "text": "Reminder from the app: banking questions only."}

    def human(text: str) -> HumanMessage:
        return HumanMessage([{"type": "text", "text": text}, reminder])

    for text in (FORBIDDEN, "What are your opening hours?", "And on Sunday?"):
        shop.agent.invoke({"messages": [human(text)]}, _config("t-1"))
    sent = [m.content for m in shop.model.calls[-1] if isinstance(m, HumanMessage)]
    marker = {"type": "text", "text": "[message withheld: refused by policy]"}
    assert sent == [
        [marker, marker],
        *(human(t).content for t in ("What are your opening hours?", "And on Sunday?")),
    ]
    assert all(FORBIDDEN not in text for text in shop.model.texts)


def test_a_withheld_answer_is_refused_inside_the_agent(charter: Charter) -> None:
    shop = Shop(charter, 40.0, on_deny="refuse")
    shop.model.final = LEAK
    done = shop.ask("Refund 40 for A-1.")
    assert shop.ran == [40.0]
    answer = str(done["messages"][-1].content)
    assert "output.system_prompt_leak" in answer and "be nice" not in answer


def test_pii_is_redacted_before_the_model_and_restored_for_the_user(charter: Charter) -> None:
    shop = Shop(charter, 40.0)
    shop.model.final = "Done; the receipt goes to <EMAIL_ADDRESS_1>."
    done = shop.ask(f"Refund 40 for A-1 and mail me at {EMAIL}")
    assert all(EMAIL not in text for text in shop.model.texts)
    assert done["messages"][-1].content == f"Done; the receipt goes to {EMAIL}."


class TwoRefundsModel(RefundAgentModel):
    """Proposes two refunds in one turn (parallel tool calls); then answers `final`."""

    def _generate(
        self, messages: list[Any], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Any:
        from langchain_core.messages import AIMessage
        from langchain_core.outputs import ChatGeneration, ChatResult

        self.calls.append(list(messages))
        if isinstance(messages[-1], ToolMessage):
            message = AIMessage(content="Both handled.")
        else:
            calls = [
                {"name": "issue_refund", "args": {"order_id": o, "amount": a}, "id": f"c-{o}"}
                for o, a in (("A-1", 900.0), ("A-2", 800.0))
            ]
            message = AIMessage(content="", tool_calls=calls)
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_two_held_calls_of_one_turn_resume_by_interrupt_id(charter: Charter) -> None:
    """The README's multi-interrupt form: LangGraph refuses a bare `Command(resume=...)`
    when a turn paused on two calls; a map of interrupt id to approval id resumes both."""
    ran: list[float] = []

    @tool
    def issue_refund(order_id: str, amount: float) -> str:
        """Refund an order to the customer's card."""
        ran.append(amount)
        return f"refunded {amount} for {order_id}"

    agent = agents.create_agent(
        TwoRefundsModel(),
        tools=[issue_refund],
        middleware=[CharterMiddleware(charter=charter, provider="openai")],
        checkpointer=InMemorySaver(),
    )
    asked = agent.invoke({"messages": [HumanMessage("Refund A-1 900 and A-2 800.")]}, _config("p"))
    interrupts = asked["__interrupt__"]
    by_order = {i.value["args"]["order_id"]: i.value["approval_id"] for i in interrupts}
    charter.queue.approve(by_order["A-1"], "alice", reason="ok")
    charter.queue.reject(by_order["A-2"], "bob", reason="duplicate order")
    with pytest.raises(RuntimeError, match="multiple pending interrupts"):
        agent.invoke(Command(resume=by_order["A-1"]), _config("p"))
    resume = {i.id: i.value["approval_id"] for i in interrupts}
    done = dict(agent.invoke(Command(resume=resume), _config("p")))
    assert ran == [900.0] and "__interrupt__" not in done
    assert "duplicate order" in " ".join(str(m.content) for m in _tool_messages(done))
