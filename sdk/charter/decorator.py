"""`@guard`, `@guard(...)` and `@guard.tool`: wrap a function so each call runs the flow
in `charter.pipeline` with the driver for its kind (sync, async, generator, async
generator). The `Charter` is resolved at call time, so `@charter.guard` works before
`charter.configure()` is called.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, TypeVar, cast, overload

from charter import resume_targets
from charter._shown import shown
from charter.callables import kind_of, qualname, signature_of, through_descriptors, tool_name
from charter.errors import ConfigurationError
from charter.pipeline import (
    CallSpec,
    Parts,
    call_spec,
    guarded,
    held_calls,
    resumed,
    run_async,
    run_async_stream,
    run_resumed,
    run_stream,
    run_sync,
)
from charter.pipeline.binding import spread, takes_keywords
from charter.pipeline.drivers import CheckedAsyncStream, CheckedStream, in_event_loop
from charter.pipeline.parts import OnDeny
from charter.pipeline.prompt_args import INSTRUCTION_PARAMS

F = TypeVar("F", bound=Callable[..., Any])

_PROMPT_NAMES = (
    "prompt",
    "messages",
    "input",
    "contents",
    "text",
    "query",
    "question",
    "message",
)
"""Parameters that hold the prompt, by name: `contents` is google-genai's
(`client.models.generate_content(model=..., contents=...)`)."""
_NOT_PROMPTS = frozenset({"self", "cls", "model", "model_id", "modelId", *INSTRUCTION_PARAMS})
"""Never taken for the prompt when no parameter is named as one: guarding an SDK method
whose first parameter is `model`, the guard read the model's name and sent the prompt
unread; `chat(system_prompt, user_message)` had its instructions scored as the user's
words and the user's text sent unread (found by probing)."""


def resumed_with(resumer: Any, *others: Any) -> None:
    """Guarded entry points of one object (a LangChain wrapper's invoke, stream, ...): a
    call any of them held is completed by `resumer`, and by name they count as one."""
    lead: GuardedFunction = resumer.__charter__
    for other in others:
        member: GuardedFunction = other.__charter__
        member.resumer = lead
        resume_targets.unregister(member.spec.function, member)


class GuardDecorator:
    """`@guard`, `@guard(...)` and `@guard.tool`; resolves its `Charter` at call time."""

    def __init__(self, resolve: Callable[[], Parts]) -> None:
        self.resolve = resolve
        """What each call asks for its `Charter` (what its guarded functions keep)."""

    @overload
    def __call__(self, fn: F) -> F: ...

    @overload
    def __call__(
        self,
        fn: None = None,
        *,
        prompt: str | None = None,
        model: str = "",
        provider: str = "",
        on_deny: OnDeny | None = None,
        resume_key: str | None = None,
    ) -> Callable[[F], F]: ...

    def __call__(
        self,
        fn: Any = None,
        *,
        prompt: str | None = None,
        model: str = "",
        provider: str = "",
        on_deny: OnDeny | None = None,
        resume_key: str | None = None,
    ) -> Any:
        """`resume_key`: the name a held call is stored with (default `module:qualname`),
        for functions that share one: `charter.resume` in another process finds it by it."""
        if prompt is not None and not isinstance(prompt, str):
            raise ConfigurationError(
                f"guard(prompt=...) names the prompt's parameter (a str), got {shown(prompt)}"
            )

        checked = call_spec("guard", "llm", "", model=model, provider=provider, on_deny=on_deny)
        key = _resume_key("guard", resume_key)

        @through_descriptors
        def wrap(f: F) -> F:
            spec = replace(checked, function=key or qualname(f))
            return cast(F, GuardedFunction(f, spec, self.resolve, prompt_param=prompt).wrapper())

        return wrap(fn) if fn is not None else wrap

    def tool(
        self,
        fn: Any = None,
        *,
        name: str | None = None,
        on_deny: OnDeny | None = None,
        resume_key: str | None = None,
    ) -> Any:
        """Guard a tool: stage `tool_call` before it runs, `tool_result` after. `name` is the
        tool's name the policy sees; `resume_key` as in `guard(...)`."""
        checked = call_spec("guard.tool", "tool", "", tool_name=name, on_deny=on_deny)
        key = _resume_key("guard.tool", resume_key)

        @through_descriptors
        def wrap(f: F) -> F:
            first = next(iter(signature_of(f, "guard.tool").parameters), None)
            spec = replace(
                checked,
                function=key or qualname(f),
                tool_name=tool_name(f, name),
                receiver=first if first in ("self", "cls") else None,
            )
            return cast(F, GuardedFunction(f, spec, self.resolve).wrapper())

        return wrap(fn) if fn is not None else wrap


def _named(signature: inspect.Signature) -> list[str]:
    """The parameters a keyword can name (not `**kwargs` itself)."""
    return [p.name for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]


def _stored_arguments(request: Any) -> Mapping[str, Any]:
    """The keywords a held call was stored with; for one that could not be stored, the
    arguments this process kept of it (`held_calls`), else none."""
    call = request.action.get("call") or {}
    stored: Mapping[str, Any] = call.get("arguments") or held_calls.arguments(request)
    return stored


def _resume_key(caller: str, key: object) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip():
        raise ConfigurationError(
            f"{caller}(resume_key=...) takes a non-empty str, got {shown(key)}"
        )
    return key


def _on_hold(target: weakref.ref[GuardedFunction]) -> Callable[[str], None]:
    """Remembers who held a ticket; through a weak reference, so that a guarded closure
    nobody holds on to is freed and stops answering to its name."""

    def on_hold(ticket: str) -> None:
        held_by = target()
        if held_by is not None:
            resume_targets.held(ticket, held_by.resumer or held_by)

    return on_hold


class GuardedFunction:
    """The wrapped function and the pipeline steps around each of its calls."""

    def __init__(
        self,
        fn: Callable[..., Any],
        spec: CallSpec,
        resolve: Callable[[], Parts],
        *,
        prompt_param: str | None = None,
    ) -> None:
        self.fn = fn
        self.spec = replace(spec, on_hold=_on_hold(weakref.ref(self)))
        self.resumer: GuardedFunction | None = None
        """The entry point of the same object that completes its held calls (None: this)."""
        self.resolve = resolve
        self.signature = signature_of(fn, spec.function)
        self.kind = kind_of(fn)
        self.spreads = takes_keywords(self.signature)
        self.names = _named(self.signature)
        """Its parameters by name, read once (a call chooses its prompt among them)."""
        params = self.signature.parameters
        if prompt_param and prompt_param not in params and not self.spreads:
            raise ConfigurationError(  # at decoration: at call time it read "name it"
                f"{spec.function}: @guard(prompt={shown(prompt_param)}) names no parameter of "
                f"the function (it has: {', '.join(params) or 'none'})"
            )
        self.named_prompt = prompt_param
        resume_targets.register(spec.function, self)

    def prompt_of(self, signature: inspect.Signature, passed: Mapping[str, Any]) -> str | None:
        """The prompt's parameter in a call that `passed` these arguments: the one
        `@guard(prompt=...)` names; else, of the prompt's names, the first the caller
        passed (`client.responses.create` takes `prompt`, a stored template's reference,
        beside `input`), else the first the function has; else its first parameter that is
        neither `model` nor instructions (`system_prompt`, ...)."""
        if self.named_prompt or self.spec.kind == "tool":
            return self.named_prompt
        params = self.names if signature is self.signature else _named(signature)
        for name in _PROMPT_NAMES:
            if name in passed and (name in params or self.spreads):
                return name
        for name in _PROMPT_NAMES:
            if name in params:
                return name
        return next((name for name in params if name not in _NOT_PROMPTS), None)

    # --- the wrappers: each picks a driver for the one flow ------------------------------

    def wrapper(self) -> Any:
        fn = self.fn
        if self.kind == "asyncgen":

            @functools.wraps(fn)
            def agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                # A plain function handing back the checked stream: the caller's context
                # is taken here, when it calls, not where and when the stream is read.
                parts = self.resolve()
                flow = self._flow(parts, args, kwargs, stream=True)
                return run_async_stream(flow, fn, parts, contextvars.copy_context())

            out: Any = agen
        elif self.kind == "gen":

            @functools.wraps(fn)
            def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
                parts = self.resolve()
                flow = self._flow(parts, args, kwargs, stream=True)
                return run_stream(flow, fn, parts, contextvars.copy_context())

            out = gen
        elif self.kind == "coroutine":

            @functools.wraps(fn)
            async def acall(*args: Any, **kwargs: Any) -> Any:
                parts = self.resolve()
                if self._asks_stream(kwargs):  # an SDK's stream: checked as it comes
                    streamed = self._flow(parts, args, kwargs, stream=True)
                    caller = contextvars.copy_context()
                    return CheckedAsyncStream(run_async_stream(streamed, fn, parts, caller))
                flow = self._flow(parts, args, kwargs, stream=False)
                return await run_async(flow, fn, parts)

            out = acall
        else:

            @functools.wraps(fn)
            def call(*args: Any, **kwargs: Any) -> Any:
                parts = self.resolve()
                if self._asks_stream(kwargs):  # `create(stream=True)`: checked as it comes
                    streamed = self._flow(parts, args, kwargs, stream=True)
                    caller = contextvars.copy_context()
                    return CheckedStream(run_stream(streamed, fn, parts, caller))
                flow = self._flow(parts, args, kwargs, stream=False)
                return run_sync(flow, fn, parts)

            out = call
        out.__charter__ = self
        return out

    def _asks_stream(self, kwargs: dict[str, Any]) -> bool:
        """An SDK method called with `stream=True` hands back a stream (a tool never)."""
        return self.spec.kind != "tool" and kwargs.get("stream") is True

    def _flow(
        self, parts: Parts, args: tuple[Any, ...], kwargs: dict[str, Any], *, stream: bool
    ) -> Any:
        signature = self.signature
        if self.spreads and kwargs:  # `**kwargs`: the keywords of this call by name
            signature = spread(signature, kwargs)
        bound = signature.bind(*args, **kwargs)
        prompt_param = self.prompt_of(signature, bound.arguments)  # before the defaults
        bound.apply_defaults()
        return guarded(parts, self.spec, bound, prompt_param, stream=stream)

    def resume(self, charter: Parts, request: Any) -> Any:
        """Run the approved action exactly as it was bound (the stored, redacted arguments)."""
        if self.kind == "coroutine" and in_event_loop():
            # Checked before the approval is used: handing back the coroutine to await
            # skipped the output checks (the answer came back unchecked).
            raise ConfigurationError(
                f"{self.spec.function} is a coroutine function and an event loop is running "
                "here: resume it with `await charter.aresume(ticket)`"
            )
        stored = _stored_arguments(request)
        generates = self.kind in ("gen", "asyncgen")
        streams = generates or (stored.get("stream") is True and self.kind == "plain")
        prompt_param = self.prompt_of(self.signature, stored)
        flow = resumed(charter, self.spec, request, prompt_param, stream=streams)
        caller = contextvars.copy_context()  # the resumer's, wherever the stream is read
        if self.kind == "asyncgen":  # the checked chunks, for `async for`
            return run_async_stream(flow, self.fn, charter, caller)
        if streams:  # the checked chunks; the approval is used once the first is asked for
            chunks = run_stream(flow, self.fn, charter, caller)
            return chunks if generates else CheckedStream(chunks)
        return run_resumed(flow, self.fn, charter)

    async def aresume(self, charter: Parts, request: Any) -> Any:
        """`resume` for a coroutine function, awaited in the caller's event loop."""
        stored = _stored_arguments(request)
        flow = resumed(charter, self.spec, request, self.prompt_of(self.signature, stored))
        return await run_async(flow, self.fn, charter)
