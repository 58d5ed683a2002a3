"""The one flow of a guarded call, written once as a generator that yields effects.

    input stage -> enforce -> [wait for approval] -> call -> output stage -> record

The generator never calls the wrapped function, waits or pulls a chunk itself: it yields
`Invoke`, `AwaitApproval`, `Pull` and `Emit` (`charter.pipeline.effects`) and a driver
(`charter.pipeline.drivers`) performs them, synchronously or with `await`. Sync, async,
streaming, tool and resumed calls are therefore the same steps in the same order, and a
fix lands in every mode at once.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from charter._canonical import is_json
from charter.adapters import adapter_for, chunk_text, like_chunk, usage_of
from charter.context import current
from charter.decision import Action, Decision, Stage
from charter.errors import ApprovalPending, ConfigurationError
from charter.pipeline.effects import END, AwaitApproval, Effect, Emit, Invoke, Pull
from charter.pipeline.parts import NO_SPAN, CallSpec, Parts
from charter.pipeline.stages import CallRun, Refused
from charter.privacy import Inspected
from charter.refusal import refusal_text
from charter.streaming import StreamGate, StreamWindow
from charter.values import RedactOperator

Flow = Generator[Effect, Any, Any]


@dataclass(frozen=True)
class Prepared:
    """After the input stage: the (redacted) arguments to call with, and the approval
    request to wait for (with the action it is bound to), if the policy asked for one."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    request: Any = None
    action: dict[str, Any] | None = None


def open_run(parts: Parts, spec: CallSpec) -> tuple[CallRun, Any]:
    """A `CallRun` with its span open (the span's context manager, or None)."""
    ctx = current()
    telemetry = parts.telemetry
    if telemetry is None:
        return CallRun(parts, spec, ctx, NO_SPAN), None
    cm = telemetry.call(
        operation="execute_tool" if spec.kind == "tool" else "chat",
        provider=spec.model.provider,
        model=spec.model.name,
        user=ctx.user,
        tool=spec.tool_name,
    )
    return CallRun(parts, spec, ctx, cm.__enter__()), cm


def close_run(run: CallRun, cm: Any, error: BaseException | None) -> None:
    """End the call: a request's placeholders leave the vault, the span closes (it marks
    failures, not the guard's own answers: a deny or a held call)."""
    if isinstance(error, GeneratorExit):  # the consumer closed the stream early
        error = None
    if run.parts.privacy.enabled and getattr(run.scope, "kind", "") == "request":
        run.parts.privacy.vault.discard(run.scope)  # a request's placeholders die with it
    if cm is not None:
        cm.__exit__(type(error) if error else None, error, None)


def guarded(
    parts: Parts,
    spec: CallSpec,
    bound: inspect.BoundArguments,
    prompt_param: str | None,
    *,
    stream: bool,
) -> Flow:
    """A call of the wrapped function: every check before, the call, every check after."""
    run, cm = open_run(parts, spec)
    error: BaseException | None = None
    try:
        prepared = prepare(run, bound, prompt_param)
        if prepared.request is not None:
            yield from _wait_for_approval(run, prepared)
        if stream:
            yield from _stream(run, prepared)
            return None
        started = time.perf_counter()
        result = yield Invoke(prepared.args, prepared.kwargs)
        run.span.record_call_duration((time.perf_counter() - started) * 1e3)
        return finish(run, result)
    except Refused as refused:
        if stream:
            yield Emit(refused.value)
            return None
        return refused.value
    except BaseException as exc:
        error = exc
        raise
    finally:
        close_run(run, cm, error)


def resumed(parts: Parts, spec: CallSpec, request: Any) -> Flow:
    """A held call, approved: run it exactly as it was bound (the stored, redacted
    arguments), then the output stage as for any call."""
    run, cm = open_run(parts, spec)
    error: BaseException | None = None
    try:
        action = request.action
        run.after_wait(request, action, 0.0)
        arguments = (action.get("call") or {}).get("arguments")
        if arguments is None:
            raise ConfigurationError(
                f"request {request.id}: its arguments were not JSON-serialisable, so it can "
                "only complete in the process that made it"
            )
        result = yield Invoke((), dict(arguments))
        return finish(run, result)
    except Refused as refused:
        return refused.value
    except BaseException as exc:
        error = exc
        raise
    finally:
        close_run(run, cm, error)


def check(parts: Parts, spec: CallSpec, stage: Stage, text: str, arguments: Any) -> Decision:
    """`Charter.check`: the input checks on `text` without calling anything."""
    run = CallRun(parts, spec, current(), NO_SPAN)
    run.bounded(stage, "the text", arguments, [text])
    tool_args = None
    if arguments is not None:
        tool_args = run.inspect_json(_jsonable(dict(arguments))).policy_value
    return run.evaluate(stage, run.inspect([text]), tool_args=tool_args)


# --- the steps -------------------------------------------------------------------------------


def prepare(run: CallRun, bound: inspect.BoundArguments, prompt_param: str | None) -> Prepared:
    """Input stage + enforcement; returns what to call with."""
    stage = Stage.TOOL_CALL if run.spec.kind == "tool" else Stage.INPUT
    if run.ctx.metadata:  # the caller's context goes into the policy input as it is
        run.bounded(stage, "charter.context metadata", run.ctx.metadata)
    if run.spec.kind == "tool":
        return _prepare_tool(run, bound)
    return _prepare_llm(run, bound, prompt_param)


def _prepare_tool(run: CallRun, bound: inspect.BoundArguments) -> Prepared:
    run.bounded(Stage.TOOL_CALL, "tool arguments", bound.arguments)
    view = run.inspect_json(_jsonable(bound.arguments))
    # The policy (and the decision log) see arguments with placeholders, never values.
    decision = run.evaluate(Stage.TOOL_CALL, view, tool_args=view.policy_value)
    if decision.action is Action.DENY:
        raise run.deny(decision)
    if decision.redact:
        bound.arguments.update(view.render(decision.redact))
    if decision.action is not Action.REQUIRE_APPROVAL:
        return Prepared(bound.args, bound.kwargs)
    call = None
    if is_json(bound.arguments):  # else: resumable only in this process
        stored = view.render(decision.redact, default=RedactOperator.PLACEHOLDER)
        call = {"arguments": stored}
    action = run.action(view.policy_text, call, view.policy_value)
    return Prepared(bound.args, bound.kwargs, run.submit_approval(decision, action), action)


def _prepare_llm(run: CallRun, bound: inspect.BoundArguments, prompt_param: str | None) -> Prepared:
    prompt = bound.arguments.get(prompt_param) if prompt_param else None
    adapter = adapter_for(prompt)
    if adapter is None or prompt_param is None:
        raise ConfigurationError(
            f"{run.spec.function}: cannot find the prompt in its arguments; name it with "
            "@guard(prompt='param'), or register an adapter for its type"
        )
    texts = adapter.texts(prompt)
    run.bounded(Stage.INPUT, "the prompt", None, texts)
    run.bounded(Stage.INPUT, "the call's arguments", bound.arguments)
    inspected = run.inspect(texts)
    run.inspected, run.prompt = inspected, prompt
    decision = run.evaluate(Stage.INPUT, inspected)
    run.restore_types = _restore_types(decision)
    if decision.action is Action.DENY:
        raise run.deny(decision)
    privacy = run.parts.privacy
    redacted = privacy.apply(inspected, decision.redact)
    run.prompt_redacted = "\n".join(redacted)
    if redacted != texts:
        bound.arguments[prompt_param] = adapter.replace(prompt, redacted)
    if decision.action is not Action.REQUIRE_APPROVAL:
        return Prepared(bound.args, bound.kwargs)
    # Bound to, and stored as, the placeholder form: reviewers never see raw PII.
    call = None
    if is_json(bound.arguments):  # else: resumable only in this process
        stored = dict(bound.arguments)
        others = {k: v for k, v in stored.items() if k != prompt_param}
        stored.update(privacy.redact_json(others, {"*": RedactOperator.PLACEHOLDER}, run.scope))
        stored[prompt_param] = adapter.replace(prompt, _all_placeholders(run, inspected, decision))
        call = {"arguments": stored}
    action = run.action(inspected.policy_text, call, None)
    return Prepared(bound.args, bound.kwargs, run.submit_approval(decision, action), action)


def _all_placeholders(run: CallRun, inspected: Inspected, decision: Decision) -> list[str]:
    """The prompt as stored for a reviewer: the policy's operators, placeholders for the
    rest, rendered from the findings already made."""
    kinds = {f.entity_type for fs in inspected.findings for f in fs}
    operators = {k: decision.redact.get(k, RedactOperator.PLACEHOLDER) for k in kinds}
    return run.parts.privacy.apply(inspected, operators)


def _wait_for_approval(run: CallRun, prepared: Prepared) -> Flow:
    settings = run.parts.settings
    request = prepared.request
    if settings.approval_mode == "raise":
        raise ApprovalPending(request.id)
    started = time.perf_counter()
    with run.span.stage("charter.approval.wait"):
        request = yield AwaitApproval(request.id, settings.approval_wait_s)
    run.after_wait(request, prepared.action or {}, (time.perf_counter() - started) * 1e3)


def _stream(run: CallRun, prepared: Prepared) -> Flow:
    """Release only text that passed the output checks of every window containing it."""
    source = yield Invoke(prepared.args, prepared.kwargs)
    window = StreamWindow(run.window_check, window=run.parts.stream_window)
    gate = StreamGate(window, run.on_deny)
    received = 0
    while True:
        chunk = yield Pull(source)
        if chunk is END:
            break
        received += len(chunk_text(chunk))
        if received > run.parts.settings.max_text_chars:
            try:  # the answer so far is over the limit: stop, as a denied window does
                run.bounded(Stage.OUTPUT, "the streamed answer", None, chars=received)
            except Refused as refused:
                yield Emit(like_chunk(chunk, refusal_text(refused.decision)))
            return
        for item in gate.push(chunk):
            yield Emit(item)
        if gate.stopped:
            return
    for item in gate.close():
        yield Emit(item)


def finish(run: CallRun, result: Any) -> Any:
    usage = usage_of(result)
    run.span.record_usage(
        usage.input_tokens, usage.output_tokens, usage.finish_reasons, usage.response_model
    )
    if run.spec.kind == "tool":
        return run.finish_tool(result)
    return run.finish_answer(result)


def _restore_types(decision: Decision) -> tuple[str, ...]:
    value = decision.obligations.get("restore_pii") if decision.obligations else None
    return tuple(value) if isinstance(value, list | tuple) else ()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
