"""The stream window on its own, with a scripted check: when it checks, what it shows the
check, and that every character is released exactly once, or not at all after a deny."""

from __future__ import annotations

from charter.decision import Action, Decision
from charter.streaming import StreamGate, StreamWindow, WindowResult

ALLOW = Decision(action=Action.ALLOW)
DENY = Decision(action=Action.DENY)


class Script:
    """Allows, releasing all but the last `keep` held characters; denies when told to."""

    def __init__(self, keep: int = 0, deny_on: str | None = None) -> None:
        self.keep = keep
        self.deny_on = deny_on
        self.calls: list[tuple[str, str, bool]] = []

    def __call__(self, context: str, held: str, final: bool) -> WindowResult:
        self.calls.append((context, held, final))
        if self.deny_on is not None and self.deny_on in context + held:
            return WindowResult(DENY, "", 0)
        cut = len(held) if final else max(len(held) - self.keep, 0)
        return WindowResult(ALLOW, held[:cut], cut)


def test_checks_run_once_a_window_of_new_text_arrived_and_release_everything_once() -> None:
    script = Script(keep=10)
    window = StreamWindow(script, window=30)
    text = "".join(f"{i:02d}abcdefgh" for i in range(12))  # 120 characters
    released = [window.feed(text[i : i + 10]) for i in range(0, len(text), 10)]
    released.append(window.finish())
    assert "".join(released) == text  # nothing lost, nothing twice
    # a check when more than a window is held and a window of new text came in
    assert [len(held) for _, held, _ in script.calls] == [40, 40, 40, 30]
    assert [final for _, _, final in script.calls] == [False, False, False, True]
    # each check sees the text released just before it as context
    assert script.calls[1][0] == text[:30] and script.calls[2][0] == text[30:60]


def test_a_window_holding_back_much_text_waits_for_a_window_of_new_text() -> None:
    script = Script(keep=25)  # each check releases little: the held text stays large
    window = StreamWindow(script, window=30)
    text = "abcdefghij" * 12
    for i in range(0, len(text), 10):
        window.feed(text[i : i + 10])
    # checks at 40 held characters, then only once 30 new ones arrived (not on every chunk)
    assert [len(held) for _, held, _ in script.calls] == [40, 55, 55]
    assert window.finish() == text[-45:]  # what was held back, released at the end


def test_after_a_deny_nothing_more_is_released() -> None:
    script = Script(deny_on="secret")
    window = StreamWindow(script, window=20)
    first = window.feed("a harmless start that is long enough ")
    assert first == "a harmless start that is long enough "
    assert window.feed("and the secret is 42, told in a long sentence") == ""
    assert window.decisions[-1].action is Action.DENY
    checks = len(script.calls)
    assert window.finish() == ""
    assert len(script.calls) == checks  # the withheld text is gone, not checked again


def test_the_gate_answers_in_the_chunks_own_type() -> None:
    from langchain_core.messages import AIMessageChunk

    gate = StreamGate(StreamWindow(Script(), window=10), "refuse")
    out = []
    usage = AIMessageChunk(
        content="", usage_metadata={"input_tokens": 5, "output_tokens": 9, "total_tokens": 14}
    )
    for chunk in ["Hello ", "there, ", usage, "how can ", "I help ", "you today?"]:
        out += gate.push(AIMessageChunk(content=chunk) if isinstance(chunk, str) else chunk)
    out += gate.close()
    assert all(isinstance(chunk, AIMessageChunk) for chunk in out)
    assert "".join(chunk.content for chunk in out) == "Hello there, how can I help you today?"
    assert out[-1] is usage  # a chunk without text is held until the text passed


def test_a_refusal_at_the_end_of_a_stream_keeps_the_chunks_type_and_stops_the_gate() -> None:
    from langchain_core.messages import AIMessageChunk

    gate = StreamGate(StreamWindow(Script(deny_on="secret"), window=100), "refuse")
    assert gate.push(AIMessageChunk(content="the secret is 42")) == []  # held: under a window
    [refusal] = gate.close()  # the last check denies
    assert isinstance(refusal, AIMessageChunk) and "secret" not in str(refusal.content)
    assert gate.stopped  # the flow reads no further chunk from the model
