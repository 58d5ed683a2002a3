"""The one flow of a guarded call, written once as a generator that yields effects.

    input stage -> enforce -> [wait for approval] -> call -> output stage
        -> [revise: call again with a revision prompt -> output stage]* -> record

The generator never calls the wrapped function, waits or pulls a chunk itself: it yields
`Invoke`, `AwaitApproval`, `Pull` and `Emit` (`charter.pipeline.effects`) and a driver
(`charter.pipeline.drivers`) performs them, synchronously or with `await`. Sync, async,
streaming, tool and resumed calls are therefore the same steps in the same order, and a
fix lands in every mode at once.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Generator
from typing import Any

from charter._canonical import is_json
from charter.attachments import attachments_in
from charter.context import current
from charter.decision import Action, Decision, Stage
from charter.errors import ApprovalPending, PolicyViolation
from charter.pipeline import held_calls
from charter.pipeline.answer_reading import refuse_deferred
from charter.pipeline.binding import as_keywords
from charter.pipeline.effects import END, AwaitApproval, Effect, Emit, Invoke, Pull, timed
from charter.pipeline.holds import (
    after_wait,
    approval_action,
    digestible,
    hold,
    holder_of,
    settled,
    use,
)
from charter.pipeline.own_types import in_own_types
from charter.pipeline.parts import NO_SPAN, CallSpec, Parts
from charter.pipeline.prepared import Prepared
from charter.pipeline.prompt_args import PromptArgs
from charter.pipeline.rechecks import recheck
from charter.pipeline.revise import Reviser
from charter.pipeline.stages import CallRun, Refused
from charter.pipeline.tool_results import finish_tool
from charter.pipeline.unsent import settle_placeholders
from charter.pipeline.windows import WindowChecks, record_shown
from charter.pipeline.withheld_turns import Turns
from charter.privacy import Inspected
from charter.reports import publish
from charter.streamed_calls import streamed_chars
from charter.streaming import StreamGate, StreamWindow
from charter.values import RedactOperator

Flow = Generator[Effect, Any, Any]
_PLACEHOLDERS = {"*": RedactOperator.PLACEHOLDER}


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
        user=parts.pseudonyms.user(ctx.user),  # keyed, as the decision log's
        tool=spec.tool_name,
    )
    span = cm.__enter__()
    try:
        return CallRun(parts, spec, ctx, span), cm
    except BaseException as exc:  # the span is current now: left open, later calls nest in it
        cm.__exit__(type(exc), exc, exc.__traceback__)
        raise


def close_run(run: CallRun, cm: Any, error: BaseException | None) -> None:
    """End the call: a request's placeholders leave the vault, the revision rounds and the
    report go out, the span closes (it marks failures, not the guard's own answers: a deny
    or a held call)."""
    if isinstance(error, GeneratorExit):  # the consumer closed the stream early
        error = None
    settle_placeholders(run, error)  # a request's go, a call's that never ran are taken back
    if run.rounds or run.refused_after_revision:
        run.span.record_revise(len(run.rounds), run.calls, refused=run.refused_after_revision)
    publish(run.report)
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
    return _flow(parts, spec, lambda run: prepare(run, bound, prompt_param), stream=stream)


def resumed(
    parts: Parts,
    spec: CallSpec,
    request: Any,
    prompt_param: str | None = None,
    *,
    stream: bool = False,
) -> Flow:
    """A held call, approved: run it exactly as it was bound (the stored, redacted
    arguments, or the live ones this process kept), then the output stage as for any call
    (a stream's, window by window). What it runs with is found before the approval is
    used: a call that cannot run leaves its approval for one that can."""

    def approved(run: CallRun) -> Prepared:
        settled(run, request, 0.0)
        recheck(run, request, prompt_param)  # the policy again, on what will run
        if request.consumed_at is not None:  # used: the queue refuses it (and records that)
            use(run, request, request.action)
        prepared = _approved_call(request, prompt_param)  # before the approval is used
        use(run, request, request.action)
        return prepared

    return _flow(parts, spec, approved, stream=stream)


def _approved_call(request: Any, prompt_param: str | None) -> Prepared:
    """What an approved call runs with: its stored (redacted) arguments; else, for a call
    that could not be stored, the live ones this process kept (`held_calls`)."""
    arguments = (request.action.get("call") or {}).get("arguments")
    if arguments is not None:
        return Prepared((), dict(arguments), prompt_param=prompt_param)
    live = held_calls.kept(request)
    bound = live.bound
    return Prepared(bound.args, bound.kwargs, bound=bound, prompt_param=live.prompt_param)


def _flow(
    parts: Parts, spec: CallSpec, start: Callable[[CallRun], Prepared], *, stream: bool
) -> Flow:
    """The steps every call shares once `start` has run its input stage (or taken an
    approved call's stored arguments): the approval wait, if it asked for one; the call,
    whole or streamed; the output stage; and, whatever happens, the end of the run."""
    run, cm = open_run(parts, spec)
    error: BaseException | None = None
    try:
        prepared = start(run)
        if prepared.request is not None:
            yield from _wait_for_approval(run, prepared)
        if stream:
            yield from _stream(run, prepared)
            return None
        result = yield from _call(run, prepared.invoke)
        return (yield from finish(run, prepared, result))
    except Refused as refused:
        if stream:
            yield from _emit(run, refused.value)
            return None
        return refused.value
    except BaseException as exc:
        error = exc
        raise
    finally:
        close_run(run, cm, error)


def check(parts: Parts, spec: CallSpec, stage: Stage, text: str, arguments: Any) -> Decision:
    """`Charter.check`: the input checks on `text` without calling anything."""
    run = CallRun(parts, spec, current(), NO_SPAN)
    what = "the text" if arguments is None else "the text and its tool arguments"
    run.bounded(stage, what, arguments, [text])
    tool_args = None
    if arguments is not None:
        view = run.viewed(stage, "tool arguments", dict(arguments), finite=True)
        tool_args = run.inspect_json(view).policy_value
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
    receiver = run.spec.receiver  # a method's self: neither checked nor redacted
    arguments = {k: v for k, v in bound.arguments.items() if k != receiver}
    view = run.inspect_json(run.viewed(Stage.TOOL_CALL, "tool arguments", arguments, finite=True))
    # The policy (and the decision log) see arguments with placeholders, never values.
    decision = run.evaluate(Stage.TOOL_CALL, view, tool_args=view.policy_value)
    if decision.action is Action.DENY:
        raise run.deny(decision)
    if decision.redact:
        for name, redacted in view.render(decision.redact).items():
            bound.arguments[name] = in_own_types(arguments[name], view.value[name], redacted)
    if decision.action is not Action.REQUIRE_APPROVAL:
        return Prepared(bound.args, bound.kwargs, bound=bound)
    call = None
    if receiver is None and is_json(arguments):  # else: resumable only in this process
        stored = view.render(decision.redact, default=RedactOperator.PLACEHOLDER)
        keywords = as_keywords(bound, stored)
        call = {"arguments": keywords} if keywords is not None else None
    real = [view.value, holder_of(run, bound)]
    action = approval_action(run, view.policy_text, call, view.policy_value, real)
    request = hold(run, decision, action, bound)
    return Prepared(bound.args, bound.kwargs, request, action, bound=bound)


def _prepare_llm(run: CallRun, bound: inspect.BoundArguments, prompt_param: str | None) -> Prepared:
    args = PromptArgs.read(bound, prompt_param, run.spec.function)
    texts = args.texts
    run.bounded(Stage.INPUT, "the prompt", None, texts)
    # The prompt's text, just bounded, is not counted twice where the walk meets it: its
    # keys, roles and the other arguments may hold as much again (a chat's limit was about
    # half the setting). Text the walk never reads (inside a plain object) earns no credit.
    rest = "the call's arguments besides the prompt's text"
    run.bounded(Stage.INPUT, rest, bound.arguments, credited=texts)
    run.bounded(Stage.INPUT, "the retrieved passages", None, run.ctx.retrieved)
    turns = Turns.read(run, args)  # earlier turns this caller was refused: not sent again
    inspected = run.inspect(turns.sent(texts))
    run.inspected, run.prompt = inspected, args.prompt
    # `Attached` by its method: isinstance() on a runtime-checkable protocol walks the
    # protocol's members on every call (~10 µs a guarded call), as `scored_texts` notes.
    attached = getattr(args.adapter, "attachments", None)
    found = attached(args.prompt) if callable(attached) else attachments_in(args.prompt)
    run.attachments = [a.policy_value() for a in found]
    scored = turns.scored(inspected.policy_texts)
    decision = run.evaluate(Stage.INPUT, inspected, scored=scored)
    run.restore_types = decision.restore_types
    if decision.action is Action.DENY:
        turns.refused()
        raise run.deny(decision)
    privacy = run.parts.privacy
    redacted = privacy.apply(inspected, decision.redact)
    run.prompt_redacted = inspected.policy_text  # every type found, whatever was sent
    if redacted != texts:
        args.write(bound, redacted)
    if decision.action is not Action.REQUIRE_APPROVAL:
        return Prepared(bound.args, bound.kwargs, bound=bound, prompt_param=args.param)
    # Bound to, and stored as, the placeholder form: reviewers never see raw PII.
    call = None
    # What the placeholders stand for: the texts, the prompt's own fields and the other
    # arguments, JSON or not (an object's fields bind it too).
    others = {k: v for k, v in bound.arguments.items() if k != run.spec.receiver}
    real = [inspected.texts, digestible(others), holder_of(run, bound)]
    stored = as_keywords(bound)
    if stored is not None and is_json(stored):  # else: resumable only in this process
        stored[args.param] = args.prompt_with(_all_placeholders(run, inspected, decision))
        # The rest, the prompt's own fields beside its texts too (a message's `name`, a
        # LangChain call's options and unchecked input keys), gets placeholders as well.
        call = {"arguments": privacy.redact_json(stored, _PLACEHOLDERS, run.scope)}
    action = approval_action(run, inspected.policy_text, call, None, real)
    request = hold(run, decision, action, bound, args.param)
    return Prepared(bound.args, bound.kwargs, request, action, bound, args.param)


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
    after_wait(run, request, prepared.action or {}, (time.perf_counter() - started) * 1e3)


def _call(run: CallRun, invoke: Invoke) -> Flow:
    """Call the wrapped function once (the answer, or a revision); count it and its cost."""
    run.calls += 1
    result = yield from timed(run.model_waited, invoke)
    refuse_deferred(run.spec, result)
    run.model_returned(result)
    return result


def finish(run: CallRun, call: Prepared, result: Any) -> Flow:
    """The output stage on a complete result. On `revise` the model is called again with a
    revision prompt and the rewrite is checked again, until it passes, the policy's rounds
    are spent (refused) or a check denies."""
    if run.spec.kind == "tool":
        return finish_tool(run, result)
    checked = run.check_answer(result)
    reviser: Reviser | None = None
    while checked.decision.action is Action.REVISE:
        reviser = reviser or Reviser(run, call.prompt, call.invoke_with)
        step = reviser.revise(checked.decision, checked.draft(run.parts.privacy))
        if isinstance(step, Decision):
            raise run.deny(step, answer=checked.answer if checked.adapter else None)
        before_ms = run.call_ms
        result = yield from _call(run, step)
        reviser.answered(run.last_usage, run.call_ms - before_ms)
        checked = run.check_answer(result)
        if checked.decision.action is not Action.REVISE:
            reviser.close(checked.decision)
    return run.release_answer(checked)


def _stream(run: CallRun, prepared: Prepared) -> Flow:
    """Release only text that passed the checks of every window containing it (the output
    stage's; a generator tool's, the `tool_result` stage's: `WindowChecks`).

    On `revise` the window's withheld text is dropped (never shown), the model is asked
    again, and the revision streams through the same window. Text already released stays:
    it passed every check of every window that held it. So when part of the answer was
    shown, the model is asked to continue from it; the first window of the revision is
    checked together with the end of what was shown."""
    run.calls += 1
    source = yield from _cut_short(run, prepared.invoke)  # nothing shown yet: nothing recorded
    checks = WindowChecks(run)
    window = StreamWindow(checks, window=run.parts.stream_window)
    gate = StreamGate(window, run.on_deny)
    reviser: Reviser | None = None
    received = 0
    while True:
        chunk = yield from _cut_short(run, Pull(source))
        if chunk is not END:
            received += streamed_chars(chunk)
            if received > run.parts.settings.max_text_chars:
                try:  # the stream so far is over the limit: stop, as a denied window does
                    run.bounded(checks.stage, checks.what, None, chars=received)
                except Refused as refused:
                    for item in gate.refuse(refused.decision, chunk):
                        yield from _emit(run, item)
                return
        try:
            items = gate.close() if chunk is END else gate.push(chunk)
        except PolicyViolation as denied:  # on_deny="raise": the round's verdict is the deny
            if reviser is not None:
                reviser.close(denied.decision)
            raise
        except BaseException as exc:  # a Ctrl-C in a window's check, a chunk it cannot read
            record_shown(run, exc)
            raise
        try:
            for item in items:
                yield from _emit(run, item)
        except BaseException as exc:  # the reader stopped: the end, which records, never comes
            if chunk is not END and gate.refused is None:
                record_shown(run, exc)
            raise
        if gate.refused is not None:  # denied: the refusal was emitted
            if reviser is not None:
                reviser.close(gate.refused)
            return
        revising = gate.revising
        if revising is None:
            if chunk is END:
                if reviser is not None:  # the revision passed its last check
                    reviser.close(gate.verdict or Decision(action=Action.ALLOW, stage=Stage.OUTPUT))
                return
            continue
        reviser = reviser or Reviser(run, prepared.prompt, prepared.invoke_with)
        shown = window.passed
        draft = run.redacted(shown + window.withheld, revising)
        step = reviser.revise(revising, draft, shown=run.redacted(shown, revising))
        if isinstance(step, Decision):
            for item in gate.refuse(step):
                yield from _emit(run, item)
            return
        gate.reopen()
        checks.reopen()
        run.calls += 1
        source = yield from _cut_short(run, step)  # the driver closes the draft's stream first


def _cut_short(run: CallRun, effect: Invoke | Pull) -> Flow:
    """Perform `effect` for a stream; whatever ends the stream there (its task cancelled,
    the model's error, a Ctrl-C) records the text released so far, since the end, which
    records the answer, never comes. The exception goes on unchanged."""
    try:
        return (yield from timed(run.model_waited, effect))
    except BaseException as exc:
        record_shown(run, exc)
        raise


def _emit(run: CallRun, value: Any) -> Flow:
    """Hand `value` to the stream's consumer, with the call's span put aside meanwhile."""
    with run.span.suspended():
        yield Emit(value)
