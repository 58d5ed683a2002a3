"""The chain hash `seal` computes without building the material twice is the one `verify`
recomputes from the stored row (parse every JSON column back, canonicalise the material),
byte for byte, whatever the input holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from charter.audit.record import PreparedRecord, chain_hash, material_from_row
from charter.decision import Action, Decision, Stage, Violation

WHEN = datetime(2026, 12, 3, 9, 30, 0, 123456, tzinfo=UTC)

ODD_INPUTS: list[Any] = [
    {"text": "plain"},
    {1: "a", 2: "b", 10: "c"},  # int keys: written "1", "10", "2" once parsed back
    {"nested": {9: "x", 10: "y"}},
    {True: 1, 2.5: 2, 3: 3},
    {None: "null key"},
    {"lone": "\ud800 and \udfff", "pair": "\ud83d\ude00", "astral": "😀"},
    {"nan": float("nan"), "inf": float("-inf"), "third": 1 / 3, "neg_zero": -0.0},
    {"controls": "\x00\x1f\x7f", "separators": "\u2028\u2029", "quote": '"\\'},
    {"set": {1, 2}, "error": ValueError("x"), "tuple": (1, "a")},
    '{"already":"canonical text"}',
]


def _decision() -> Decision:
    return Decision(
        action=Action.DENY,
        violations=(Violation(rule="privacy.\ud800"),),
        obligations={"o": {3: 1, 20: 2}},
        policy_revision="rev-é",
        stage=Stage.OUTPUT,
        eval_ms=1.25,
    )


@pytest.mark.parametrize("input_doc", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
@pytest.mark.parametrize("labels", [{}, {"app": "a", "tenant": "\ud801"}])
def test_seal_hashes_what_verify_recomputes(input_doc: Any, labels: dict[str, str]) -> None:
    record = PreparedRecord.build(
        _decision(), input_doc, timestamp=WHEN, trace_id="t\ud802", span_id="s", labels=labels
    )
    for seq, prev_hash in ((1, "0" * 64), (12_345_678_901, "odd \udc00 head")):
        row = record.seal(seq, prev_hash)
        assert row["hash"] == chain_hash(material_from_row(row))


def test_a_marker_seals_like_any_record() -> None:
    marker = PreparedRecord.marker(
        _decision(), timestamp=WHEN, trace_id="x", span_id="y", labels={"k": "v"}, error="E"
    )
    row = marker.seal(3, "p" * 64)
    assert row["hash"] == chain_hash(material_from_row(row))


def test_columns_not_made_by_build_are_parsed_back_before_hashing() -> None:
    # Not canonical as stored (spaces, unsorted, int-like keys that sort differently as text):
    # the hash still covers their canonical form, as `verify` computes it.
    record = PreparedRecord(
        decision_id="d",
        timestamp=WHEN,
        path="p",
        input_json='{"b": 1, "a": 2}',
        result_json='{"z": 1, "y": [1, 2]}',
        policy_revision="r",
        trace_id="",
        span_id="",
        labels_json='{"2":1,"10":2}',
        metrics_json="{}",
    )
    row = record.seal(1, "h")
    assert row["hash"] == chain_hash(material_from_row(row))


def test_labels_that_are_not_strings_are_hashed_as_parsed_back() -> None:
    labels: Any = {"nested": {2: "x", 10: "y"}}  # "2" sorts after "10" once parsed back
    record = PreparedRecord.build(
        _decision(), {}, timestamp=WHEN, trace_id="", span_id="", labels=labels
    )
    row = record.seal(1, "h")
    assert row["hash"] == chain_hash(material_from_row(row))


def test_the_hash_of_a_fixed_record_has_not_changed() -> None:
    """Golden value computed by main's implementation before `seal` spliced the columns
    (serialise, parse back, canonicalise): the chain format is unchanged. It moves only when
    `Decision` gains a field (its JSON is part of the material; last: `Violation.action`)."""
    decision = Decision(
        action=Action.DENY,
        violations=(Violation(rule="privacy.tckn"),),
        obligations={"o": {"k": [1, 2.5, None]}},
        decision_id="00000000-0000-4000-8000-000000000001",
        policy_revision="rev-é",
        stage=Stage.OUTPUT,
        eval_ms=0.125,
    )
    record = PreparedRecord.build(
        decision,
        {"text": "merhaba <EMAIL_ADDRESS_1> \ud800 😀", "n": 1 / 3, "z": {2: "b", 10: "a"}},
        timestamp=WHEN,
        trace_id="a" * 32,
        span_id="b" * 16,
        labels={"app": "bench", "tenant": "t"},
    )
    assert (
        record.seal(7, "c" * 64)["hash"]
        == "bc497e84d603c11c5dd321c3f06826bfef05939f627eef34e7bef10bd3cd7a2f"
    )


@pytest.mark.parametrize("input_doc", ODD_INPUTS[:-1], ids=range(len(ODD_INPUTS) - 1))
@pytest.mark.parametrize("store_content", [False, True])
def test_a_snapshot_hashed_as_it_is_still_hashes_what_verify_recomputes(
    input_doc: Any, store_content: bool
) -> None:
    """The writer skips parsing a snapshot back only when it is known to reparse to itself
    (string keys everywhere); any other input is still re-canonicalised before hashing."""
    from charter.audit._append import Pending

    doc = {"stage": "input", "text": "hello", "metadata": input_doc}
    text, stable = Pending.snapshot(doc, store_content=store_content)
    assert isinstance(text, str)
    assert stable == all(isinstance(k, str) for k in _all_keys(input_doc))
    record = PreparedRecord.build(
        _decision(), text, timestamp=WHEN, trace_id="", span_id="", labels={}, input_stable=stable
    )
    row = record.seal(5, "h" * 64)
    assert row["hash"] == chain_hash(material_from_row(row))


def _all_keys(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _all_keys(v))]
    return []
