"""The tool calls a *streamed* answer proposes go through the output checks, as a whole
answer's do (`tests/adversarial/test_model_tool_calls.py`).

A stream proposes a call in fragments: `delta.tool_calls[j].function.arguments` a few
characters per chunk. The gate held those chunks until the text passed, then released
them unchecked. Each test below fails on the previous code (at bf146a4):
- a card number split across argument fragments reached the agent as the model wrote it;
- harmful instructions in an argument passed, where the same text as the answer is refused;
- a placeholder the model copied into an argument stayed a placeholder;
- a chunk that held text *and* a call's fragment went out with the fragment unchecked.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from charter.errors import PolicyViolation
from charter.guard import Charter

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"


def _delta(index: int = 0, **delta: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}


def _call_chunks(arguments: dict[str, Any], size: int = 7, *, text: str = "") -> list[Any]:
    """An OpenAI stream: optional text, then one call's arguments in `size`-character
    fragments, then the finishing chunk."""
    raw = json.dumps(arguments)
    chunks = [_delta(content=text[i : i + 20]) for i in range(0, len(text), 20)]
    head = {"index": 0, "id": "t1", "type": "function", "function": {"name": "send_email"}}
    chunks.append(_delta(tool_calls=[{**head, "function": {**head["function"], "arguments": ""}}]))
    for i in range(0, len(raw), size):
        chunks.append(
            _delta(tool_calls=[{"index": 0, "function": {"arguments": raw[i : i + size]}}])
        )
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    return chunks


def _joined(chunks: list[Any]) -> tuple[str, dict[str, Any] | None]:
    """What an agent assembles: the text, and the call's arguments (None: no call)."""
    text, arguments, called = "", "", False
    for chunk in chunks:
        if isinstance(chunk, str):
            text += chunk
            continue
        for choice in chunk["choices"]:
            delta = choice["delta"]
            text += delta.get("content") or ""
            for call in delta.get("tool_calls") or ():
                called = True
                arguments += call["function"].get("arguments") or ""
    return text, (json.loads(arguments) if called else None)


def _stream(
    charter: Charter, chunks: list[Any], prompt: str = "remind billing", **kw: Any
) -> list[Any]:
    sent: list[str] = []

    @charter.guard(model="m", provider="openai", **kw)
    def model(prompt: str) -> Iterator[Any]:
        sent.append(prompt)
        yield from chunks

    return list(model(prompt))


def test_a_card_split_across_argument_fragments_is_masked(charter: Charter) -> None:
    out = _stream(charter, _call_chunks({"to": "billing", "body": f"card {CARD} expires"}, 5))
    _, arguments = _joined(out)
    assert arguments is not None and CARD not in arguments["body"]
    assert arguments["body"].endswith("1111 expires") and arguments["to"] == "billing"
    assert CARD.replace(" ", "") not in json.dumps(out)  # in no fragment either


def test_harmful_arguments_in_a_stream_are_refused_and_no_call_goes_out(
    charter: Charter,
) -> None:
    chunks = _call_chunks({"body": HARMFUL}, text="I will send that now.")
    with pytest.raises(PolicyViolation) as denied:
        _stream(charter, chunks)
    assert denied.value.decision.stage.value == "output"

    out = _stream(charter, chunks, on_deny="refuse")
    text, arguments = _joined(out)
    assert arguments is None and text.startswith("I can't help with that")
    assert "I will send" not in text  # the text held with the call is withheld with it
    assert all(isinstance(c, dict) for c in out)  # shaped like the stream's chunks


def test_a_stream_of_only_a_refused_call_ends_in_a_chunk_shaped_refusal(charter: Charter) -> None:
    out = _stream(charter, _call_chunks({"body": HARMFUL}), on_deny="refuse")
    text, arguments = _joined(out)
    assert arguments is None and text.startswith("I can't help with that")
    assert all(isinstance(c, dict) for c in out)


def test_a_placeholder_split_across_fragments_is_restored(charter: Charter) -> None:
    sent: list[str] = []

    @charter.guard(model="m", provider="openai")
    def model(prompt: str) -> Iterator[Any]:
        sent.append(prompt)
        yield from _call_chunks({"to": prompt.split()[-1]}, 4)  # the model copies it

    _, arguments = _joined(list(model("email the summary to jane.doe@example.com")))
    assert "jane.doe@example.com" not in sent[0]
    assert arguments == {"to": "jane.doe@example.com"}


def test_clean_streamed_calls_come_back_as_they_were(charter: Charter) -> None:
    chunks = _call_chunks({"city": "Ankara", "days": 3}, 3, text="Checking the forecast.")
    out = _stream(charter, chunks, prompt="weather in Ankara?")
    calls = chunks[2:]  # after the two text chunks
    assert out[-len(calls) :] == calls  # every call fragment, byte for byte, in order
    assert _joined(out)[0] == "Checking the forecast."


def test_a_chunk_with_text_and_a_call_fragment_sends_the_fragment_through_the_check(
    charter: Charter,
) -> None:
    raw = json.dumps({"body": f"card {CARD}"})
    call = {"index": 0, "id": "t1", "type": "function"}
    mixed = _delta(
        content="Sending it.", tool_calls=[{**call, "function": {"name": "send", "arguments": raw}}]
    )
    out = _stream(charter, [mixed])
    text, arguments = _joined(out)
    assert text == "Sending it." and arguments is not None
    assert CARD not in arguments["body"] and arguments["body"].endswith("1111")
    # its text goes out before its call, and text that follows after it
    after = _stream(charter, [mixed, _delta(content=" Done.")])
    assert [c["choices"][0]["delta"].get("content") for c in after] == [
        "Sending it.",
        None,
        " Done.",
    ]
    assert _joined(after) == ("Sending it. Done.", arguments)


def test_sdk_chunk_objects_and_the_async_driver_are_checked_too(charter: Charter) -> None:
    """The OpenAI SDK's chunk objects (attributes, mutable) through `async for`."""

    def obj(chunk: dict[str, Any]) -> Any:
        return json.loads(json.dumps(chunk), object_hook=lambda d: SimpleNamespace(**d))

    chunks = [obj(c) for c in _call_chunks({"body": f"card {CARD}"}, 6)]

    @charter.guard(model="m", provider="openai")
    async def model(prompt: str) -> AsyncIterator[Any]:
        for chunk in chunks:
            yield chunk

    async def collect() -> list[Any]:
        return [c async for c in model("remind billing")]

    out = asyncio.run(collect())
    raw = "".join(
        call.function.arguments or ""
        for c in out
        for call in getattr(c.choices[0].delta, "tool_calls", None) or ()
    )
    assert CARD not in json.loads(raw)["body"] and json.loads(raw)["body"].endswith("1111")
    own = "".join(c.choices[0].delta.tool_calls[0].function.arguments for c in chunks[1:-1])
    assert CARD in json.loads(own)["body"]  # the model's chunks were copied, not edited


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_raw_copies_in_langchain_chunks_are_written_too(
    charter: Charter, provider: str
) -> None:
    """LangChain keeps the provider's raw fragments beside `tool_call_chunks`: OpenAI's in
    `additional_kwargs["tool_calls"]`, Anthropic's as `partial_json` content blocks. A
    masked call must be masked in those too, or the agent's merged message still holds it."""
    from functools import reduce
    from operator import add

    from langchain_core.messages import AIMessageChunk

    raw = json.dumps({"body": f"card {CARD}"})
    parts = [raw[i : i + 6] for i in range(0, len(raw), 6)]

    def chunk(k: int, part: str) -> AIMessageChunk:
        head = {"name": "send", "id": "c1"} if k == 0 else {"name": None, "id": None}
        call_chunk = {**head, "args": part, "index": 1, "type": "tool_call_chunk"}
        if provider == "openai":
            function = {"name": head["name"], "arguments": part}
            extra = {"tool_calls": [{"index": 1, "id": head["id"], "function": function}]}
            return AIMessageChunk(
                content="", tool_call_chunks=[call_chunk], additional_kwargs=extra
            )
        block = {"type": "input_json_delta", "partial_json": part, "index": 1}
        return AIMessageChunk(content=[block], tool_call_chunks=[call_chunk])

    chunks = [AIMessageChunk(content="Sending.")] + [chunk(k, p) for k, p in enumerate(parts)]
    out = _stream(charter, chunks)
    whole = reduce(add, out)
    assert whole.content == "Sending." or whole.content[0] == "Sending."
    assert CARD not in whole.tool_calls[0]["args"]["body"]
    if provider == "openai":
        copy = whole.additional_kwargs["tool_calls"][0]["function"]["arguments"]
    else:
        copy = "".join(b["partial_json"] for b in whole.content if isinstance(b, dict))
    assert json.loads(copy) == whole.tool_calls[0]["args"]


def test_streamed_arguments_count_toward_the_answers_size_limit(tmp_path: Any) -> None:
    """main (at 41aa7c7): the gate held argument fragments without counting them, so a
    model streaming megabytes of arguments grew the held chunks without bound."""
    from charter.config import DEFAULT_POLICIES
    from charter.testing import make_charter

    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", max_text_chars=1000)
    pulled: list[int] = []

    @charter.guard(model="m", provider="openai", on_deny="refuse")
    def model(prompt: str) -> Iterator[Any]:
        for k, chunk in enumerate(_call_chunks({"body": "note " * 2000}, 50)):
            pulled.append(k)
            yield chunk

    text, arguments = _joined(list(model("write a long note")))
    assert arguments is None and text.startswith("I can't help with that")
    assert len(pulled) < 30  # stopped near 1,000 characters, not after all 10,000
    charter.close()


@pytest.mark.parametrize("streamed", [False, True], ids=["answer", "stream"])
def test_the_policy_sees_the_names_of_the_proposed_calls(tmp_path: Any, streamed: bool) -> None:
    """`input.tool_calls` (output stage): a bundle that lists `close_account` in
    config.tools.refused_proposals refuses an answer proposing it, streamed or whole; other
    calls pass. main (at 1350b22) gave the policy no names, so no rule could say this."""
    import shutil

    from charter.config import DEFAULT_POLICIES
    from charter.testing import make_charter

    bundle = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, bundle)
    data = bundle / "charter" / "data.json"
    config = json.loads(data.read_text())
    config["config"]["tools"]["refused_proposals"] = ["close_account"]
    data.write_text(json.dumps(config))
    charter = make_charter(bundle, tmp_path, pii_mode="pattern")

    def answer(name: str) -> Any:
        chunks = _call_chunks({"account": "A-1"}, 5)
        chunks[0]["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] = name
        if streamed:

            def stream(prompt: str) -> Iterator[Any]:
                yield from chunks

            return stream
        call = {"id": "t1", "type": "function", "function": {"name": name, "arguments": "{}"}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        return lambda prompt: {"choices": [{"index": 0, "message": message}]}

    def run(name: str) -> Any:
        guarded = charter.guard(model="m", provider="openai")(answer(name))
        out = guarded("close my account please")
        return list(out) if streamed else out

    with pytest.raises(PolicyViolation) as denied:
        run("close_account")
    assert denied.value.decision.rules == ("tools.refused_proposal",)
    assert "close_account" in denied.value.decision.violations[0].message
    assert run("get_balance")  # another call passes
    charter.close()


def test_a_call_known_only_from_its_raw_copy_is_checked_there(charter: Charter) -> None:
    """A message chunk with the provider's raw fragments and no `tool_call_chunks` beside
    them (a hand-built or older integration): the raw copy is what an agent would read, so
    it is the one checked. main (at e24eef8) read only `tool_call_chunks` as the call."""
    from functools import reduce
    from operator import add

    from langchain_core.messages import AIMessageChunk

    raw = json.dumps({"body": f"card {CARD}"})
    chunks = [AIMessageChunk(content="Sending.")] + [
        AIMessageChunk(
            content="",
            additional_kwargs={"tool_calls": [{"index": 0, "function": {"arguments": part}}]},
        )
        for part in (raw[:9], raw[9:])
    ]
    whole = reduce(add, _stream(charter, chunks))
    arguments = whole.additional_kwargs["tool_calls"][0]["function"]["arguments"]
    assert CARD not in json.loads(arguments)["body"]
    assert json.loads(arguments)["body"].endswith("1111")


def test_an_odd_proposed_name_reaches_the_policy_as_valid_bounded_text(charter: Charter) -> None:
    """The model writes the names: a lone surrogate or a 20,000-character name must not
    break the policy input or the record (valid Unicode, cut to 256 characters)."""
    from charter.policy.input import MAX_NAME_CHARS

    seen: list[dict[str, Any]] = []
    engine = charter.engine
    evaluate = engine.evaluate

    def spy(doc: dict[str, Any]) -> Any:
        seen.append(doc)
        return evaluate(doc)

    engine.evaluate = spy  # type: ignore[method-assign]
    for name in ("send\ud800mail", "x" * 20_000):
        call = {"id": "t1", "type": "function", "function": {"name": name, "arguments": "{}"}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        answer = {"choices": [{"index": 0, "message": message}]}
        assert charter.guard(model="m")(lambda prompt, a=answer: a)("hello") == answer
    names = [c["name"] for doc in seen if "tool_calls" in doc for c in doc["tool_calls"]]
    assert names == ["send\ufffdmail", "x" * MAX_NAME_CHARS]
    charter.audit.flush(timeout=30)
    assert charter.audit.stats.dropped == 0


@pytest.mark.parametrize("after", [1, 8])
def test_text_written_before_a_call_goes_out_before_it(charter: Charter, after: int) -> None:
    """Text the window still held when a call began went out after the call (stop 42):
    with text after the call too, all of it followed the call. `after` > 1: the text after
    the call is longer than the window, so text is released while the call is held."""
    chunks = _call_chunks({"to": "branch"}, text="I will write to the branch now. ")
    finish = chunks.pop()
    told = "Sent: they will answer you today." * after
    chunks += [_delta(content=told[i : i + 20]) for i in range(0, len(told), 20)] + [finish]
    out = _stream(charter, chunks)
    kinds = [
        "call" if c["choices"][0]["delta"].get("tool_calls") else "text"
        for c in out
        if c["choices"][0]["delta"]
    ]
    first, last = kinds.index("call"), len(kinds) - 1 - kinds[::-1].index("call")
    assert set(kinds[:first]) == {"text"} and set(kinds[last + 1 :]) == {"text"}
    texts = [c["choices"][0]["delta"].get("content") or "" for c in out]
    assert "".join(texts[: first + 1]) == "I will write to the branch now. "
    assert _joined(out) == ("I will write to the branch now. " + told, {"to": "branch"})
