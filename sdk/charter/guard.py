"""The `Charter` facade and the `@guard` decorator: what application developers touch.

    charter.configure(policies="policies", app="support-bot")

    @charter.guard(model="gpt-4o", provider="openai")
    def answer(prompt: str) -> str: ...

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str: ...

`@guard` works on sync and async functions and on sync and async generators (streaming).
Each call runs the pipeline in `charter.pipeline`; heavy parts (Presidio, the store, the
OTel SDK) load on first use, never at import.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Literal, TypeVar, cast, overload

from charter._canonical import is_json
from charter.adapters import adapter_for
from charter.config import Settings
from charter.context import current
from charter.decision import Action, Decision, RedactOperator, Stage
from charter.errors import ApprovalPending, ConfigurationError, PolicyViolation
from charter.pipeline import CallSpec, CallState, Pipeline, Refused
from charter.policy.base import PolicyEngine
from charter.policy.input import ModelRef
from charter.privacy import Privacy
from charter.streaming import StreamWindow

F = TypeVar("F", bound=Callable[..., Any])

_ALL_PLACEHOLDERS = {"*": RedactOperator.PLACEHOLDER}
_PROMPT_NAMES = ("prompt", "messages", "input", "text", "query", "question", "message")
_REGISTRY: dict[str, GuardedFunction] = {}


class Charter:
    """One configured SDK instance: policies, PII, approvals, audit and telemetry."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        engine: PolicyEngine | None = None,
        signals: Any | None = None,
        queue: Any | None = None,
        audit: Any | None = None,
        telemetry: Any | None = None,
        vault: Any | None = None,
        stream_window: int = 96,
        **overrides: Any,
    ) -> None:
        # `audit=False`, `telemetry=True`, `engine="http://..."` are settings; objects are the
        # components to use.
        if isinstance(audit, bool):
            overrides["audit"], audit = audit, None
        if isinstance(telemetry, bool):
            overrides["telemetry"], telemetry = telemetry, None
        if isinstance(engine, str):  # "embedded" or an OPA URL: the setting, not an engine
            overrides["engine"], engine = engine, None
        # Explicit arguments > CHARTER_* environment > charter.toml > defaults.
        self.settings = (
            Settings.load(**overrides) if settings is None else settings.with_overrides(**overrides)
        )
        self._engine = engine
        self._signals = signals
        self._queue = queue
        self._audit = audit
        self._telemetry = telemetry
        self._fallback_detector: Any = None
        self._lock = threading.RLock()  # components build on each other (queue -> engine)
        self.privacy = Privacy(
            self.settings.pii_mode,
            tenant=self.settings.tenant,
            vault=vault,
            vault_key=self.settings.vault_key,
            regions=self.settings.pii_regions,
            phone_regions=self.settings.pii_phone_regions or None,
        )
        self.stream_window = stream_window
        self.pipeline = Pipeline(self)
        self.guard = GuardDecorator(lambda: self)

    @classmethod
    def from_env(cls, **overrides: Any) -> Charter:
        """Settings from the environment and charter.toml (the same as `Charter()`)."""
        return cls(None, **overrides)

    # --- components, created on first use ------------------------------------------------

    def _component(self, attr: str, build: Callable[[], Any]) -> Any:
        """Build a component once, on first use, even when threads race for it."""
        value = getattr(self, attr)
        if value is None:
            with self._lock:
                value = getattr(self, attr)
                if value is None:
                    value = build()
                    setattr(self, attr, value)
        return value

    @property
    def engine(self) -> PolicyEngine:
        def build() -> PolicyEngine:
            from charter.policy import make_engine

            return make_engine(self.settings.policies_source, engine=self.settings.engine)

        engine: PolicyEngine = self._component("_engine", build)
        return engine

    @property
    def signals(self) -> Any:
        def build() -> Any:
            from charter.signals import default_signals

            return default_signals()

        return self._component("_signals", build)

    @property
    def queue(self) -> Any:
        def build() -> Any:
            from charter.approvals import ApprovalQueue, PolicyAuthorizer

            return ApprovalQueue(self.settings.store_url, authorizer=PolicyAuthorizer(self.engine))

        return self._component("_queue", build)

    @property
    def audit(self) -> Any:
        if not self.settings.audit and self._audit is None:
            return None

        def build() -> Any:
            from charter.audit import AuditLog
            from charter.audit.writer import AUTO

            where = self.settings.audit_checkpoint_file
            return AuditLog(
                self.settings.store_url,
                mode=self.settings.audit_mode,
                checkpoint_file=None if where == "off" else where or AUTO,
            )

        return self._component("_audit", build)

    @property
    def telemetry(self) -> Any:
        if not self.settings.telemetry and self._telemetry is None:
            return None

        def build() -> Any:
            from charter.telemetry import Telemetry

            s = self.settings
            return Telemetry(
                app=s.app,
                tenant=s.tenant,
                environment=s.environment,
                record_content=s.record_content,
            )

        return self._component("_telemetry", build)

    # --- public operations -----------------------------------------------------------------

    def check(
        self,
        text: str,
        *,
        stage: Stage | str = Stage.INPUT,
        model: str = "",
        provider: str = "",
        tool: str | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> Decision:
        """Run PII detection, signals and the policy on `text` without calling anything."""
        spec = CallSpec(
            kind="tool" if tool else "llm",
            function="charter:check",
            model=ModelRef(provider=provider, name=model),
            tool_name=tool,
        )
        state = CallState(spec=spec, ctx=current(), span=_NO_SPAN)
        decision, _, _ = self.pipeline.evaluate(state, Stage(stage), [text], tool_args=arguments)
        return decision

    def redact(
        self, text: str, *, entities: list[str] | None = None, scope: str | None = None
    ) -> Any:
        """Replace PII in `text` with stable placeholders; `.restore()` puts them back.
        `scope` names a conversation whose placeholders stay stable; None: this call only."""
        from charter.pii import redact

        detector = self.privacy.detector or self._component("_fallback_detector", _pattern)
        findings = detector.detect(text, entities=entities)
        operators = {f.entity_type: RedactOperator.PLACEHOLDER for f in findings}
        return redact(
            text, findings, operators, vault=self.privacy.vault, scope=self.privacy.scope(scope)
        )

    def resume(self, ticket: str, *, timeout_s: float | None = None) -> Any:
        """Complete a call that was held for approval (also after a restart)."""
        request = self.queue.get(ticket)
        if request.state.value == "pending" and timeout_s:
            request = self.queue.wait(ticket, timeout_s)
        function = request.action.get("function", "")
        guarded = _REGISTRY.get(function)
        if guarded is None:
            raise ConfigurationError(
                f"request {ticket} was made by {function!r}, which is not imported in this "
                "process; import the module that defines it, then resume"
            )
        return guarded.resume(self, request)

    def reload(self) -> None:
        """Swap in the current policy bundle atomically; a broken one keeps the old set."""
        self.engine.reload()

    def close(self) -> None:
        if self._audit is not None:
            self._audit.close()
        if self._engine is not None:
            self._engine.close()


def _pattern() -> Any:
    from charter.pii import make_detector

    return make_detector("pattern")


class _NoSpan:
    """Stands in for a telemetry span when telemetry is off."""

    trace_id = ""
    span_id = ""

    def stage(self, name: str) -> Any:
        return _NULL_CTX

    def __getattr__(self, name: str) -> Callable[..., None]:
        return _noop


class _NullCtx:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


_NO_SPAN = _NoSpan()
_NULL_CTX = _NullCtx()


# --- the decorator -------------------------------------------------------------------------


class GuardDecorator:
    """`@guard`, `@guard(...)` and `@guard.tool`; resolves its `Charter` at call time."""

    def __init__(self, resolve: Callable[[], Charter]) -> None:
        self._resolve = resolve

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
        on_deny: Literal["raise", "refuse"] | None = None,
    ) -> Callable[[F], F]: ...

    def __call__(
        self,
        fn: Any = None,
        *,
        prompt: str | None = None,
        model: str = "",
        provider: str = "",
        on_deny: Literal["raise", "refuse"] | None = None,
    ) -> Any:
        def wrap(f: F) -> F:
            spec = CallSpec(
                kind="llm",
                function=_qualname(f),
                model=ModelRef(provider=provider, name=model),
                on_deny=on_deny,
            )
            return cast(F, GuardedFunction(f, spec, self._resolve, prompt_param=prompt).wrapper())

        return wrap(fn) if fn is not None else wrap

    def tool(
        self,
        fn: Any = None,
        *,
        name: str | None = None,
        on_deny: Literal["raise", "refuse"] | None = None,
    ) -> Any:
        """Guard a tool: stage `tool_call` before it runs, `tool_result` after."""

        def wrap(f: F) -> F:
            spec = CallSpec(
                kind="tool", function=_qualname(f), tool_name=name or f.__name__, on_deny=on_deny
            )
            return cast(F, GuardedFunction(f, spec, self._resolve).wrapper())

        return wrap(fn) if fn is not None else wrap


def _qualname(fn: Callable[..., Any]) -> str:
    """`module:qualname`; callable objects are named by their class."""
    qualname = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    module = getattr(fn, "__module__", None) or type(fn).__module__
    return f"{module}:{qualname}"


class GuardedFunction:
    """The wrapped function and the pipeline steps around each of its calls."""

    def __init__(
        self,
        fn: Callable[..., Any],
        spec: CallSpec,
        resolve: Callable[[], Charter],
        *,
        prompt_param: str | None = None,
    ) -> None:
        self.fn = fn
        self.spec = spec
        self.resolve = resolve
        self.signature = inspect.signature(fn)
        self.prompt_param = prompt_param or self._find_prompt_param()
        _REGISTRY[spec.function] = self

    def _find_prompt_param(self) -> str | None:
        if self.spec.kind == "tool":
            return None
        params = list(self.signature.parameters)
        for name in _PROMPT_NAMES:
            if name in params:
                return name
        return params[0] if params else None

    # --- the wrappers -----------------------------------------------------------------------

    def wrapper(self) -> Any:
        fn = self.fn
        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            async def agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                async for item in self._run_async_stream(args, kwargs):
                    yield item

            out: Any = agen
        elif inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
                yield from self._run_stream(args, kwargs)

            out = gen
        elif inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def acall(*args: Any, **kwargs: Any) -> Any:
                return await self._run_async(args, kwargs)

            out = acall
        else:

            @functools.wraps(fn)
            def call(*args: Any, **kwargs: Any) -> Any:
                return self._run(args, kwargs)

            out = call
        out.__charter__ = self
        return out

    # --- before the call (shared) ---------------------------------------------------------

    def _begin(self, charter: Charter) -> tuple[CallState, Any]:
        ctx = current()
        telemetry = charter.telemetry
        if telemetry is None:
            return CallState(spec=self.spec, ctx=ctx, span=_NO_SPAN), None
        cm = telemetry.call(
            operation="execute_tool" if self.spec.kind == "tool" else "chat",
            provider=self.spec.model.provider,
            model=self.spec.model.name,
            user=ctx.user,
            tool=self.spec.tool_name,
        )
        span = cm.__enter__()
        return CallState(spec=self.spec, ctx=ctx, span=span), cm

    def _prepare(
        self, charter: Charter, state: CallState, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any], Any, Any]:
        """Input stage + enforcement. Returns the (redacted) call arguments to use, the
        approval request if one must be waited for, and the action it is bound to."""
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        scope = _scope(charter, state)
        policy_args: dict[str, Any] | None = None
        if self.spec.kind == "tool":
            raw_args = _jsonable(bound.arguments)
            stage, texts, prompt = Stage.TOOL_CALL, [_args_text(raw_args)], None
            # The policy (and the decision log) see arguments with placeholders, never values.
            policy_args = charter.privacy.redact_json(raw_args, _ALL_PLACEHOLDERS, scope)
        else:
            prompt = bound.arguments.get(self.prompt_param) if self.prompt_param else None
            adapter = adapter_for(prompt)
            if adapter is None:
                raise ConfigurationError(
                    f"{self.spec.function}: cannot find the prompt in its arguments; name it with "
                    "@guard(prompt='param'), or register an adapter for its type"
                )
            stage, texts = Stage.INPUT, adapter.texts(prompt)
        decision, inspected, _ = charter.pipeline.evaluate(
            state, stage, texts, tool_args=policy_args, scope=scope
        )
        state.inspected = inspected
        state.prompt = prompt
        state.restore_types = tuple(decision.obligations.get("restore_pii") or ())
        if decision.action is Action.DENY:
            raise charter.pipeline.deny(state, decision, prompt=prompt)
        redacted = charter.privacy.apply(inspected, decision.redact)
        state.prompt_redacted = "\n".join(redacted)
        if self.spec.kind == "tool":
            if decision.redact:
                bound.arguments.update(
                    charter.privacy.redact_json(raw_args, decision.redact, scope)
                )
        elif redacted != texts:
            bound.arguments[self.prompt_param] = adapter_for(prompt).replace(prompt, redacted)  # type: ignore[union-attr, index]
        call_args, call_kwargs = bound.args, bound.kwargs
        if decision.action is Action.REQUIRE_APPROVAL:
            # Bound to, and stored as, the placeholder form: reviewers never see raw PII.
            call = None
            if is_json(bound.arguments):  # else: resumable only in this process
                stored = charter.privacy.redact_json(
                    dict(bound.arguments), _ALL_PLACEHOLDERS, scope
                )
                call = {"arguments": stored}
            action = charter.pipeline.action(state, inspected.policy_texts, call, policy_args)
            request = charter.pipeline.submit_approval(state, decision, action)
            return call_args, call_kwargs, request, action
        return call_args, call_kwargs, None, None

    def _wait_sync(self, charter: Charter, state: CallState, request: Any, action: Any) -> None:
        if charter.settings.approval_mode == "raise":
            raise ApprovalPending(request.id)
        started = time.perf_counter()
        with state.span.stage("charter.approval.wait"):
            request = charter.queue.wait(request.id, charter.settings.approval_wait_s)
        charter.pipeline.after_wait(state, request, action, (time.perf_counter() - started) * 1e3)

    async def _wait_async(
        self, charter: Charter, state: CallState, request: Any, action: Any
    ) -> None:
        if charter.settings.approval_mode == "raise":
            raise ApprovalPending(request.id)
        started = time.perf_counter()
        with state.span.stage("charter.approval.wait"):
            request = await charter.queue.wait_async(request.id, charter.settings.approval_wait_s)
        charter.pipeline.after_wait(state, request, action, (time.perf_counter() - started) * 1e3)

    # --- runs -----------------------------------------------------------------------------------

    def _run(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        charter = self.resolve()
        state, cm = self._begin(charter)
        error: BaseException | None = None
        try:
            call_args, call_kwargs, request, action = self._prepare(charter, state, args, kwargs)
            if request is not None:
                self._wait_sync(charter, state, request, action)
            result = self.fn(*call_args, **call_kwargs)
            return self._finish(charter, state, result)
        except Refused as refused:
            return refused.value
        except BaseException as exc:
            error = exc
            raise
        finally:
            _end(state, cm, error, charter)

    async def _run_async(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        charter = self.resolve()
        state, cm = self._begin(charter)
        error: BaseException | None = None
        try:
            call_args, call_kwargs, request, action = self._prepare(charter, state, args, kwargs)
            if request is not None:
                await self._wait_async(charter, state, request, action)
            result = await self.fn(*call_args, **call_kwargs)
            return self._finish(charter, state, result)
        except Refused as refused:
            return refused.value
        except BaseException as exc:
            error = exc
            raise
        finally:
            _end(state, cm, error, charter)

    def _finish(self, charter: Charter, state: CallState, result: Any) -> Any:
        from charter.adapters import usage_of

        usage = usage_of(result)
        state.span.record_usage(
            usage.input_tokens, usage.output_tokens, usage.finish_reasons, usage.response_model
        )
        if self.spec.kind == "tool":
            return self._finish_tool(charter, state, result)
        return charter.pipeline.finish_answer(state, result, prompt=state.prompt)

    def _finish_tool(self, charter: Charter, state: CallState, result: Any) -> Any:
        text = result if isinstance(result, str) else _args_text(result)
        decision, inspected, _ = charter.pipeline.evaluate(
            state,
            Stage.TOOL_RESULT,
            [text],
            scope=state.inspected.scope if state.inspected else None,
        )
        if decision.action in (Action.DENY, Action.REQUIRE_APPROVAL):
            raise charter.pipeline.deny(state, decision)
        if decision.redact:
            if isinstance(result, str):
                return charter.privacy.apply(inspected, decision.redact)[0]
            return _redact_value(charter, result, decision, inspected.scope)
        return result

    def _run_stream(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Iterator[Any]:
        charter = self.resolve()
        state, cm = self._begin(charter)
        error: BaseException | None = None
        try:
            call_args, call_kwargs, request, action = self._prepare(charter, state, args, kwargs)
            if request is not None:
                self._wait_sync(charter, state, request, action)
            gate = self._gate(charter, state)
            for chunk in self.fn(*call_args, **call_kwargs):
                yield from gate.push(chunk)
                if gate.stopped:
                    return
            yield from gate.close()
        except Refused as refused:
            yield refused.value
        except BaseException as exc:
            error = exc
            raise
        finally:
            _end(state, cm, error, charter)

    async def _run_async_stream(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> AsyncIterator[Any]:
        charter = self.resolve()
        state, cm = self._begin(charter)
        error: BaseException | None = None
        try:
            call_args, call_kwargs, request, action = self._prepare(charter, state, args, kwargs)
            if request is not None:
                await self._wait_async(charter, state, request, action)
            gate = self._gate(charter, state)
            async for chunk in self.fn(*call_args, **call_kwargs):
                for item in gate.push(chunk):
                    yield item
                if gate.stopped:
                    return
            for item in gate.close():
                yield item
        except Refused as refused:
            yield refused.value
        except BaseException as exc:
            error = exc
            raise
        finally:
            _end(state, cm, error, charter)

    def _gate(self, charter: Charter, state: CallState) -> _StreamGate:
        window = StreamWindow(
            lambda c, h, f: charter.pipeline.window_check(state, c, h, f),
            window=charter.stream_window,
        )
        return _StreamGate(window, self.spec.on_deny or charter.settings.on_deny)

    # --- resume after approval ------------------------------------------------------------------

    def resume(self, charter: Charter, request: Any) -> Any:
        """Run the approved action exactly as it was bound (the stored, redacted arguments)."""
        action = request.action
        ctx_state, cm = self._begin(charter)
        error: BaseException | None = None
        try:
            charter.pipeline.after_wait(ctx_state, request, action, 0.0)
            arguments = (action.get("call") or {}).get("arguments")
            if arguments is None:
                raise ConfigurationError(
                    f"request {request.id}: its arguments were not JSON-serialisable, so it can "
                    "only complete in the process that made it"
                )
            result = self.fn(**arguments)
            if asyncio.iscoroutine(result):
                result = asyncio.run(result) if not _in_loop() else result
            if self.spec.kind == "tool":
                return self._finish_tool(charter, ctx_state, result)
            return charter.pipeline.finish_answer(ctx_state, result, prompt=None)
        except Refused as refused:
            return refused.value
        except BaseException as exc:
            error = exc
            raise
        finally:
            _end(ctx_state, cm, error, charter)


class _StreamGate:
    """What both streaming wrappers do with each chunk: feed its text to the window, pass on
    what the window released (in the chunk's own type), hold chunks without text (tool
    calls, usage) until the text passed, and stop with a refusal on a deny."""

    def __init__(self, window: StreamWindow, on_deny: str) -> None:
        self.window = window
        self.on_deny = on_deny
        self.template: Any = None
        self.held: list[Any] = []
        self.stopped = False

    def push(self, chunk: Any) -> list[Any]:
        self.template = chunk
        text = _chunk_text(chunk)
        if not text and not isinstance(chunk, str):
            self.held.append(chunk)
            return []
        released = self.window.feed(text)
        denied = self._denied()
        if denied is not None:
            return self._refuse(denied, chunk)
        return [_like_chunk(chunk, released)] if released else []

    def close(self) -> list[Any]:
        tail = self.window.finish()
        denied = self._denied()
        if denied is not None:
            return self._refuse(denied, self.template)
        return ([_like_chunk(self.template, tail)] if tail else []) + self.held

    def _denied(self) -> Decision | None:
        decisions = self.window.decisions
        return decisions[-1] if decisions and not decisions[-1].allowed else None

    def _refuse(self, decision: Decision, chunk: Any) -> list[Any]:
        from charter.refusal import refusal_text

        self.stopped = True
        if self.on_deny == "raise":
            raise PolicyViolation(decision)
        return [_like_chunk(chunk, refusal_text(decision))]


def _in_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _end(state: CallState, cm: Any, error: BaseException | None, charter: Charter) -> None:
    if isinstance(error, GeneratorExit):  # the consumer closed the stream early
        error = None
    if error is not None and not isinstance(error, PolicyViolation | ApprovalPending):
        state.span.record_error(error)
    scope = state.inspected.scope if state.inspected is not None else None
    if charter.privacy.mode != "off" and getattr(scope, "kind", "") == "request":
        charter.privacy.vault.discard(scope)  # a request's placeholders die with it
    if cm is not None:
        cm.__exit__(type(error) if error else None, error, None)


def _scope(charter: Charter, state: CallState) -> Any:
    return charter.privacy.scope(state.ctx.conversation, subject=state.ctx.user)


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


def _args_text(value: Any) -> str:
    import json

    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def _redact_value(charter: Charter, value: Any, decision: Decision, scope: Any) -> Any:
    return charter.privacy.redact_json(value, decision.redact, scope)


def _chunk_text(chunk: Any) -> str:
    if isinstance(chunk, str):
        return chunk
    content = getattr(chunk, "content", None)
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # LangChain content blocks
        return "".join(
            str(p.get("text", "")) if isinstance(p, Mapping) else str(p) for p in content
        )
    if isinstance(chunk, Mapping):
        choices = chunk.get("choices") or [{}]
        delta = choices[0].get("delta") or {}
        return str(delta.get("content") or "")
    return str(chunk)


def _like_chunk(template: Any, text: str) -> Any:
    if template is None or isinstance(template, str):
        return text
    if hasattr(template, "model_copy") and hasattr(template, "content"):
        return template.model_copy(update={"content": text})
    return text


# --- the process-wide default instance --------------------------------------------------------

_DEFAULT: Charter | None = None
_DEFAULT_LOCK = threading.Lock()


def configure(settings: Settings | None = None, **kwargs: Any) -> Charter:
    """Set up the default `Charter` that `@charter.guard` uses. Returns it."""
    global _DEFAULT
    instance = Charter(settings, **kwargs)
    with _DEFAULT_LOCK:
        old, _DEFAULT = _DEFAULT, instance
    if old is not None:
        old.close()
    return instance


def get_charter() -> Charter:
    """The default instance (from charter.toml and `CHARTER_*` variables on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Charter.from_env()
    return _DEFAULT


def resume(ticket: str, *, timeout_s: float | None = None) -> Any:
    return get_charter().resume(ticket, timeout_s=timeout_s)


guard = GuardDecorator(get_charter)
