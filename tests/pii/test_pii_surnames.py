"""Surnames the name pattern did not read (found by probing: `McDonald`, `O'Brien`,
`DiMarco`, `da Silva`, `van der Berg` passed after "Dear Mr.", "My name is" and other
strong cues, or only the given name was replaced)."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector
from tests.pii.pii_support import spans


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dear Mr. McDonald, your refund is on its way.", "McDonald"),
        ("My name is Sarah McKenzie and I need help with my account.", "Sarah McKenzie"),
        ("Dear Mrs. O'Brien,", "O'Brien"),
        ("Dr. MacLeod will see you at 3pm", "MacLeod"),
        ("this is Angela DiMarco from billing", "Angela DiMarco"),
        ("Please draft a reply to Mr. D'Angelo about the delay", "D'Angelo"),
        ("My name is Ryan O’Sullivan", "Ryan O’Sullivan"),
        ("Dear Ms. LeBlanc,", "LeBlanc"),
        ("Account holder: Kevin MacArthur", "Kevin MacArthur"),
    ],
)
def test_a_surname_with_an_inner_capital_or_apostrophe_is_part_of_the_name(
    patterns: PatternDetector, text: str, name: str
) -> None:
    assert [s for s in spans(text, patterns.detect(text)) if s[0] == "PERSON"] == [("PERSON", name)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi Maria da Silva, thanks for your order", "Maria da Silva"),
        ("My name is Ana de la Cruz", "Ana de la Cruz"),
        ("Dear Mr. van der Berg,", "Berg"),  # the particle stays with the title
        ("Customer name: Ludwig van Dijk", "Ludwig van Dijk"),
        ("This is Carlos de Souza from Lisbon", "Carlos de Souza"),
        ("My name is Maria Fernanda Gómez López", "Maria Fernanda Gómez López"),
        ("My name is Ahmed al-Sayed", "Ahmed al-Sayed"),
    ],
)
def test_a_surname_after_a_particle_is_part_of_the_name_after_a_cue(
    patterns: PatternDetector, text: str, name: str
) -> None:
    assert [s for s in spans(text, patterns.detect(text)) if s[0] == "PERSON"] == [("PERSON", name)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mehmet de Ankara'ya taşındı", [("LOCATION", "Ankara")]),  # no cue: `de` is "too"
        (
            "Sayın Ahmet Yılmaz da Ankara’dan katıldı",
            [("PERSON", "Ahmet Yılmaz"), ("LOCATION", "Ankara")],
        ),
        ("My name is Sarah and I use PayPal", [("PERSON", "Sarah")]),
        ("The McDonald's on Main is closed", []),
        ("it's Rio de Janeiro, the city", [("LOCATION", "Rio de Janeiro")]),
    ],
)
def test_particles_and_inner_capitals_join_no_other_words(
    patterns: PatternDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(text, patterns.detect(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi Emma do Google Sheets work offline?", [("PERSON", "Emma")]),
        ("Hi Maria de Google Sheets", [("PERSON", "Maria")]),  # a capital after the name
        (
            "Sayın Ahmet Yılmaz da Mehmet Bey de toplantıya katıldı",
            [("PERSON", "Ahmet Yılmaz"), ("PERSON", "Mehmet")],
        ),
        ("Merhaba Ayşe de Ali de geliyor", [("PERSON", "Ayşe")]),
        (
            "Sayın Ayşe Kaya da Bursa da geldi",
            [("PERSON", "Ayşe Kaya"), ("LOCATION", "Bursa")],
        ),
        ("Sayın Ayşe Kaya da Mehmet geldi", [("PERSON", "Ayşe Kaya")]),  # a Turkish cue
        ("My name is Ana da Lisbon", [("PERSON", "Ana"), ("LOCATION", "Lisbon")]),  # a place
    ],
)
def test_a_particle_meaning_too_or_do_joins_no_name(
    patterns: PatternDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    # Found by review: each particle joined the next name, verb or place into one PERSON.
    assert spans(text, patterns.detect(text)) == expected
