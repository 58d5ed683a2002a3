"""`CharterMiddleware`: Charter's checks inside a LangChain v1 agent (`create_agent`).

    agent = create_agent(model, tools=[lookup_order, issue_refund],
                         middleware=[CharterMiddleware(charter=ch)],
                         checkpointer=InMemorySaver())

- Model calls run through `guard_chat_model`: input checks and PII redaction before the
  model, output checks after it, placeholders restored in the answer.
- Tool calls run through `guard_tool`: stage `tool_call` before the tool, `tool_result`
  after it. A call the policy holds for approval pauses the run with a LangGraph
  `interrupt` whose value carries the approval id (`"approval_id"`); nothing runs.
- A reviewer decides in the console or the CLI (the queue authorizes them by policy). The
  app then resumes with `agent.invoke(Command(resume=approval_id), config)`: approved, the
  tool runs once with exactly the arguments that were approved; rejected, the agent gets a
  tool message with the reviewer's reason. Resuming never decides anything: the queue's
  state does, so resuming early simply pauses again. A turn whose model proposed several
  held calls pauses on one interrupt each; LangGraph refuses a bare resume value then, so
  map each interrupt's id to its approval id:
  `Command(resume={i.id: i.value["approval_id"] for i in state["__interrupt__"]})`.

LangGraph re-runs an interrupted step from its start when it resumes, so the hold must not
be repeated: the approval request is keyed by the thread, the step and the tool call id
(`charter.context(approval_key=...)`), and the re-run finds the same request.

A run with a `thread_id` and no `charter.context(conversation=...)` is that conversation:
its model and tool steps share one placeholder scope, so two tool results that name two
people reach the model as `<EMAIL_ADDRESS_1>` and `<EMAIL_ADDRESS_2>`, not both as `_1`
(found by review; each guarded step numbered its own from 1, telling the model they were
one person).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langgraph.types import Command, interrupt

from charter._canonical import sha256_hex
from charter.approvals.models import ApprovalRequest, ApprovalState, describe_approvers
from charter.context import context, current
from charter.errors import ApprovalPending, ConfigurationError
from charter.guard import Charter, get_charter
from charter.langchain.chat import GuardedChatModel, guard_chat_model
from charter.langchain.tools import GuardedTool, completing, guard_tool
from charter.pipeline.parts import OnDeny

INTERRUPT_TYPE = "charter_approval"
ToolResult = ToolMessage | Command[Any]


class CharterMiddleware(AgentMiddleware):
    """Enforce input, output and tool policy in a `create_agent` agent; held tool calls
    become interrupts that resume once a reviewer decides."""

    def __init__(
        self,
        *,
        charter: Charter | None = None,
        provider: str = "",
        model_name: str = "",
        on_deny: OnDeny | None = None,
    ) -> None:
        """`charter`: the `Charter` to enforce with (default: `charter.get_charter()` at
        call time). `provider` / `model_name`: what the policy sees of the model (default:
        what the model reports). `on_deny`: `raise` PolicyViolation out of the run, or
        `refuse`: the model's turn becomes a refusal and a denied tool call returns the
        refusal as its result, so the agent reads why (default: the Charter's setting)."""
        super().__init__()
        self.charter = charter
        self.provider = provider
        self.model_name = model_name
        self.on_deny = on_deny
        self._models: dict[int, tuple[BaseChatModel, GuardedChatModel]] = {}
        self._tools: dict[int, tuple[BaseTool, GuardedTool]] = {}

    # --- the model ----------------------------------------------------------------------------

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
    ) -> Any:
        with thread_conversation(request.runtime):
            return handler(request.override(model=self._guarded_model(request.model)))

    async def awrap_model_call(
        self,
        request: ModelRequest,
        handler: Callable[[ModelRequest], Awaitable[ModelResponse]],
    ) -> Any:
        with thread_conversation(request.runtime):
            return await handler(request.override(model=self._guarded_model(request.model)))

    def _guarded_model(self, model: BaseChatModel) -> BaseChatModel:
        if isinstance(model, GuardedChatModel):
            return model
        cached = self._models.get(id(model))
        if cached is None or cached[0] is not model:
            guarded = guard_chat_model(
                model,
                charter=self.charter,
                provider=self.provider,
                model_name=self.model_name,
                on_deny=self.on_deny,
            )
            cached = self._models[id(model)] = (model, guarded)
        return cached[1]

    # --- tools --------------------------------------------------------------------------------

    def wrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolResult]
    ) -> ToolResult:
        guarded = self._guarded_tool(request.tool)
        if guarded is None:
            return handler(request)
        key, call = approval_key(request), request.override(tool=guarded)
        with thread_conversation(request.runtime):
            try:
                with context(approval_key=key):
                    return handler(call)
            except ApprovalPending as held:
                outcome = self._after_hold(request, held, key)
            if isinstance(outcome, ToolMessage):
                return outcome
            with completing(outcome):
                return handler(call)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolResult]],
    ) -> ToolResult:
        guarded = self._guarded_tool(request.tool)
        if guarded is None:
            return await handler(request)
        key, call = approval_key(request), request.override(tool=guarded)
        with thread_conversation(request.runtime):
            try:
                with context(approval_key=key):
                    return await handler(call)
            except ApprovalPending as held:
                outcome = self._after_hold(request, held, key)
            if isinstance(outcome, ToolMessage):
                return outcome
            with completing(outcome):
                return await handler(call)

    def _guarded_tool(self, tool: BaseTool | None) -> GuardedTool | None:
        if tool is None or isinstance(tool, GuardedTool):
            return tool
        cached = self._tools.get(id(tool))
        if cached is None or cached[0] is not tool:
            cached = (tool, guard_tool(tool, charter=self.charter, on_deny=self.on_deny))
            self._tools[id(tool)] = cached
        return cached[1]

    def _after_hold(
        self, request: ToolCallRequest, held: ApprovalPending, key: str | None
    ) -> ToolMessage | str:
        """Once the queue decided `held`: the ticket to complete if approved, else the
        refusal the agent reads. Pauses the run (an interrupt) while nobody has decided."""
        if key is None:
            raise _no_thread(held) from held
        decided = self._decided(request, held.ticket)
        if decided.state is not ApprovalState.APPROVED:
            return refused_message(request, decided)
        return held.ticket

    def _decided(self, request: ToolCallRequest, ticket: str) -> ApprovalRequest:
        """Pause until the queue holds a decision on `ticket`. On the first run `interrupt`
        stops the step; when the run resumes it returns and the queue is read again."""
        queue = (self.charter if self.charter is not None else get_charter()).queue
        held: ApprovalRequest = queue.current(ticket)
        while held.state is ApprovalState.PENDING:
            interrupt(interrupt_value(request, held))
            held = queue.current(ticket)
        return held


def interrupt_value(request: ToolCallRequest, held: ApprovalRequest) -> dict[str, Any]:
    """What the paused run shows: the approval to decide and the (redacted) call it is for."""
    tool = held.action.get("tool") or {}
    return {
        "type": INTERRUPT_TYPE,
        "approval_id": held.id,
        "tool_call_id": request.tool_call.get("id"),
        "name": request.tool_call["name"],
        "args": tool.get("arguments", {}),
        "rule": held.rule,
        "reason": held.reason,
        "approvers": describe_approvers(held.approvers),
        "min_approvals": held.min_approvals,
        "expires_at": held.expires_at.isoformat(),
    }


def refused_message(request: ToolCallRequest, held: ApprovalRequest) -> ToolMessage:
    """The tool's result when its approval was rejected, expired or cancelled: the reason,
    for the model to read and act on. The tool did not run."""
    name = request.tool_call["name"]
    if held.state is ApprovalState.REJECTED:
        reasons = "; ".join(v.reason for v in held.votes if v.verdict == "reject" and v.reason)
        why = f"a reviewer rejected it: {reasons}" if reasons else "a reviewer rejected it"
    else:
        why = f"its approval request was {held.state.value}"
    return ToolMessage(
        content=(
            f"The call to {name} did not run: {why} (approval {held.id}). Do not retry it "
            "unless the user asks."
        ),
        tool_call_id=request.tool_call["id"] or "",
        name=name,
        status="error",
    )


def _configurable(runtime: Any) -> dict[str, Any]:
    """The run's `configurable`: a tool's runtime carries its config; a model step reads
    LangGraph's (none outside a graph)."""
    config = getattr(runtime, "config", None)
    if config is None:
        from langgraph.config import get_config

        try:
            config = get_config()
        except RuntimeError:
            return {}
    return dict(config.get("configurable") or {})


def thread_conversation(runtime: Any) -> contextlib.AbstractContextManager[Any]:
    """The run's thread as the conversation of its guarded steps, unless the caller set one
    (`charter.context(conversation=...)` wins): one placeholder scope per thread."""
    thread = _configurable(runtime).get("thread_id")
    if thread is None or current().conversation is not None:
        return contextlib.nullcontext()
    return context(conversation=f"langgraph-thread:{thread}")


def approval_key(request: ToolCallRequest) -> str | None:
    """This tool call's approval key: thread, step and call id, so the step's re-run after
    a pause finds the request it made instead of queueing another. None without a thread
    (no checkpointer: such a run cannot pause)."""
    configurable = _configurable(request.runtime)
    thread = configurable.get("thread_id")
    if thread is None:
        return None
    step = configurable.get("checkpoint_ns", "")
    return sha256_hex([str(thread), str(step), str(request.tool_call.get("id") or "")])


def _no_thread(held: ApprovalPending) -> ConfigurationError:
    return ConfigurationError(
        f"the tool call is held for approval ({held.ticket}); pausing the agent run needs a "
        "checkpointer and a thread: create_agent(..., checkpointer=InMemorySaver()) and "
        'invoke it with config={"configurable": {"thread_id": "..."}}'
    )
