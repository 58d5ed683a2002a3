"""The grounding heuristic on its own: sentences, content words, the share unsupported."""

from __future__ import annotations

import pytest

import charter
from charter.errors import ConfigurationError
from charter.grounding import LexicalSupport, split_sentences

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
