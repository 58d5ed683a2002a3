"""Issue 14 #7: streaming wrote partial PII into the decision log.

Replays the finding: each streaming window was evaluated *and recorded*; a window that
ended inside a card number held 14 of its 16 digits, which detection cannot recognise as a
card, so they went to the log as typed. Now a stream is recorded as a complete answer is:
the end of the stream is checked on the whole answer and recorded once; a window that
denies is recorded with the text it had seen whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from charter import Charter
from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES
from charter.testing import make_charter

CARD = "4111 1111 1111 1111"
# The first chunk ends inside the card: the first window check sees 14 of its 16 digits.
CHUNKS = (
    "Thanks for waiting, your replacement card is on its way to you. The number printed on it is "
    + CARD[:17],
    CARD[17:] + " and it expires next year. Anything else I can help with today?",
)
DIGIT_RUNS = re.compile(r"4111[\s-]*1111|1111[\s-]*11")


def _charter(tmp_path: Path, name: str, **settings: object) -> Charter:
    url = f"sqlite:///{tmp_path / name}"
    return make_charter(DEFAULT_POLICIES, tmp_path, store_url=url, audit=True, **settings)


def _stream_once(charter: Charter) -> str:
    @charter.guard(model="gpt-4o-mini", provider="openai")
    def stream(prompt: str) -> Iterator[str]:
        yield from CHUNKS

    out = "".join(stream("When does my new card arrive?"))
    charter.audit.flush(timeout=30)
    return out


def _output_inputs(charter: Charter) -> list[dict[str, object]]:
    records = iter_records(charter.settings.store_url)
    return [r.input for r in records if r.labels.get("stage") == "output"]


def _blob(charter: Charter) -> str:
    """Every record as stored, without its hashes (hex may hold any digits)."""
    parts = []
    for record in iter_records(charter.settings.store_url):
        material = record.material()
        material.pop("prev_hash")
        material["input"] = {k: v for k, v in record.input.items() if k != "text_sha256"}
        parts.append(repr(material))
    return "\n".join(parts)


@pytest.mark.parametrize("settings", [{}, {"store_content": True}], ids=["default", "opt-in"])
def test_a_card_split_across_chunks_leaves_no_digit_run_in_the_log(
    tmp_path: Path, settings: dict[str, object]
) -> None:
    charter = _charter(tmp_path, "stream.db", **settings)
    assert len(CHUNKS[0]) > charter.stream_window  # the first check ends inside the card
    out = _stream_once(charter)
    assert CARD not in out
    blob = _blob(charter)
    charter.close()
    assert DIGIT_RUNS.search(blob) is None  # main: "4111 1111 1111 11" in a window record


def test_a_stream_is_recorded_as_the_complete_answer_would_be(tmp_path: Path) -> None:
    streamed = _charter(tmp_path, "stream.db", store_content=True)
    out = _stream_once(streamed)
    whole = _charter(tmp_path, "whole.db", store_content=True)

    @whole.guard(model="gpt-4o-mini", provider="openai")
    def ask(prompt: str) -> str:
        return "".join(CHUNKS)

    assert ask("When does my new card arrive?") == out
    whole.audit.flush(timeout=30)
    [streamed_record] = _output_inputs(streamed)  # main: one record per window
    [whole_record] = _output_inputs(whole)
    assert streamed_record == whole_record
    assert "<CREDIT_CARD_1>" in str(streamed_record["text"])
    streamed.close()
    whole.close()


def test_a_window_that_denies_records_only_text_it_saw_whole(tmp_path: Path) -> None:
    charter = _charter(tmp_path, "deny.db", store_content=True, on_deny="refuse")
    first = (
        "My system prompt is: help every customer kindly and quickly. The new card number "
        "you asked about is " + CARD[:17]
    )
    assert len(first) > charter.stream_window  # the first check denies, ending in the card

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def stream(prompt: str) -> Iterator[str]:
        yield first
        yield CARD[17:] + " and it expires next year."

    out = "".join(stream("Hello, I have a question about my card."))
    assert CARD[:4] not in out  # refused before any of it left
    charter.audit.flush(timeout=30)
    [denied] = [i for i in _output_inputs(charter)]
    records = list(iter_records(charter.settings.store_url))
    assert records[-1].result["violations"][0]["rule"] == "output.system_prompt_leak"
    assert str(denied["text"]).startswith("My system prompt is")  # what it saw whole
    blob = _blob(charter)
    charter.close()
    assert DIGIT_RUNS.search(blob) is None  # main: the window's "4111 1111 1111 11"


@pytest.mark.parametrize("shape", ["dict", "sdk object"])
def test_a_card_in_an_openai_chunk_stream_is_masked_and_the_chunks_keep_their_shape(
    tmp_path: Path, shape: str
) -> None:
    """main: SDK chunk objects were streamed as their repr text (the card masked inside a
    `namespace(choices=[...` string), dict chunks as bare strings."""
    from types import SimpleNamespace

    def chunk(content: str | None, finish: str | None = None) -> object:
        delta = {"content": content}
        if shape == "dict":
            return {"choices": [{"delta": delta, "finish_reason": finish}]}
        choice = SimpleNamespace(delta=SimpleNamespace(**delta), finish_reason=finish)
        return SimpleNamespace(choices=[choice])

    charter = _charter(tmp_path, "openai.db")

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def stream(prompt: str) -> Iterator[object]:
        yield from [chunk(c) for c in CHUNKS]
        yield chunk(None, "stop")

    out = list(stream("When does my new card arrive?"))
    charter.close()
    if shape == "dict":
        choices = [c["choices"][0] for c in out]  # type: ignore[index]
        texts = [ch["delta"]["content"] for ch in choices]
    else:
        choices = [vars(c.choices[0]) for c in out]  # type: ignore[attr-defined]
        texts = [ch["delta"].content for ch in choices]
    answer = "".join(t for t in texts if t)
    assert answer.startswith("Thanks for waiting") and "Anything else" in answer
    assert CARD not in answer and "**** **** **** 1111" in answer
    assert [ch["finish_reason"] for ch in choices][-1] == "stop"
