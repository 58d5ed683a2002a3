"""The grounding heuristic on its own: sentences, content words, the share unsupported."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

import charter
from charter.config import DEFAULT_POLICIES
from charter.errors import ConfigurationError, LimitExceeded
from charter.grounding import LexicalSupport, split_sentences
from charter.testing import RecordingModel, make_charter

SOURCES = [
    "Refunds above 500 EUR need approval from the finance team. Refunds are processed "
    "within 5 business days.",
    "The Kadıköy branch is open 09:00-17:00 on weekdays.",
]


def test_sentences_split_on_stops_and_list_items() -> None:
    text = "First point. Second one!\n- a bullet item\n2) numbered item"
    assert split_sentences(text) == [
        "First point.",
        "Second one!",
        "a bullet item",
        "numbered item",
    ]


def test_an_invented_fee_is_unsupported_and_small_talk_is_not_judged() -> None:
    answer = (
        "Your refund will be processed within 5 business days. Refunds above 500 EUR need "
        "finance approval. We also charge a 25 EUR handling fee for express refunds. "
        "Anything else?"
    )
    score = LexicalSupport().score(answer, SOURCES)
    assert (score.sentences, score.unsupported) == (3, 1)
    assert score.policy_input() == {
        "sentences": 3,
        "unsupported_sentences": 1,
        "unsupported": 0.3333,
        "method": "lexical-0.5",
    }


def test_inflections_meet_on_their_first_letters() -> None:
    score = LexicalSupport().score("Refunded amounts above 500 EUR are approved.", SOURCES)
    assert score.unsupported == 0


def test_without_sources_every_judged_sentence_is_unsupported() -> None:
    score = LexicalSupport().score("The branch closes at noon on Saturdays.", [])
    assert (score.sentences, score.unsupported, score.unsupported_share) == (1, 1, 1.0)
    assert LexicalSupport().score("", SOURCES).unsupported_share == 0.0


def test_a_negation_with_the_sources_words_is_a_known_miss() -> None:
    # Documented limit: lexical overlap cannot see that the meaning was reversed.
    score = LexicalSupport().score("Refunds above 500 EUR never need approval.", SOURCES)
    assert score.unsupported == 0


def test_context_carries_the_passages() -> None:
    with charter.context(retrieved=SOURCES) as ctx:
        assert ctx.retrieved == tuple(SOURCES)
        with charter.context(user="u-1") as inner:
            assert inner.retrieved == tuple(SOURCES)
    with (
        pytest.raises(ConfigurationError, match="list of passages"),
        charter.context(retrieved="one long string"),
    ):
        pass


@pytest.mark.parametrize("passage", [{"text": SOURCES[0]}, None, SOURCES[0].encode(), 7], ids=repr)
def test_a_passage_that_is_not_text_is_refused_before_the_model_is_called(
    passage: object, tmp_path: Path
) -> None:
    """Found by probing: such passages passed `charter.context` and raised `TypeError` from
    the grounding score, after the model had answered (the answer was lost)."""
    guard = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="off")
    model = RecordingModel(lambda prompt: SOURCES[0])
    ask = guard.guard(model=model.name, provider="openai")(model)
    with (
        pytest.raises(ConfigurationError, match=r"passage 1 is .*page_content"),
        charter.context(retrieved=[SOURCES[1], passage]),
    ):
        ask("When are refunds processed?")
    assert model.calls == []
    with (
        pytest.raises(ConfigurationError, match="list of passages"),
        charter.context(retrieved={"doc-1": SOURCES[0]}),  # its keys are no passages
    ):
        pass
    guard.close()


def test_langchain_documents_are_read_by_their_page_content(tmp_path: Path) -> None:
    guard = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="off")
    answer = "Refunds are processed within 5 business days."
    ask = guard.guard(model="m", provider="openai")(lambda prompt: answer)
    documents = [Document(page_content=text, metadata={"source": "faq"}) for text in SOURCES]
    with charter.context(retrieved=documents) as ctx, charter.reports() as calls:
        assert ctx.retrieved == tuple(SOURCES)
        assert ask("When are refunds processed?") == answer
    assert calls[0].revisions == ()  # the answer is grounded in the documents' text
    guard.close()


def test_a_stream_reads_its_passages_once_not_every_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: the passages' words were read again for every window (a 4,000
    character answer over 5 MB of passages: 0.3 s whole, 18 s streamed)."""
    from charter import grounding

    read: list[str] = []

    def counted(text: str) -> list[str]:
        if text in SOURCES:
            read.append(text)
        return content_words(text)

    content_words = grounding._content_words
    monkeypatch.setattr(grounding, "_content_words", counted)
    guard = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="off")
    model = RecordingModel(lambda prompt: "Refunds are processed within 5 business days. " * 20)
    ask = guard.guard(model=model.name, provider="openai")(model.stream)
    with charter.context(retrieved=SOURCES):
        answer = "".join(ask("When are refunds processed?"))
    assert answer == model("again")
    assert len(answer) > 4 * guard.stream_window  # checked in several windows
    assert sorted(read) == sorted(SOURCES)  # main: each passage once per window
    guard.close()


def test_passages_over_the_text_limit_are_denied_before_the_model_is_called(
    tmp_path: Path,
) -> None:
    guard = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="off", max_text_chars=1_000)
    model = RecordingModel(lambda prompt: SOURCES[0])
    ask = guard.guard(model=model.name, provider="openai")(model)
    with (
        pytest.raises(LimitExceeded, match="the retrieved passages") as denied,
        charter.context(retrieved=[SOURCES[0] * 6, SOURCES[1] * 9]),
    ):
        ask("When are refunds processed?")
    assert denied.value.setting == "max_text_chars" and model.calls == []
    guard.close()
