"""The stream window on its own, with a scripted check: when it checks, what it shows the
check, and that every character is released exactly once, or not at all after a deny."""

from __future__ import annotations

from charter.decision import Action, Decision
from charter.refusal import PREFIX
from charter.streaming import StreamGate, StreamWindow, WindowResult

ALLOW = Decision(action=Action.ALLOW)
DENY = Decision(action=Action.DENY)


class Script:
    """Allows, releasing all but the last `keep` held characters; denies when told to."""

    def __init__(self, keep: int = 0, deny_on: str | None = None) -> None:
        self.keep = keep
        self.deny_on = deny_on
        self.calls: list[tuple[str, str, bool]] = []

    def __call__(self, context: str, held: str, calls: object) -> WindowResult:
        final = calls is not None  # None within the stream; its tool calls at the end
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


def _openai_chunks(content: list[str | None], finish: str = "stop") -> list[dict]:
    chunks = [{"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]}]
    chunks += [{"choices": [{"delta": {"content": c}, "finish_reason": None}]} for c in content]
    return [*chunks, {"choices": [{"delta": {}, "finish_reason": finish}]}]


def test_openai_chunks_come_back_as_openai_chunks_dicts_or_sdk_objects() -> None:
    """main: an SDK chunk object (attributes, not keys) went through as its repr text, and
    a dict chunk came back as a bare str, so `chunk["choices"]` failed on it."""
    from types import SimpleNamespace

    def as_object(value: object) -> object:  # the SDK's chunks are mutable models
        if isinstance(value, dict):
            return SimpleNamespace(**{k: as_object(v) for k, v in value.items()})
        if isinstance(value, list):
            return [as_object(v) for v in value]
        return value

    for shape in (lambda c: c, as_object):
        sent = [shape(c) for c in _openai_chunks(["Hello ", None, "there, how can I ", "help?"])]
        gate = StreamGate(StreamWindow(Script(), window=10), "refuse")
        out = [released for chunk in sent for released in gate.push(chunk)] + gate.close()
        texts = [_delta(c).get("content") for c in out]
        assert "".join(t for t in texts if t) == "Hello there, how can I help?"
        assert all(type(c) is type(sent[0]) for c in out)  # the exact shape
        finishes = [_choice(c).get("finish_reason") for c in out]
        assert finishes.count("stop") == 1 and finishes[-1] == "stop"  # once, at the end
        assert [_delta(c).get("content") for c in sent][1:3] == ["Hello ", None]  # not mutated


def _choice(chunk: object) -> dict:
    choice = chunk["choices"][0] if isinstance(chunk, dict) else chunk.choices[0]  # type: ignore[attr-defined]
    return choice if isinstance(choice, dict) else vars(choice)


def _delta(chunk: object) -> dict:
    delta = _choice(chunk)["delta"]
    return delta if isinstance(delta, dict) else vars(delta)


def test_a_none_chunk_is_no_text() -> None:
    """main: a stream yielding `delta.content` (None on the last OpenAI chunk) put the word
    "None" into the answer."""
    gate = StreamGate(StreamWindow(Script(), window=5), "refuse")
    out = [r for chunk in ["Hello ", None, "world"] for r in gate.push(chunk)] + gate.close()
    assert "".join(c for c in out if c is not None) == "Hello world"
    assert out[-1] is None  # passed on, after the text, as chunks without text are


def test_the_tail_is_not_sent_in_a_copy_of_a_usage_chunk() -> None:
    """main: the text held at the end went out in a copy of the *last* chunk, which for a
    LangChain stream is the usage chunk, so the tokens were counted twice."""
    from langchain_core.messages import AIMessageChunk

    gate = StreamGate(StreamWindow(Script(), window=100), "refuse")
    usage = AIMessageChunk(
        content="", usage_metadata={"input_tokens": 5, "output_tokens": 9, "total_tokens": 14}
    )
    out = gate.push(AIMessageChunk(content="short answer")) + gate.push(usage) + gate.close()
    assert "".join(str(c.content) for c in out) == "short answer"
    assert [c.usage_metadata is not None for c in out] == [False, True]


def test_a_stream_without_text_gets_its_last_check_once() -> None:
    """found by probing: a stream that ended with nothing held (no text, or chunks without
    any) skipped the last check, so its answer was never checked or recorded."""
    script = Script()
    window = StreamWindow(script, window=10)
    assert window.finish() == ""
    assert script.calls == [("", "", True)]
    assert window.finish() == ""  # once: the end was checked
    assert len(script.calls) == 1
    window.reopen()  # a revision that writes nothing is checked at its own end
    window.finish()
    assert len(script.calls) == 2


def test_a_denied_stream_of_chunks_without_text_refuses_in_their_shape() -> None:
    """OpenAI's role and finish chunks carry no text; the end's deny goes out as a chunk of
    theirs, not a bare str among dicts (`chunk["choices"]` fails on a str)."""
    gate = StreamGate(StreamWindow(Script(deny_on=""), window=10), "refuse")
    out = [r for chunk in _openai_chunks([]) for r in gate.push(chunk)] + gate.close()
    assert gate.stopped and all(isinstance(c, dict) for c in out)
    assert str(_delta(out[-1]).get("content")).startswith(PREFIX)
