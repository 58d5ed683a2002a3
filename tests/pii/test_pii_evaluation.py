"""`charter eval pii`: the shipped corpus, the measures and the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli.main import app
from charter.errors import PIIError
from charter.pii import PatternDetector
from charter.pii.evaluation import evaluate, load_labelled

CORPUS = Path(__file__).resolve().parents[2] / "policies" / "evals" / "pii"


def test_the_shipped_corpus_is_big_enough_and_split_by_family() -> None:
    items = load_labelled([CORPUS])
    assert len(items) >= 300
    assert {i.lang for i in items} == {"en", "tr"}
    assert sum(i.lookalike for i in items) >= 50
    assert sum(not i.entities for i in items) >= 100  # negatives
    families: dict[str, set[str]] = {}
    for item in items:
        families.setdefault(item.family, set()).add(item.split)
    assert all(len(splits) == 1 for splits in families.values())  # a family is in one split
    assert {s for splits in families.values() for s in splits} == {"dev", "heldout"}


def test_held_out_targets_pattern_mode(patterns: PatternDetector) -> None:
    """Floors a little below the measured values (bench/results.md)."""
    items = [i for i in load_labelled([CORPUS]) if i.split == "heldout"]
    group = evaluate(patterns, items).splits["heldout"]
    assert group.other_types.recall is not None and group.other_types.recall >= 0.97
    assert group.names.recall is not None and group.names.recall >= 0.7
    assert group.total().precision is not None and group.total().precision >= 0.9
    assert group.untouched is not None and group.untouched >= 0.95


def test_measures_on_a_tiny_corpus(tmp_path: Path, patterns: PatternDetector) -> None:
    corpus = tmp_path / "pii_tiny.jsonl"
    lines = [
        {"id": "a", "text": "mail jane@example.com, call 0532 123 45 67",
         "entities": [{"type": "EMAIL_ADDRESS", "value": "jane@example.com"},
                      {"type": "PHONE_NUMBER", "value": "0532 123 45 67"}], "split": "heldout"},
        {"id": "b", "text": "order 4815162342 shipped", "entities": [], "lookalike": True},
        {"id": "c", "text": "card 4111 1111 1111 1111",
         "entities": [{"type": "IBAN_CODE", "value": "4111 1111 1111 1111"}]},  # wrong label
    ]  # fmt: skip
    corpus.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    report = evaluate(patterns, load_labelled([corpus]))
    held, dev = report.splits["heldout"], report.splits["dev"]
    assert held.total().recall == 1.0 and held.total().precision == 1.0
    assert dev.untouched == 1.0
    assert dev.by_type["IBAN_CODE"].recall == 0.0
    assert dev.by_type["CREDIT_CARD"].precision == 0.0
    assert dev.false_positives == ["c: CREDIT_CARD '4111 1111 1111 1111' (credit_card)"]


def test_bad_corpus_lines_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "pii_bad.jsonl"
    bad.write_text('{"id": "x", "text": "hi", "entities": [{"type": "PERSON", "value": "Bob"}]}')
    with pytest.raises(PIIError, match=r"pii_bad.jsonl:1: entity 1's value is not in the text"):
        load_labelled([bad])
    bad.write_text("not json")
    with pytest.raises(PIIError, match=r"pii_bad.jsonl:1: not JSON"):
        load_labelled([bad])


def test_the_command_reports_and_gates(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["eval", "pii", str(CORPUS), "--split", "heldout"])
    assert done.exit_code == 0, done.output
    assert "### heldout" in done.output and "| PHONE_NUMBER |" in done.output
    done = runner.invoke(app, ["eval", "pii", str(CORPUS), "--json", "--split", "dev"])
    assert json.loads(done.output)["splits"]["dev"]["items"] > 0
    missed = tmp_path / "pii_missed.jsonl"
    missed.write_text(json.dumps({"id": "m", "text": "call 0532 123 45 67",
                                  "entities": [{"type": "PERSON", "value": "0532"}]}))  # fmt: skip
    done = runner.invoke(app, ["eval", "pii", str(missed), "--min-recall", "0.5"])
    assert done.exit_code == 1
    assert "recall 0.000 < 0.5" in done.output
    done = runner.invoke(app, ["eval", "pii", "--mode", "regex"])
    assert done.exit_code == 2


def test_a_gate_never_passes_on_nothing_measured(tmp_path: Path) -> None:
    """Found by probing: an empty corpus passed --min-recall 0.9 (exit 0, an empty table),
    and a corpus with no labelled entities crashed formatting an undefined recall (exit 2,
    "TypeError"): a CI gate fed a truncated file must fail, and say why."""
    runner = CliRunner()
    empty = tmp_path / "pii_empty.jsonl"
    empty.write_text("")
    done = runner.invoke(app, ["eval", "pii", str(empty), "--min-recall", "0.9"])
    assert done.exit_code == 2 and "the PII corpus is empty" in done.output
    none = tmp_path / "pii_none.jsonl"
    none.write_text(json.dumps({"id": "n", "text": "the weather is nice", "entities": []}))
    done = runner.invoke(app, ["eval", "pii", str(none), "--min-recall", "0.5"])
    assert done.exit_code == 1, done.output
    assert "recall undefined (no labelled entities)" in done.output
    # Nothing detected and nothing labelled: no false positive, so a precision gate passes.
    done = runner.invoke(app, ["eval", "pii", str(none), "--min-precision", "0.9"])
    assert done.exit_code == 0, done.output


def test_a_text_holding_unicode_line_breaks_is_one_line(tmp_path: Path) -> None:
    # Found by probing: str.splitlines() split inside the JSON string; a BOM broke line 1.
    row = {
        "id": "p", "text": "Address:\u2028mail jane@example.com\x85bye",
        "entities": [{"type": "EMAIL_ADDRESS", "value": "jane@example.com"}],
    }  # fmt: skip
    path = tmp_path / "pii_x.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(row, ensure_ascii=False) + "\r\n").encode())
    (item,) = load_labelled([path])
    assert item.text == row["text"] and item.entities[0].start == 14


def test_a_lookalike_label_must_be_a_json_boolean(tmp_path: Path) -> None:
    # Found by probing: bool("false") made the item a look-alike.
    row = {"id": "p1", "text": "order 4111 1111 1111 1111", "lookalike": "false", "entities": []}
    path = tmp_path / "pii_x.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(PIIError, match=r"pii_x.jsonl:1: `lookalike` must be true or false"):
        load_labelled([path])
    path.write_text(json.dumps({**row, "lookalike": False}) + "\n")
    assert load_labelled([path])[0].lookalike is False


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"text": 12345}, r":1: `text` must be a non-empty string$"),
        ({"entities": [{"type": "EMAIL", "value": "jane.doe@example.com"}]},
         r":1: entity 1's type 'EMAIL' is not an entity type; did you mean 'EMAIL_ADDRESS'\?$"),
        ({"entities": [{"type": "EMIAL_ADRESS", "value": "jane.doe@example.com"}]},
         r"did you mean 'EMAIL_ADDRESS'\?$"),
        ({"entities": [{"type": "EMAIL_ADDRESS", "value": ""}]},
         r":1: entity 1's value must be a non-empty string$"),
        ({"entities": [{"type": "PERSON", "value": "Ayse Yilmaz"}]},
         r":1: entity 1's value is not in the text; copy it from the text exactly$"),
        ({"entities": "jane.doe@example.com"}, r":1: `entities` must be a list"),
        ({"entities": [{"type": "EMAIL_ADDRESS", "value": "jane.doe@example.com", "from": "2"}]},
         r":1: entity 1's `from` must be a non-negative integer$"),
    ],
)  # fmt: skip
def test_each_bad_item_names_its_line_and_never_quotes_a_value(
    tmp_path: Path, row: dict[str, object], message: str
) -> None:
    # Found by probing: text 12345 failed later as a bare TypeError, EMAIL was scored as a
    # miss plus a false positive without a word, an empty value counted as found, and a
    # value missing from the text was quoted into stderr (personal data in a CI log).
    path = tmp_path / "pii_x.jsonl"
    path.write_text(json.dumps({"id": "p1", "text": "mail me at jane.doe@example.com", **row}))
    with pytest.raises(PIIError, match=message):
        load_labelled([path])
    result = CliRunner().invoke(app, ["eval", "pii", str(path)])
    assert result.exit_code == 2 and f"{path.name}:1: " in result.output
    assert "Ayse" not in result.output and "jane.doe" not in result.output


def test_a_value_given_as_the_type_is_not_quoted(tmp_path: Path) -> None:
    """Found by review: an item with its type and value swapped quoted the value (an
    e-mail address) as the unknown type."""
    path = tmp_path / "pii_swapped.jsonl"
    row = {"id": "p1", "text": "mail me at jane.doe@example.com"}
    row["entities"] = [{"type": "jane.doe@example.com", "value": "EMAIL_ADDRESS"}]
    path.write_text(json.dumps(row))
    with pytest.raises(PIIError, match="is not an entity type") as err:
        load_labelled([path])
    assert "jane.doe" not in str(err.value)


def test_lines_ended_by_a_lone_carriage_return_are_read(tmp_path: Path) -> None:
    """Found by review: a CR-only file (read before lines were split at LF only) was
    refused as "not JSON"."""
    rows = [
        {"id": f"p{i}", "text": "mail me at jane.doe@example.com",
         "entities": [{"type": "EMAIL_ADDRESS", "value": "jane.doe@example.com"}]}
        for i in range(3)
    ]
    path = tmp_path / "pii_cr.jsonl"
    path.write_text("\r".join(json.dumps(r) for r in rows), newline="")
    assert len(load_labelled([path])) == 3
