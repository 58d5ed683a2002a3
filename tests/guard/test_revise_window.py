"""The stream window and gate on a `revise`, with a scripted check: the withheld text is
never released, the window reopens for the revision with the released text as context, and
the draft's chunks without text go with the draft."""

from __future__ import annotations

from charter.decision import Action, Decision
from charter.streaming import StreamGate, StreamWindow, WindowResult

ALLOW = Decision(action=Action.ALLOW)
REVISE = Decision(action=Action.REVISE)


class Script:
    """Releases all but the last 10 held characters; revises when `word` is in view."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.calls: list[tuple[str, str]] = []

    def __call__(self, context: str, held: str, calls: object) -> WindowResult:
        final = calls is not None  # None within the stream; its tool calls at the end
        self.calls.append((context, held))
        if self.word in context + held:
            return WindowResult(REVISE, "", 0)
        cut = len(held) if final else max(len(held) - 10, 0)
        return WindowResult(ALLOW, held[:cut], cut)


def test_a_revise_withholds_the_held_text_and_reopens_after_what_passed() -> None:
    script = Script("promise")
    window = StreamWindow(script, window=20)
    gate = StreamGate(window, "refuse")
    out: list[str] = []
    for piece in ["a harmless opening ", "sentence that passes", " and then I promise ", "it!"]:
        out += gate.push(piece)
        if gate.revising is not None:
            break
    assert gate.revising is REVISE and not gate.stopped
    shown = "".join(out)
    assert shown == window.passed and "promise" not in shown
    assert "promise" in window.withheld
    gate.reopen()
    assert gate.revising is None and gate.verdict is None  # the old decision is acted on
    for piece in [" it depends on the ", "credit check, really."]:
        out += gate.push(piece)
    out += gate.close()
    assert "".join(out) == shown + " it depends on the credit check, really."
    # the revision's first check saw the end of what was shown: the seam is checked
    first_after = script.calls[-2] if len(script.calls) > 1 else script.calls[-1]
    assert first_after[0] and shown.endswith(first_after[0])


def test_the_drafts_chunks_without_text_go_with_the_draft() -> None:
    from langchain_core.messages import AIMessageChunk

    gate = StreamGate(StreamWindow(Script("promise"), window=10), "refuse")
    tool_call = {"name": "x", "args": "{}", "id": "1"}
    tool_chunk = AIMessageChunk(content="", tool_call_chunks=[tool_call])
    assert gate.push(tool_chunk) == []
    for piece in ["I promise", " you a lot"]:
        assert gate.push(AIMessageChunk(content=piece)) == []
    assert gate.revising is REVISE
    gate.reopen()
    assert gate.held == []
    out = gate.push(AIMessageChunk(content="It depends.")) + gate.close()
    assert "".join(c.content for c in out) == "It depends."  # and no tool-call chunk


def test_a_revision_that_is_denied_refuses() -> None:
    class DenyAfterRevise(Script):
        def __call__(self, context: str, held: str, calls: object) -> WindowResult:
            if "secret" in held:
                return WindowResult(Decision(action=Action.DENY), "", 0)
            return super().__call__(context, held, calls)

    gate = StreamGate(StreamWindow(DenyAfterRevise("promise"), window=10), "refuse")
    gate.push("I promise it all")
    gate.close()
    gate.reopen()
    out = gate.push("the secret is out, sorry")
    assert gate.stopped and out[0].startswith("I can't help with that")
    assert gate.verdict is not None and gate.verdict.action is Action.DENY


def test_the_opening_goes_out_first_and_a_revisions_opening_is_dropped() -> None:
    start = {"type": "message_start", "message": {"id": "m1", "content": []}}
    stop = {"type": "message_stop"}

    def text(piece: str) -> dict[str, object]:
        return {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": piece},
        }

    gate = StreamGate(StreamWindow(Script("promise"), window=10), "refuse")
    assert gate.push(start) == []  # held until text is released with it
    out = gate.push(text("a harmless opening sentence ")) + gate.push(text("and I promise"))
    assert out[0] is start and len(out) == 2  # the opening, then the released text
    assert gate.revising is REVISE
    gate.reopen()
    assert gate.push({"type": "message_start", "message": {"id": "m2", "content": []}}) == []
    out += gate.push(text("it depends.")) + gate.push(stop) + gate.close()
    kinds = [c["type"] for c in out]
    assert kinds.count("message_start") == 1 and kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"


def test_a_refusal_before_any_text_went_out_follows_the_opening() -> None:
    class Deny(Script):
        def __call__(self, context: str, held: str, calls: object) -> WindowResult:
            return WindowResult(Decision(action=Action.DENY), "", 0)

    role = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    gate = StreamGate(StreamWindow(Deny("x"), window=5), "refuse")
    assert gate.push(role) == []
    out = gate.push({"choices": [{"index": 0, "delta": {"content": "something long enough"}}]})
    assert out[0] is role and out[1]["choices"][0]["delta"]["content"].startswith("I can")


def test_text_queued_behind_a_call_stays_in_line_through_a_revision() -> None:
    """Text released behind a held call waits for the end (in order with it); a revision
    continues after it, the draft's call goes with the draft."""
    from langchain_core.messages import AIMessageChunk

    window = StreamWindow(Script("promise"), window=10)
    gate = StreamGate(window, "refuse")
    call = AIMessageChunk(content="", tool_call_chunks=[{"name": "x", "args": "{}", "id": "1"}])
    assert gate.push(call) == []
    assert gate.push(AIMessageChunk(content="a harmless opening sentence ")) == []  # queued
    assert gate.push(AIMessageChunk(content="and I promise")) == []
    assert gate.revising is REVISE
    shown = window.passed
    assert shown and "promise" not in shown
    gate.reopen()
    out = gate.push(AIMessageChunk(content=" it depends.")) + gate.close()
    assert all(not c.tool_call_chunks for c in out)  # the draft's call went with it
    assert "".join(c.content for c in out) == shown + " it depends."
