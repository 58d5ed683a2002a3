"""An agent without `charter.context(conversation=...)`, as the README's recipe runs it:
a tool result's placeholder is never restored as the user's value (found by probing).

The guarded tool redacts another customer's address to `<EMAIL_ADDRESS_1>` in its own
scope; the next model call's scope numbered the user's own address `<EMAIL_ADDRESS_1>` too,
and the answer repeating the tool's placeholder told the user their own address. A run
with a `thread_id` is that conversation now (one scope for its steps).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from charter.guard import Charter
from charter.langchain import CharterMiddleware
from tests.langchain.conftest import EMAIL, RecordingChatModel

agents = pytest.importorskip("langchain.agents")

OTHER = "mehmet.demir@example.org"


class EchoAgentModel(RecordingChatModel):
    """Asks lookup_order first; then repeats who the tool said placed the order."""

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls.append(list(messages))
        last = messages[-1]
        if last.type == "tool":
            message = AIMessage(content="It was placed by " + str(last.content).split(" by ")[-1])
        else:
            call = {"name": "lookup_order", "args": {"order_id": "A-1"}, "id": "c1"}
            message = AIMessage(content="", tool_calls=[call])
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_a_tools_placeholder_is_not_the_users_in_an_agent(charter: Charter) -> None:
    """Without a thread (no checkpointer) each step numbers its own placeholders: the
    answer keeps the tool's, never restored as the user's own address."""

    @tool
    def lookup_order(order_id: str) -> str:
        """Look up who placed an order."""
        return f"Order {order_id} was placed by {OTHER}"

    model = EchoAgentModel()
    agent = agents.create_agent(
        model,
        tools=[lookup_order],
        middleware=[CharterMiddleware(charter=charter, provider="openai")],
    )
    state = agent.invoke({"messages": [HumanMessage(f"I am {EMAIL}. Who placed order A-1?")]})
    tool_result = state["messages"][2].content
    assert tool_result == "Order A-1 was placed by <EMAIL_ADDRESS_1>"
    last_prompt = [str(m.content) for m in model.calls[-1] if m.content]
    assert last_prompt == ["I am <EMAIL_ADDRESS_2>. Who placed order A-1?", tool_result]
    answer = state["messages"][-1].content
    assert answer == "It was placed by <EMAIL_ADDRESS_1>"  # main: the user's own address


def test_a_thread_is_one_placeholder_scope(charter: Charter) -> None:
    """With a thread, the run is one conversation: the user's address and the tool's are
    numbered apart, and the answer names the person the tool named, never the user."""

    @tool
    def lookup_order(order_id: str) -> str:
        """Look up who placed an order."""
        return f"Order {order_id} was placed by {OTHER}"

    model = EchoAgentModel()
    agent = agents.create_agent(
        model,
        tools=[lookup_order],
        middleware=[CharterMiddleware(charter=charter, provider="openai")],
        checkpointer=InMemorySaver(),
    )
    state = agent.invoke(
        {"messages": [HumanMessage(f"I am {EMAIL}. Who placed order A-1?")]},
        {"configurable": {"thread_id": "t-1"}},
    )
    tool_result = state["messages"][2].content
    assert tool_result == "Order A-1 was placed by <EMAIL_ADDRESS_2>"
    last_prompt = [str(m.content) for m in model.calls[-1] if m.content]
    assert last_prompt == ["I am <EMAIL_ADDRESS_1>. Who placed order A-1?", tool_result]
    assert state["messages"][-1].content == f"It was placed by {OTHER}"


class TwoLookupsModel(RecordingChatModel):
    """Looks up orders A-1 and B-2 in one turn, then answers."""

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls.append(list(messages))
        if messages[-1].type == "tool":
            message = AIMessage(content="done")
        else:
            calls = [
                {"name": "lookup_order", "args": {"order_id": order}, "id": f"c{n}"}
                for n, order in enumerate(("A-1", "B-2"))
            ]
            message = AIMessage(content="", tool_calls=calls)
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_two_tool_results_in_a_thread_name_two_people_apart(
    charter: Charter,
) -> None:
    """Found by review: two lookups of different people both reached the model as
    `<EMAIL_ADDRESS_1>`, telling it they are one person (a known limit until the thread
    became the run's conversation when the caller sets none)."""
    people = {"A-1": OTHER, "B-2": "zeynep.kaya@example.net"}

    @tool
    def lookup_order(order_id: str) -> str:
        """Look up who placed an order."""
        return f"Order {order_id} was placed by {people[order_id]}"

    model = TwoLookupsModel()
    agent = agents.create_agent(
        model,
        tools=[lookup_order],
        middleware=[CharterMiddleware(charter=charter, provider="openai")],
        checkpointer=InMemorySaver(),
    )
    agent.invoke(
        {"messages": [HumanMessage("Did one person place orders A-1 and B-2?")]},
        {"configurable": {"thread_id": "t-2"}},
    )
    results = [str(m.content) for m in model.calls[-1] if m.type == "tool"]
    assert not set(people.values()) & set("".join(results).split())
    assert results[0].split(" by ")[-1] != results[1].split(" by ")[-1]


def test_a_conversation_names_two_tool_results_apart(charter: Charter) -> None:
    """The README's way around the limit above."""
    from charter.context import context

    people = {"A-1": OTHER, "B-2": "zeynep.kaya@example.net"}

    @tool
    def lookup_order(order_id: str) -> str:
        """Look up who placed an order."""
        return f"Order {order_id} was placed by {people[order_id]}"

    model = TwoLookupsModel()
    agent = agents.create_agent(
        model,
        tools=[lookup_order],
        middleware=[CharterMiddleware(charter=charter, provider="openai")],
        checkpointer=InMemorySaver(),
    )
    with context(conversation="t-3"):
        agent.invoke(
            {"messages": [HumanMessage("Did one person place orders A-1 and B-2?")]},
            {"configurable": {"thread_id": "t-3"}},
        )
    results = [str(m.content) for m in model.calls[-1] if m.type == "tool"]
    named = {result.split(" by ")[-1] for result in results}  # the tools run concurrently
    assert named == {"<EMAIL_ADDRESS_1>", "<EMAIL_ADDRESS_2>"}
