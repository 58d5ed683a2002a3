"""Streaming without leaks: release text only after the window containing it passed the
output checks.

The last `window` characters stay held back, so a phrase or an entity shorter than the
window is always seen whole before any of it leaves; a release point never splits a PII
finding or a placeholder. Checks run when at least `window` new characters arrived (not per
token), and once more at the end.

A check that answers `revise` withholds the held text like a deny, but the stream goes on:
the flow asks the model for a revision and `reopen`s the window for it, keeping the context
of what was already released, so the seam is checked too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from charter._positions import split_like
from charter.chunks import (
    BYTES,
    TextCopies,
    bytes_refused,
    carries_audio,
    carries_snapshot,
    chunk_text,
    like_chunk,
    responses_event,
    responses_part,
    structured_chunk,
    text_boundary,
    unreadable_chunk,
)
from charter.decision import Action, Decision
from charter.errors import ConfigurationError, PolicyViolation
from charter.pii.placeholders import find_placeholders
from charter.streamed_calls import (
    StreamedCalls,
    call_part,
    calls_in,
    carries_calls,
    text_part,
)


@dataclass(frozen=True)
class WindowResult:
    """What one check decided for the held text: the decision, the text to release (after
    redaction/restoration), and where the release stopped in the held text."""

    decision: Decision
    released: str
    consumed: int
    arguments: tuple[str, ...] = ()
    """The last check only: the strings of the streamed tool calls' arguments, as they
    may be released (redacted, placeholders restored)."""


WindowCheck = Callable[[str, str, StreamedCalls | None], WindowResult]
"""check(context, held, calls) -> WindowResult; `context` is recently released text;
`calls` is None for a window within the stream, and at its end the tool calls the stream
proposed (the last check reads their arguments with the whole answer)."""


def _index(held: list[Any], chunk: Any) -> int:
    """Where `chunk` itself (not an equal one) stands in `held`."""
    return next(i for i, c in enumerate(held) if c is chunk)


class StreamWindow:
    def __init__(self, check: WindowCheck, *, window: int = 96) -> None:
        self._check = check
        self.window = window
        self._held = ""
        self._context = ""
        self._since_check = 0
        self._passed: list[str] = []
        self.withheld = ""
        """The held text the last check refused (never released)."""
        self.decisions: list[Decision] = []
        self.arguments: tuple[str, ...] = ()
        self.passed_chars = 0
        """How much of the model's text passed so far."""
        self._open = True
        """Neither denied nor ended: the last check is still owed (`finish`)."""

    @property
    def position(self) -> int:
        """Where the next character fed will stand in the model's text (held text that was
        withheld no longer counts)."""
        return self.passed_chars + len(self._held)

    @property
    def passed(self) -> str:
        """Everything that passed the checks so far, as the model wrote it (the caller got
        it redacted and restored)."""
        return "".join(self._passed)

    def reopen(self) -> None:
        """After a `revise`: take new text (a revision) after what already passed."""
        self.withheld = ""
        self._since_check = 0
        self._open = True

    def feed(self, text: str) -> str:
        """Add a chunk; returns text now safe to release ("" while holding back)."""
        self._held += text
        self._since_check += len(text)
        if len(self._held) <= self.window or self._since_check < self.window:
            return ""
        return self._run()

    def finish(self, calls: StreamedCalls | None = None) -> str:
        """Check and release whatever is left, with the tool calls the stream proposed
        (`arguments` then holds their strings as they may be released). It runs once per
        stream (or revision) not denied before, with nothing held too: an empty answer, or
        one of chunks without text, is checked and recorded as an empty returned answer is
        (found by probing: it skipped the output stage, so a rule against an empty answer
        never ran and the log held the input record only)."""
        if not self._open:
            return ""
        self._open = False
        return self._run(calls=calls if calls is not None else StreamedCalls(()))

    def _run(self, *, calls: StreamedCalls | None = None) -> str:
        self._since_check = 0
        result = self._check(self._context, self._held, calls)
        self.decisions.append(result.decision)
        self.arguments = result.arguments
        if not result.decision.allowed:
            self.withheld, self._held, self._open = self._held, "", False
            return ""
        self._passed.append(self._held[: result.consumed])
        self.passed_chars += result.consumed
        self._context = (self._context + self._held[: result.consumed])[-self.window :]
        self._held = self._held[result.consumed :]
        return result.released


def safe_cut(text: str, cut: int, spans: list[tuple[int, int]]) -> int:
    """Move `cut` left so it splits no span and no placeholder in any spelling restoring reads
    (found by probing: `[EMAIL_ADDRESS_1]` cut in two stayed, whole it was restored)."""
    found = [(occ.start, occ.end) for occ in find_placeholders(text)]
    for start, end in sorted(spans + found, reverse=True):  # a span before may hold the new cut
        if start < cut < end:
            cut = start
    return max(cut, 0)


class StreamGate:
    """What a guarded stream does with each chunk: feed its text to the window, pass on what
    the window released (in the chunk's own type), hold chunks without text (tool calls,
    usage) until the text passed, check the tool calls they propose with the whole answer
    (`charter.streamed_calls`), and stop with a refusal on a deny. On a `revise` it
    releases nothing and reports it (`revising`); the flow decides what follows.

    The chunks that open a stream before any text or call (OpenAI's role chunk,
    Anthropic's `message_start` and `content_block_start`) carry neither, so they go out
    first, with the first text released or the refusal: a consumer that assembles events
    sees them in the model's order. A revision's opening is dropped (the consumer has one).
    Text that comes after a held call or reasoning (a model that reasons or calls before
    it writes) waits in line behind it: it is checked window by window as any text, and
    goes out in order with it at the end; text the model wrote before the call, which the
    window still held when the call came, goes out before it (`_in_line`). Other chunks
    without text (usage, a ping) do not hold the text up: they follow it."""

    def __init__(self, window: StreamWindow, on_deny: str) -> None:
        self.window = window
        self.on_deny = on_deny
        self.template: Any = None
        self.held: list[Any] = []
        self.opening: list[Any] = []
        """Chunks before the first text or call, not yet passed on."""
        self._opened = False
        """A text or a call came since the stream (or the revision) began."""
        self._revised = False
        self._queued: list[Any] = []
        """Released text chunks waiting in `held` behind chunks that came before them."""
        self._tail_at = 0
        """Where in `held` the last text stands: the tail goes there."""
        self._checked_ahead = False
        """A call's or reasoning's fragment is held: text after it waits in line."""
        self.refused: Decision | None = None
        """The deny that stopped the gate (a window's, or one given to `refuse`)."""
        self._seen = 0
        """Decisions of the window before the last `reopen` (already acted on)."""
        self._marks: list[tuple[int, Any, Any]] = []
        """Chunks that stand at a place in the text (`charter.chunks.text_boundary`): where
        in the model's text, the chunk, and the last text chunk before it."""
        self._upto = 0
        """How much of the model's text was released as chunks."""
        self._parts: dict[tuple[int, int], str] = {}
        """The text released into each part of a Responses API answer (`responses_part`):
        what the events that repeat a part's text get (`TextCopies`)."""
        self._came: list[tuple[int, Any, Any]] = []
        """Held chunks that stand at a place in the text (calls and reasoning, and behind
        them a part's start or end) and came while text written before them was still in
        the window: where in the model's text, the chunk, and the last text chunk before
        it. That text goes out before them, not after."""

    def push(self, chunk: Any) -> list[Any]:
        if carries_snapshot(chunk):
            raise ConfigurationError(
                "this stream's events carry the whole answer so far (a `snapshot`, a stop "
                "event's `message`): an SDK stream helper such as client.messages.stream() or "
                "client.responses.stream(). Guard the raw stream (create(..., stream=True)) "
                "or yield from the helper's text_stream"
            )
        if carries_audio(chunk):
            raise ConfigurationError(
                "this stream carries audio (modalities=['audio']): speech cannot be checked "
                "or redacted before it plays. Guard the call without stream=True (the "
                "transcript is checked, and the audio withheld when its words must change) "
                "or ask for text"
            )
        if isinstance(chunk, BYTES):
            raise ConfigurationError(bytes_refused("a stream chunk"))
        if structured_chunk(chunk):
            raise ConfigurationError(
                f"a stream of {type(chunk).__name__} values (a partial structured output): "
                "each carries the answer so far, which cannot be checked window by window. "
                "Guard the call without streaming (the whole value is checked field by "
                "field and comes back as itself), or yield text"
            )
        if unreadable_chunk(chunk):
            keys = ", ".join(sorted(str(k) for k in chunk)[:8]) or "none"
            raise ConfigurationError(
                f"a stream chunk of a shape the guard cannot read (a dict with keys: {keys}): "
                "its text would go out unchecked. Yield text, or the chunks of a supported SDK"
            )
        text = chunk_text(chunk)
        boundary = self._opened and not text and text_boundary(chunk)
        if boundary and not self._checked_ahead:
            self._marks.append((self.window.position, chunk, self.template))
            return []
        if not text and not isinstance(chunk, str):
            fragment, adds = calls_in(chunk)
            self._checked_ahead = self._checked_ahead or fragment
            if self._opened or fragment:
                self._opened = True
                self._hold(chunk, boundary or adds)
            elif not self._revised:
                self.opening.append(chunk)
            return []
        self._opened = True
        call = None
        if carries_calls(chunk):  # text and a call's fragment in one chunk: split them
            self._checked_ahead = True
            call, chunk = call_part(chunk), text_part(chunk)
        self.template = chunk  # the tail goes out in the shape of a chunk that had text
        released = self.window.feed(text)
        if call is not None:  # after its chunk's text, before any that follows
            self._hold(call, True)
        withheld = self._withheld()
        if withheld is not None:
            return [] if withheld.action is Action.REVISE else self.refuse(withheld, chunk)
        if released and self._checked_ahead:  # behind a call or reasoning: in line with it
            for ahead, pieces in self._in_line(released, chunk):
                self._queued.extend(pieces)
                at = len(self.held) if ahead is None else _index(self.held, ahead)
                self.held[at:at] = pieces
        self._tail_at = len(self.held) if self._checked_ahead else 0
        if not released or self._checked_ahead:
            return []
        return [*self._opening(), *self._pieces(released, chunk)]

    def close(self) -> list[Any]:
        calls = StreamedCalls(self.held)
        tail = self.window.finish(calls)
        withheld = self._withheld()
        if withheld is not None:
            return [] if withheld.action is Action.REVISE else self.refuse(withheld)
        placed = [
            (self._tail_at if ahead is None else _index(self.held, ahead), pieces)
            for ahead, pieces in self._in_line(tail, self.template, last=True)
        ]
        held = calls.written(self.window.arguments) if calls else self.held
        held = [*map(TextCopies(self._parts), held)]  # events that repeat the text
        for at, pieces in sorted(placed, key=lambda p: p[0], reverse=True):
            held[at:at] = pieces
        return self._opening() + held

    def _hold(self, chunk: Any, in_text: bool) -> None:
        """Hold `chunk` to the end; `in_text`: it stands at a place in the text (a call,
        reasoning, a part's start behind them), so text written before it goes before it."""
        if in_text and self.window.position > self._upto:
            self._came.append((self.window.position, chunk, self.template))
        self.held.append(chunk)

    def _in_line(
        self, released: str, template: Any, *, last: bool = False
    ) -> list[tuple[Any, list[Any]]]:
        """`released` as chunks in groups, each with the held chunk it goes before (None:
        after all that came so far): the text the model wrote before a call goes before
        it, though the window still held it when the call came."""
        start, end = self._upto, self.window.passed_chars
        ahead = [c for c in self._came if last or c[0] < end]
        self._came = self._came[len(ahead) :]
        later = self._came[0][1] if self._came else None  # came after all of `released`
        if not ahead:
            return [(later, self._pieces(released, template, last=last))]
        texts, ends = self._cut(released, start, end, [at for at, _, _ in ahead])
        out: list[tuple[Any, list[Any]]] = []
        for k, text in enumerate(texts):  # no mark stands after a held call (none is taken)
            before, shape = (ahead[k][1], ahead[k][2]) if k < len(ahead) else (later, template)
            out.append((before, self._pieces(text, shape, upto=ends[k], last=last)))
        return out

    def _pieces(
        self, released: str, template: Any, *, upto: int | None = None, last: bool = False
    ) -> list[Any]:
        """`released` as chunks, with the marks it reaches between them in the model's
        order (a block's stop and the next block's start between the two blocks' texts);
        `upto`: where in the model's text `released` ends (default: all that passed);
        `last`: every mark left too."""
        start = self._upto
        end = self.window.passed_chars if upto is None else upto
        self._upto = end
        due = [m for m in self._marks if last or m[0] <= end]
        self._marks = self._marks[len(due) :]
        after = self._marks[0][2] if self._marks else template  # text before the next mark
        if not due:
            return [self._text_chunk(after, released)] if released else []
        texts, _ = self._cut(released, start, end, [at for at, _, _ in due])
        out: list[Any] = []
        for (_, mark, before), text in zip(due, texts, strict=False):
            if text:
                out.append(self._text_chunk(before, text))
            out.append(TextCopies(self._parts)(mark))  # a part's end: the text it got
        return out + ([self._text_chunk(after, texts[-1])] if texts[-1] else [])

    def _cut(
        self, released: str, start: int, end: int, places: list[int]
    ) -> tuple[list[str], list[int]]:
        """`released` (the model's text from `start` to `end`, as it goes out) cut at
        `places` in the model's text, and where each piece ends there."""
        model = self.window.passed[start:end]
        cuts = [min(max(at - start, 0), len(model)) for at in places]
        pieces = [model[a:b] for a, b in pairwise([0, *cuts, len(model)])]
        return split_like(pieces, released), [start + c for c in [*cuts, len(model)]]

    def _text_chunk(self, template: Any, text: str) -> Any:
        chunk = like_chunk(template, text)
        if responses_event(chunk) is not None:
            part = responses_part(chunk)
            self._parts[part] = self._parts.get(part, "") + text
        return chunk

    @property
    def stopped(self) -> bool:
        return self.refused is not None

    @property
    def verdict(self) -> Decision | None:
        """The newest decision since the last `reopen`, if a check ran."""
        decisions = self.window.decisions
        return decisions[-1] if len(decisions) > self._seen else None

    @property
    def revising(self) -> Decision | None:
        """The `revise` decision that withheld the held text, until `reopen`."""
        withheld = self._withheld()
        return withheld if withheld is not None and withheld.action is Action.REVISE else None

    def reopen(self) -> None:
        """A revision follows: the draft's chunks without text (tool calls, usage) go with
        the draft, the window takes the revision's text."""
        self.held = self._queued[:]  # passed and counted as shown: it stays in line
        self._tail_at, self._checked_ahead = len(self.held), bool(self._queued)
        self._opened, self._revised = False, True
        self._seen = len(self.window.decisions)
        self._marks, self._upto = [], self.window.passed_chars  # the draft's places went
        self._came = []
        self.window.reopen()

    def refuse(self, decision: Decision, chunk: Any = None) -> list[Any]:
        """Stop: raise `PolicyViolation`, or end the stream with a refusal chunk."""
        from charter.refusal import refusal_text

        self.refused = decision
        if self.on_deny == "raise":
            raise PolicyViolation(decision)
        template = text_part(chunk) if chunk is not None else self.template
        shaped = self.held or self.opening  # no text came: shaped like the chunks that did
        if template is None and shaped:
            template = text_part(shaped[0])
        return [*self._opening(), like_chunk(template, refusal_text(decision))]

    def _opening(self) -> list[Any]:
        opening, self.opening = self.opening, []
        return opening

    def _withheld(self) -> Decision | None:
        verdict = self.verdict
        return verdict if verdict is not None and not verdict.allowed else None
