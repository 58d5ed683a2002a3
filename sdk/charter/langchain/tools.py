"""`guard_tool`: a LangChain tool that Charter checks before it runs and after.

The wrapper has the wrapped tool's name, description and argument schema, so models see
the same tool. LangChain validates the arguments; the guard then evaluates stage
`tool_call` on the arguments the model chose (injected arguments such as `ToolRuntime`
or `InjectedToolArg` values are passed to the tool but not shown to the policy), and only
an allowed call runs the wrapped tool. Its result goes through stage `tool_result`; a
`content_and_artifact` tool's artifact with it, as one result `(content, artifact)`:
checked and redacted together (an artifact held the raw page whose content was withheld,
an injection, an e-mail address and an IBAN in it, found by probing), and a refused
result carries no artifact. Called with a tool call, the guarded tool hands back the
wrapped tool's own `ToolMessage`, content and artifact checked: its `status` (an error
LangChain made of a `ToolException` with `handle_tool_error`) and its other fields stay
(found by probing: every result said "success", and a returned message lost its artifact).

A call that needs approval raises `ApprovalPending`; once approved, `charter.resume(ticket)`
runs the wrapped tool with the stored arguments, once. Injected values are not stored (they
are runtime objects), so a resumed call runs without them: the tool's defaults apply. Run
inside `completing(ticket)` (as the agent middleware does when a paused run resumes), the
tool instead completes that approval with the stored arguments and this run's injected
values and config.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Self

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from langchain_core.tools import tool as make_tool
from langchain_core.utils.pydantic import TypeBaseModel
from pydantic import Field, PrivateAttr, model_validator

from charter.decorator import resumed_with
from charter.errors import ApprovalError, ConfigurationError
from charter.guard import Charter, get_charter
from charter.guard import guard as default_guard
from charter.langchain._callbacks import inner_config, untraced
from charter.langchain._calls import MODULE
from charter.langchain._tool_schema import call_id_fields, redaction_refused
from charter.pipeline.parts import OnDeny


@dataclass
class _ToolCall:
    """The parts of one call the guard does not see: config, injected values."""

    tool: BaseTool
    """The wrapped tool this call is for (a resume inside another tool's run ignores it)."""
    config: RunnableConfig | None
    injected: dict[str, Any]
    tool_call_id: str | None
    """The id of the tool call this run answers (LangChain's, or an injected one)."""
    chosen: dict[str, Any] = field(default_factory=dict)
    """The arguments as the model chose them, before the guard redacted any."""
    message: ToolMessage | None = None
    """The wrapped tool's result message, when it gave one: its status and fields stay."""


_CURRENT: ContextVar[_ToolCall | None] = ContextVar("charter_langchain_tool_call", default=None)
_CALL_ID: ContextVar[str | None] = ContextVar("charter_langchain_tool_call_id", default=None)
_COMPLETING: ContextVar[str | None] = ContextVar("charter_langchain_completing", default=None)


@contextmanager
def completing(ticket: str) -> Iterator[None]:
    """Inside the block, a guarded tool's run completes the approved request `ticket` (its
    stored arguments, once: the queue refuses a second use) instead of asking the policy."""
    token = _COMPLETING.set(ticket)
    try:
        yield
    finally:
        _COMPLETING.reset(token)


class GuardedTool(BaseTool):
    """A tool wrapped by Charter. Build it with `guard_tool(...)`."""

    tool: BaseTool
    """The wrapped tool; it runs only after the policy allowed the call."""
    charter: Charter | None = Field(default=None, exclude=True)
    """The `Charter` to enforce with; None: `charter.get_charter()` at call time."""
    on_deny: OnDeny | None = None
    """`raise` PolicyViolation, or return the refusal text as the tool's result (the model
    reads why); None: the Charter's setting."""

    _names: tuple[str, ...] = PrivateAttr(default=())
    _call_id_fields: frozenset[str] = PrivateAttr(default=frozenset())
    _run_guarded: Callable[..., Any] = PrivateAttr()
    _arun_guarded: Callable[..., Any] = PrivateAttr()

    @model_validator(mode="after")
    def _wire(self) -> Self:
        self._connect()
        return self

    def _connect(self) -> None:
        """Read the wrapped tool's arguments and build the guarded entry points."""
        inner = self.tool
        self._names = tuple(inner.args)
        self._call_id_fields = call_id_fields(inner)
        signature = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in self._names]
        )
        sync_fn, async_fn = _entry_points(inner)
        for fn in (sync_fn, async_fn):
            fn.__signature__ = signature  # type: ignore[attr-defined]
            fn.__module__ = MODULE
            fn.__qualname__ = fn.__name__ = f"tool:{inner.name}"
        decorator = self.charter.guard if self.charter is not None else default_guard
        self._arun_guarded = decorator.tool(async_fn, name=inner.name, on_deny=self.on_deny)
        self._run_guarded = decorator.tool(sync_fn, name=inner.name, on_deny=self.on_deny)
        resumed_with(self._run_guarded, self._arun_guarded)  # `charter.resume` runs the sync

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy whose guard matches its (possibly updated) fields."""
        copy = super().model_copy(update=update, deep=deep)
        if update:
            copy._connect()
        return copy

    # --- the wrapped tool's schema ----------------------------------------------------------------

    @property
    def args(self) -> dict[str, Any]:
        return self.tool.args

    @property
    def tool_call_schema(self) -> Any:
        return self.tool.tool_call_schema

    @property
    def is_single_input(self) -> bool:
        return self.tool.is_single_input

    @property
    def _injected_args_keys(self) -> frozenset[str]:
        keys: frozenset[str] = self.tool._injected_args_keys
        return keys

    def get_input_schema(self, config: RunnableConfig | None = None) -> TypeBaseModel:
        return self.tool.get_input_schema(config)

    # --- runs -----------------------------------------------------------------------------------

    def run(self, tool_input: Any, *args: Any, tool_call_id: str | None = None, **kw: Any) -> Any:
        """LangChain's run, knowing the id of the tool call it answers (`_run` is not told)."""
        token = _CALL_ID.set(tool_call_id)
        try:
            return super().run(tool_input, *args, tool_call_id=tool_call_id, **kw)
        finally:
            _CALL_ID.reset(token)

    async def arun(
        self, tool_input: Any, *args: Any, tool_call_id: str | None = None, **kw: Any
    ) -> Any:
        token = _CALL_ID.set(tool_call_id)
        try:
            return await super().arun(tool_input, *args, tool_call_id=tool_call_id, **kw)
        finally:
            _CALL_ID.reset(token)

    def _run(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> Any:
        arguments, call = self._prepare(args, kwargs, inner_config(config))
        token = _CURRENT.set(call)
        try:
            ticket = _COMPLETING.get()
            if ticket is None:
                content = self._run_guarded(**arguments)
            else:
                charter, request, target = self._approved(self._run_guarded, ticket)
                content = target.resume(charter, request)
        finally:
            _CURRENT.reset(token)
        return self._result(content, call)

    async def _arun(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> Any:
        arguments, call = self._prepare(args, kwargs, inner_config(config))
        token = _CURRENT.set(call)
        try:
            ticket = _COMPLETING.get()
            if ticket is None:
                content = await self._arun_guarded(**arguments)
            else:
                charter, request, target = self._approved(self._arun_guarded, ticket)
                content = await target.aresume(charter, request)
        finally:
            _CURRENT.reset(token)
        return self._result(content, call)

    def _approved(self, guarded: Any, ticket: str) -> tuple[Charter, Any, Any]:
        """The request `ticket` and the guarded entry point that completes it; an approval
        made for another tool is refused."""
        charter = self.charter if self.charter is not None else get_charter()
        request = charter.queue.get(ticket)
        target = guarded.__charter__
        if request.action.get("function") != target.spec.function:
            raise ApprovalError(
                f"approval request {ticket} is for {request.action.get('function')!r}, "
                f"not for the tool {self.name!r}"
            )
        return charter, request, target

    def _prepare(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], config: RunnableConfig
    ) -> tuple[dict[str, Any], _ToolCall]:
        """Split the validated input into what the model chose (the policy sees it) and
        what LangChain injected (passed straight to the wrapped tool)."""
        if len(args) > len(self._names):
            raise ToolException(
                f"tool {self.name!r} takes {len(self._names)} argument(s), got {len(args)}"
            )
        values = {**dict(zip(self._names, args, strict=False)), **kwargs}
        injected_keys = set(self._injected_args_keys) | set(self._call_id_fields)
        unknown = sorted(k for k in values if k not in self._names and k not in injected_keys)
        if unknown:
            raise ToolException(
                f"tool {self.name!r} does not take the argument(s) {', '.join(unknown)}; "
                f"it takes {', '.join(self._names) or 'none'}"
            )
        arguments = {k: v for k, v in values.items() if k in self._names}
        injected = {k: v for k, v in values.items() if k not in self._names}
        call_id = next((str(injected[k]) for k in self._call_id_fields if k in injected), None)
        call_id = call_id if call_id is not None else _CALL_ID.get()
        call = _ToolCall(self.tool, config, injected, call_id, chosen=dict(arguments))
        return arguments, call

    def _result(self, checked: Any, call: _ToolCall) -> Any:
        """What LangChain expects back: a `content_and_artifact` tool's checked pair (a
        refusal in its place: the refusal and no artifact), else the checked content; for a
        tool call the wrapped tool answered with a message, that message holding them, which
        LangChain hands on as it is (paired with no artifact where it wants a pair)."""
        paired = self.response_format == "content_and_artifact"
        message = call.message
        content, artifact = checked, None
        pair = isinstance(checked, tuple | list) and len(checked) == 2  # else a refusal
        if pair and _pair_checked(self.tool, message):  # the redacted view: a list
            content, artifact = checked
        if message is None or call.tool_call_id is None:
            return (content, artifact) if paired else content
        update = {"content": content, "artifact": artifact, "tool_call_id": call.tool_call_id}
        answer = message.model_copy(update=update)
        return (answer, None) if paired else answer


def guard_tool(
    tool: BaseTool | Callable[..., Any],
    *,
    charter: Charter | None = None,
    on_deny: OnDeny | None = None,
) -> GuardedTool:
    """Wrap `tool` (a `BaseTool`, or a function, which becomes one via `@tool`) so Charter
    checks each call before the tool runs. The policy sees the tool's name and arguments."""
    if not isinstance(tool, BaseTool):
        if not callable(tool):
            raise ConfigurationError(
                f"guard_tool needs a LangChain BaseTool or a function, got {type(tool).__name__}"
            )
        tool = make_tool(tool)
    return GuardedTool(
        tool=tool,
        charter=charter,
        on_deny=on_deny,
        name=tool.name,
        description=tool.description,
        args_schema=tool.args_schema,
        return_direct=tool.return_direct,
        response_format=tool.response_format,
        handle_tool_error=tool.handle_tool_error,
        handle_validation_error=tool.handle_validation_error,
        tags=tool.tags,
        metadata=tool.metadata,
        extras=getattr(tool, "extras", None),
    )


def _entry_points(inner: BaseTool) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The functions the guard wraps; keyword arguments are the model-chosen ones. On
    `charter.resume` there is no current call: the stored arguments are all there is."""

    def current() -> _ToolCall | None:
        call = _CURRENT.get()
        return call if call is not None and call.tool is inner else None

    def run(**arguments: Any) -> Any:
        call = current()
        payload, config = _payload(inner, arguments, call)
        with untraced(), redaction_refused(inner, arguments, call.chosen if call else {}):
            result = inner.invoke(payload, config)
        return _content(result, call)

    async def arun(**arguments: Any) -> Any:
        call = current()
        payload, config = _payload(inner, arguments, call)
        with untraced(), redaction_refused(inner, arguments, call.chosen if call else {}):
            result = await inner.ainvoke(payload, config)
        return _content(result, call)

    return run, arun


def _payload(
    inner: BaseTool, arguments: dict[str, Any], call: _ToolCall | None
) -> tuple[Any, RunnableConfig | None]:
    values = {**arguments, **(call.injected if call else {})}
    config = call.config if call else inner_config()
    call_id = call.tool_call_id if call else None
    if inner.response_format == "content_and_artifact" or call_id is not None:
        # Only a tool call returns the artifact / satisfies an InjectedToolCallId argument.
        tool_call = {
            "type": "tool_call",
            "name": inner.name,
            "args": values,
            "id": call_id or f"charter-{uuid.uuid4().hex}",
        }
        return tool_call, config
    return values, config


def _content(result: Any, call: _ToolCall | None) -> Any:
    """What the guard checks of the wrapped tool's result: the content, with the artifact
    as `(content, artifact)` when a run will hand one back (`GuardedTool._result`); a
    `charter.resume` outside a run gives the content only, as before."""
    if not isinstance(result, ToolMessage):
        return result
    if call is None:
        return result.content
    call.message = result
    if _pair_checked(call.tool, result):
        return result.content, result.artifact
    return result.content


def _pair_checked(tool: BaseTool, message: ToolMessage | None) -> bool:
    """Whether the guard checks `(content, artifact)`: the tool gives an artifact."""
    paired = tool.response_format == "content_and_artifact"
    return paired or (message is not None and message.artifact is not None)
