"""A LangChain support agent for Anka Bank, guarded by Charter.

    python -m examples.langchain_agent          # or: python examples/langchain_agent/main.py

The chat model and the tools lookup_order, issue_refund and close_account are wrapped with
`charter.langchain`, so the shipped policies decide before anything runs: a forbidden
question never reaches the model, personal data is replaced by placeholders before the
model and put back in the answer, refunds above 500 wait for a finance reviewer, refunds
above the hard limit never run, and closing an account needs two approvals.

Offline by default: a LangChain fake chat model plays the agent from a script. With
OPENAI_API_KEY set and `langchain-openai` installed, a real model plays it instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool, tool
from pydantic import Field

from charter import ApprovalPending, Charter, Settings
from charter.langchain import guard_chat_model, guard_tool

SYSTEM = (
    "You are Anka Bank's support assistant. Use the tools to look up orders, issue refunds "
    "and close accounts. Be brief."
)
ORDERS = {
    "A-1001": "shipped on 20 Nov, tracking number TR-88213",
    "A-1002": "delivered on 18 Nov; the customer reports the item arrived broken",
    "A-1003": "delivered on 2 Nov",
}
APPROVERS = {"issue_refund": ["alice"], "close_account": ["carol", "dave"]}
"""Reviewers from the shipped policy's data.json (finance; support lead + compliance). In
production they decide in `charter console` or with `charter approvals approve`."""


# --- the tools the agent may call ----------------------------------------------------------


@tool
def lookup_order(order_id: str) -> str:
    """Look up the status of a customer's order."""
    return f"Order {order_id}: {ORDERS.get(order_id, 'not found')}"


@tool
def issue_refund(order_id: str, amount: float, currency: str = "TRY") -> str:
    """Refund an amount for an order to the customer's card."""
    return f"Refunded {amount:.2f} {currency} for order {order_id}."


@tool
def close_account(account_id: str) -> str:
    """Close a customer's account (irreversible)."""
    return f"Account {account_id} is closed."


# --- the scenarios and the offline model's script --------------------------------------------


def _call(name: str, **args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{name}"}])


@dataclass(frozen=True)
class Scenario:
    title: str
    customer: str
    script: Sequence[AIMessage] = field(default_factory=tuple)


SCENARIOS = [
    Scenario(
        "PII is redacted before the model and restored in the answer",
        "Where is my order A-1001? Please send the tracking to ayse.yilmaz@example.com.",
        (
            _call("lookup_order", order_id="A-1001"),
            AIMessage("It shipped on 20 Nov (TR-88213); I sent the tracking to <EMAIL_ADDRESS_1>."),
        ),
    ),
    Scenario(
        "A forbidden topic never reaches the model",
        "Which stock should I buy with my savings?",
        (AIMessage("(never sent: the policy refuses before the model runs)"),),
    ),
    Scenario(
        "A small refund runs",
        "Order A-1003 was charged twice, please refund 40 TRY.",
        (
            _call("issue_refund", order_id="A-1003", amount=40),
            AIMessage("Done: 40 TRY is on its way back to your card."),
        ),
    ),
    Scenario(
        "A refund above 500 waits for a finance reviewer",
        "My order A-1002 arrived broken, I want my 900 TRY back.",
        (
            _call("issue_refund", order_id="A-1002", amount=900),
            AIMessage("Your 900 TRY refund was approved and issued."),
        ),
    ),
    Scenario(
        "A refund above the hard limit never runs",
        "Refund 50000 TRY for order A-1003.",
        (
            _call("issue_refund", order_id="A-1003", amount=50000),
            AIMessage("I can't issue that refund here; a colleague will handle it manually."),
        ),
    ),
    Scenario(
        "Closing an account needs two approvals",
        "Please close my account ACC-7.",
        (
            _call("close_account", account_id="ACC-7"),
            AIMessage("Your account ACC-7 is closed."),
        ),
    ),
]


class ScriptedModel(GenericFakeChatModel):
    """The offline stand-in for an LLM: plays a script and remembers what it was sent."""

    sent: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.sent.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


# --- the agent loop --------------------------------------------------------------------------


def run_agent(
    charter: Charter, model: Runnable[Any, Any], tools: Mapping[str, BaseTool], text: str
) -> str:
    """Call the model, run the tools it asks for, repeat until it answers."""
    messages: list[BaseMessage] = [SystemMessage(SYSTEM), HumanMessage(text)]
    for _ in range(6):
        reply = model.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return str(reply.content)
        for call in reply.tool_calls:
            messages.append(run_tool(charter, tools, call))
    return "(the agent stopped after 6 steps)"


def run_tool(charter: Charter, tools: Mapping[str, BaseTool], call: Mapping[str, Any]) -> Any:
    name, call_id = call["name"], call["id"]
    guarded = tools.get(name)
    if guarded is None:
        return ToolMessage(f"There is no tool named {name}.", tool_call_id=call_id, name=name)
    say(f"  tool call: {name}({_args(call['args'])})")
    try:
        result = guarded.invoke({**call, "type": "tool_call"})
    except ApprovalPending as held:
        request = charter.queue.get(held.ticket)
        say(f"  held for approval by rule {request.rule} (ticket {held.ticket})")
        for reviewer in APPROVERS.get(name, []):
            charter.queue.approve(held.ticket, reviewer, reason="checked by the example")
            say(f"  approved by {reviewer}")
        output = charter.resume(held.ticket)  # runs the tool exactly as it was approved, once
        result = ToolMessage(str(output), tool_call_id=call_id, name=name)
    say(f"  tool result: {result.content}")
    return result


# --- wiring ----------------------------------------------------------------------------------


def make_charter(workdir: Path) -> Charter:
    return Charter(
        Settings(
            store_url=f"sqlite:///{workdir / 'charter.db'}",
            app="langchain-agent",
            tenant="anka",
            pii_mode="pattern",
            on_deny="refuse",  # chat users get an explainable refusal, not an error
            telemetry=False,
        )
    )


def real_model() -> BaseChatModel | None:
    """ChatOpenAI when OPENAI_API_KEY is set and langchain-openai is installed."""
    if not os.environ.get("OPENAI_API_KEY"):
        return None
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        say("OPENAI_API_KEY is set but langchain-openai is not installed; using the script")
        return None
    return ChatOpenAI(model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"), temperature=0)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="charter-langchain-") as workdir:
        charter = make_charter(Path(workdir))
        tools = {
            t.name: guard_tool(t, charter=charter)
            for t in (lookup_order, issue_refund, close_account)
        }
        live = real_model()
        say(f"Anka Bank support agent ({'OpenAI' if live else 'offline, scripted'} model)\n")
        for scenario in SCENARIOS:
            say(f"== {scenario.title}")
            say(f"customer: {scenario.customer}")
            scripted = ScriptedModel(messages=iter(scenario.script))
            inner: BaseChatModel = live or scripted
            model = guard_chat_model(inner, charter=charter, provider="openai")
            agent = model.bind_tools(list(tools.values())) if live else model
            answer = run_agent(charter, agent, tools, scenario.customer)
            if not live:
                say(f"  the model was sent: {_first_user_text(scripted.sent)}")
            say(f"assistant: {answer}\n")
        charter.close()
    return 0


def _first_user_text(sent: Sequence[Sequence[BaseMessage]]) -> str:
    if not sent:
        return "nothing (refused before the model)"
    return next(str(m.content) for m in sent[0] if isinstance(m, HumanMessage))


def _args(args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def say(text: str) -> None:
    print(text, file=sys.stdout, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
