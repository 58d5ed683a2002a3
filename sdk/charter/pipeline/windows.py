"""The checks of a stream, one window at a time (`charter.streaming` holds the window;
this is what it asks of the call): a streamed answer's at stage `output`, what a generator
tool yields at stage `tool_result` (`charter.pipeline.tool_results`), as it would be
returned whole.

The decision log gets what the non-streamed path would hold (issue 14 #7): no record per
window (a window may end inside a card number, which detection cannot see yet); the end of
the stream is checked and recorded on the whole answer, as a complete answer is. A window
that denies is recorded with the text it had seen whole: up to the release point, before
the last `stream_window` characters.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from dataclasses import replace
from typing import Protocol

from charter._canonical import valid_text
from charter.decision import Decision, Stage
from charter.pii.url_spans import UrlScan
from charter.pipeline.stages import CallRun, Refused
from charter.pipeline.tool_results import check_tool_texts
from charter.policy.input import with_text
from charter.privacy import Inspected
from charter.streamed_calls import StreamedCalls
from charter.streaming import WindowResult, safe_cut
from charter.tool_calls import argument_texts
from charter.values import RedactOperator

_log = logging.getLogger(__name__)


class StreamedReading(Protocol):
    """A signal's reading of one streamed answer (`charter.signals.refusal.StreamedRefusal`)."""

    @property
    def head_chars(self) -> int: ...

    def read(self, head: str, window: str) -> bool: ...


class WindowChecks:
    """`StreamWindow`'s check for one call: evaluate context + held text, release a safe
    prefix of what is held, redacted and with this caller's placeholders restored."""

    def __init__(self, run: CallRun) -> None:
        self.run = run
        self.tool = run.spec.kind == "tool"
        self.stage = Stage.TOOL_RESULT if self.tool else Stage.OUTPUT
        self.what = "the streamed tool result" if self.tool else "the streamed answer"
        self._refusal = None if self.tool else _streamed_refusal(run.parts.signals)
        self._head = ""
        self._urls = UrlScan()
        """The URLs of the text released so far: one begun in a slice goes on in the next."""

    def __call__(self, context: str, held: str, calls: StreamedCalls | None) -> WindowResult:
        if calls is not None:
            try:
                return self._last_window(held, calls)
            except Refused as refused:  # over a limit: denied unchecked (and recorded)
                return WindowResult(refused.decision, "", 0)
        run, seen = self.run, context + held
        inspected = run.inspect([seen], answer=not self.tool)
        refusal = self._read_refusal(seen, held)
        decision, doc, scores = run.decide(self.stage, inspected, None, seen, refusal=refusal)
        spans = [(f.start - len(context), f.end - len(context)) for f in inspected.findings[0]]
        cut = safe_cut(held, len(held) - run.parts.stream_window, spans)
        if not decision.allowed:
            seen = self._placeholder_view(inspected, len(context) + cut)
            doc = with_text(doc, valid_text(seen))
            run.record(decision, doc, inspected.summaries, scores)
            return WindowResult(decision, "", 0)
        run.streamed.append(held[:cut])
        return WindowResult(decision, self._release(inspected, decision, len(context), cut), cut)

    def reopen(self) -> None:
        """A revision streams on after what was shown: read the answer afresh as the shown
        text and the revision (the withheld draft's opening, and a turn read in it, went
        with the draft); a turn within the shown text still holds."""
        self._refusal = _streamed_refusal(self.run.parts.signals)
        self._head = ""
        shown = "".join(self.run.streamed)
        if self._refusal is not None and shown:
            self._refusal.read(shown, shown)

    def _read_refusal(self, window: str, held: str) -> bool | None:
        """Whether the answer so far is wholly a refusal (None without a refusal reader):
        a window does not hold the answer's opening once the stream is past it."""
        if self._refusal is None:
            return None
        if len(self._head) < self._refusal.head_chars:
            self._head = ("".join(self.run.streamed) + held)[: self._refusal.head_chars]
        return self._refusal.read(self._head, window)

    def _last_window(self, held: str, calls: StreamedCalls) -> WindowResult:
        """The end of a stream: the whole answer, and the arguments of the tool calls it
        proposed, are inspected, evaluated and recorded once, exactly as `check_answer`
        does (a tool's text as `finish_tool` does); what is still held is released from
        them."""
        run = self.run
        before = sum(len(part) for part in run.streamed)
        inspected, decision = checked_whole(run, "".join(run.streamed) + held, calls)
        if not decision.allowed:
            return WindowResult(decision, "", 0)
        released = self._release(inspected, decision, before, len(held))
        arguments = self._arguments(inspected, decision, calls.thought)
        return WindowResult(decision, released, len(held), arguments)

    def _arguments(
        self, inspected: Inspected, decision: Decision, thought: Container[int]
    ) -> tuple[str, ...]:
        """The argument strings (the texts after the answer) redacted and restored, but for
        the reasoning among them (`CallRun.restored`)."""
        if len(inspected.texts) == 1:
            return ()
        part = Inspected(inspected.texts[1:], inspected.findings[1:], (), [], inspected.scope)
        return tuple(self._released(part, decision, thought))

    def _release(self, inspected: Inspected, decision: Decision, offset: int, cut: int) -> str:
        """Text `offset`..`offset + cut` of the inspected text, redacted (findings inside it
        only) and with this caller's placeholders restored."""
        findings = [
            replace(f, start=f.start - offset, end=f.end - offset)
            for f in inspected.findings[0]
            if f.start >= offset and f.end - offset <= cut
        ]
        text = inspected.texts[0][offset : offset + cut]
        part = Inspected([text], [findings], (), [], inspected.scope)
        run = self.run
        redacted = run.parts.privacy.apply(part, decision.redact)[0]
        if run.inspected is None:
            return redacted
        # Every slice goes through the one scan, in order: a placeholder in a URL that an
        # earlier slice began stays, as it does when the answer is restored whole.
        return run.restore(redacted, run.restore_allowed(decision), self._urls)

    def _released(
        self, part: Inspected, decision: Decision, keep: Container[int] = ()
    ) -> list[str]:
        """`part`'s texts redacted as `decision` says, this caller's placeholders restored
        (but at `keep`)."""
        run = self.run
        return run.restored(run.parts.privacy.apply(part, decision.redact), decision, keep)

    def _placeholder_view(self, inspected: Inspected, end: int) -> str:
        """The policy's view (placeholders for every finding) of the first `end` characters."""
        findings = [f for f in inspected.findings[0] if f.end <= end]
        part = Inspected([inspected.texts[0][:end]], [findings], (), [], inspected.scope)
        placeholders = {f.entity_type: RedactOperator.PLACEHOLDER for f in findings}
        return self.run.parts.privacy.apply(part, placeholders)[0]


def record_shown(run: CallRun, ended_by: BaseException) -> None:
    """The output stage's record of a stream that ended before its end was checked: the
    text released so far, checked and recorded as a whole answer is, so the log holds what
    was shown. Labelled by what ended it: its reader stopping (`GeneratorExit`: a client
    gone, a stop button) is `closed_early`; anything else (a cancelled task, a timeout, the
    model's error, a Ctrl-C) is `interrupted`, with the exception's type. A failure here is
    logged: the stream is ending anyway."""
    shown = "".join(run.streamed)
    if not shown:
        return
    if isinstance(ended_by, GeneratorExit):
        why = {"stream": "closed_early"}
    else:
        why = {"stream": "interrupted", "stream_error": type(ended_by).__name__}
    run.record_labels = {**run.record_labels, **why}
    try:
        checked_whole(run, shown, StreamedCalls(()))
    except Exception as exc:  # e.g. the audit store is down: the reader has gone already
        _log.warning("could not record a stream that ended early (%s)", type(exc).__name__)


def checked_whole(run: CallRun, text: str, calls: StreamedCalls) -> tuple[Inspected, Decision]:
    """A stream's text and its calls' arguments, checked and recorded whole: a tool's at
    stage `tool_result`, an answer's at stage `output`."""
    if run.spec.kind == "tool":
        return check_tool_texts(run, [text, *argument_texts(calls.arguments)])
    _, inspected, decision = run.check_output([text], calls.arguments, calls.names)
    return inspected, decision


def _streamed_refusal(signals: object) -> StreamedReading | None:
    """The streamed reading of the refusal signal among `signals`, if there is one (a
    signal that can read a stream window by window has `streamed()`:
    `charter.signals.refusal.RefusalReader`)."""
    for signal in getattr(signals, "signals", ()) or ():
        streamed = getattr(signal, "streamed", None)
        if callable(streamed):
            reading: StreamedReading = streamed()
            return reading
    return None
