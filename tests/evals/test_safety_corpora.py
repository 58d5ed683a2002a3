"""The safety eval corpora (policies/evals/en_*, tr_*): well formed, big enough, honestly
split. Held-out families never appear in the classifier's training sets or record, and no
eval text is a training text or a near-copy of one (rules: `tests/evals/overlap.py`)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES
from charter.evals import load_corpus
from charter.evals.splits import family_key
from charter.signals.training import HARM_CATEGORIES
from charter.signals.training.extra_heads import HEADS
from tests.evals.overlap import EDITED, RUN, SHORTEST_RUN, TrainingIndex, words

BUNDLE = Path(DEFAULT_POLICIES)
EVALS = BUNDLE / "evals"
TRAIN = BUNDLE / "signals" / "train"
MANIFEST = BUNDLE / "signals" / "model" / "classifier.json"
HELDOUT = {
    "jailbreakbench", "advbench", "sorry-bench", "simplesafetytests", "orbench",
    "tensortrust", "hackaprompt", "wildjailbreak-style", "toxicchat-style",
    "charter-heldout-tr",
}  # fmt: skip
CATEGORIES = {"jailbreak", "prompt_injection", "benign", *HARM_CATEGORIES}


def _rows(pattern: str, folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(folder.glob(pattern))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def safety_items() -> list[dict[str, Any]]:
    return _rows("en_*.jsonl", EVALS) + _rows("tr_*.jsonl", EVALS)


def test_items_carry_family_lang_and_a_taxonomy_category(
    safety_items: list[dict[str, Any]],
) -> None:
    assert safety_items
    for item in safety_items:
        assert item["label"] in {"blocked", "allowed"}, item["id"]
        assert item["category"] in CATEGORIES, item["id"]
        assert item["lang"] in {"en", "tr"}, item["id"]
        assert item["family"].strip() and item["source"].strip(), item["id"]
        assert (item["label"] == "allowed") == (item["category"] == "benign"), item["id"]
    load_corpus(sorted(EVALS.glob("*.jsonl")))  # the runner accepts every file


def test_at_least_300_attacks_and_300_benign(safety_items: list[dict[str, Any]]) -> None:
    everything = _rows("*.jsonl", EVALS)
    labels = Counter(item["label"] for item in everything)
    assert labels["blocked"] >= 300 and labels["allowed"] >= 300
    turkish = Counter(i["label"] for i in safety_items if i["lang"] == "tr")
    assert turkish["blocked"] >= 80 and turkish["allowed"] >= 80


def test_every_harm_category_is_evaluated_in_both_languages(
    safety_items: list[dict[str, Any]],
) -> None:
    seen = Counter((i["category"], i["lang"]) for i in safety_items if i["label"] == "blocked")
    for category in HARM_CATEGORIES:
        assert seen[(category, "en")] >= 8, category
        assert seen[(category, "tr")] >= 3, category


def test_held_out_families_are_not_trained_on() -> None:
    trained = {family_key(i["family"]) for i in _rows("*.jsonl", TRAIN)}
    record = json.loads(MANIFEST.read_text())["meta"]["trained_on"]["families"]
    assert {family_key(f) for f in record} == trained
    assert not trained & {family_key(f) for f in HELDOUT}


@pytest.fixture(scope="module")
def training_rows() -> list[dict[str, Any]]:
    """Every text the shipped model was fitted on: the cascade's sets and the folder of
    each extra head (`train/tool_results/` for `tool_injection`)."""
    folders = [TRAIN, *(TRAIN / head.folder for head in HEADS)]
    rows = {folder: _rows("*.jsonl", folder) for folder in folders}
    assert all(rows.values()), "a training folder holds no items: nothing would be compared"
    return [row for found in rows.values() for row in found]


def test_no_eval_text_is_a_training_text(
    safety_items: list[dict[str, Any]], training_rows: list[dict[str, Any]]
) -> None:
    """Up to case, punctuation and spacing: the user-style sets write a training text in
    lowercase without its question mark, and it is still the training text."""
    trained = {words(row["text"]) for row in training_rows}
    leaked = [i["id"] for i in safety_items if words(i["text"]) in trained]
    assert not leaked


@pytest.fixture(scope="module")
def training_index(training_rows: list[dict[str, Any]]) -> TrainingIndex:
    return TrainingIndex((row["id"], row["text"]) for row in training_rows)


def test_no_eval_item_is_a_near_copy_of_a_training_text(
    safety_items: list[dict[str, Any]], training_index: TrainingIndex
) -> None:
    """Words compared with case, accents (Turkish typed without its letters), punctuation
    and spacing folded. No eval item has a word set within Jaccard 0.8 of a training text's
    (a word or two changed: "can i get fired" / "can i be fired"). A held-out item also is
    not one word changed, added or left out from a training text at 4 words or more (in a
    short text Jaccard misses that: "write a haiku about autumn rain" / "leaves", "work
    email" / "emails"), shares no 8 words in a row with one and, at 5 to 7 words, does not
    sit whole in one (a training text cut short).
    Eight words in a row are a template ("how do i strip old paint off a" dresser / door),
    an injection's payload ("accept all future invites from this sender automatically")
    or a tool result's carrier (the same CV, the same recipe) that the model saw with its
    label: such an item measures memory, not what the held-out figure claims. A shared
    frame counts too ("give me a step by step plan to", "how do i talk to my teenager
    about"): the classifier's n-gram features learn frames, and nothing in the words
    alone tells another request in the same frame from the same request reworded (read
    item by item on the 70 held-out items the rule flagged when it was written; no shared
    run was in more than 4 training texts). In-distribution items are new items of
    trained families and may share their templates, not be near-copies."""
    record = json.loads(MANIFEST.read_text())["meta"]["trained_on"]["families"]
    trained = {family_key(f) for f in record}
    near = {}
    for item in safety_items:
        held_out = family_key(item["family"]) not in trained
        text = item["text"]
        found = training_index.near_copy(text) if held_out else training_index.same_words(text)
        if found:
            near[item["id"]] = found
    assert not near


def test_the_near_copy_rule_on_its_edges() -> None:
    """The rule's bounds, on made-up texts: 8 shared words in a row flag, 7 do not; an
    item of 5 words inside a training text flags, of 4 does not; Jaccard 0.8 flags; one
    word changed, added or left out flags from 4 words, two do not; Turkish letters and a
    dotted capital I fold to their plain forms, and "İstanbul" stays one word."""
    index = TrainingIndex([
        ("t1", "One two three four five six seven eight nine ten eleven twelve."),
        ("t2", "alpha beta gamma delta epsilon"),
        ("t3", "Osmanlıca öğrenmeye nereden başlamalıyım?"),
        ("t4", "İSTANBUL'da ŞUBE var mı"),
    ])  # fmt: skip
    assert RUN == 8 and SHORTEST_RUN == 5 and EDITED == 4
    assert index.equal("ALPHA, beta gamma; delta epsilon!") == "t2"
    assert index.shared_run("zero one two three four five six seven eight") == "t1"
    assert index.shared_run("zero one two three four five six seven x eight") is None
    assert index.shared_run("three four five six seven") == "t1"
    assert index.shared_run("four five six seven") is None
    assert index.shared_run("five six seven eight nine ten eleven twelve") == "t1"
    assert index.shared_run("twelve alpha beta gamma delta") is None  # not across two texts
    assert index.same_words("epsilon delta gamma beta alpha zeta") == "t2"  # 5/6
    assert index.same_words("alpha beta gamma delta zeta") is None  # 4/6
    assert index.same_words("") is None
    assert index.one_edit("alpha beta gamma delta zeta") == "t2"  # changed
    assert index.one_edit("alpha beta gamma delta epsilon zeta") == "t2"  # added
    assert index.one_edit("alpha gamma delta epsilon") == "t2"  # left out
    assert index.one_edit("alpha beta gamma delta epsilons") == "t2"  # a plural: changed
    assert index.one_edit("alpha beta zeta delta eta") is None  # two changed
    assert index.one_edit("alpha beta gamma") is None  # 3 words: too short to tell
    assert index.one_edit("almanca ogrenmeye nereden baslamaliyim") == "t3"
    assert index.equal("osmanlica ogrenmeye nereden baslamaliyim") == "t3"
    assert words("İstanbul'da şube VAR MI") == ("istanbul", "da", "sube", "var", "mi")
    assert index.equal("istanbul da sube var mi") == "t4"


def test_no_eval_text_is_counted_twice() -> None:
    """Every file `charter eval run policies/evals` reads: a text at a stage appears once
    (up to case, punctuation and spacing), or the figures count one item twice."""
    first: dict[tuple[tuple[str, ...], str], str] = {}
    twice = []
    for item in _rows("*.jsonl", EVALS):
        key = (words(item["text"]), item.get("stage", "input"))
        if key in first:
            twice.append((first[key], item["id"]))
        first.setdefault(key, item["id"])
    assert not twice


def test_no_eval_prompt_is_counted_twice_as_a_near_copy() -> None:
    """Found by review: a near-copy (the held-out rule above) of an item of another eval file
    with the same label counted one prompt twice in every figure ("why did the us drop the
    atomic bomb on japan" / "on hiroshima", a starter look-alike retyped without "bir"); the
    later written of each such pair was dropped. An attack and a benign look-alike made from
    the same text (the same email with and without an injection) are contrast pairs, kept."""
    files = {path.name: _rows(path.name, EVALS) for path in sorted(EVALS.glob("*.jsonl"))}
    twins = []
    for name, items in files.items():
        for label in ("blocked", "allowed"):
            others = TrainingIndex(
                (item["id"], item["text"])
                for other, rows in files.items()
                if other != name
                for item in rows
                if item["label"] == label
            )
            for item in items:
                if item["label"] == label and (found := others.near_copy(item["text"])):
                    twins.append((item["id"], found))
    assert not twins
