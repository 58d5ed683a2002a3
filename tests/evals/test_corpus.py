"""Reading labelled corpora: every malformed line is reported with file:line, nothing is
dropped or relabelled silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter.decision import Stage
from charter.errors import ConfigurationError
from charter.evals import Label, load_corpus
from tests.evals.conftest import write_corpus


def _problem_lines(exc: pytest.ExceptionInfo[ConfigurationError]) -> list[str]:
    return [line.strip() for line in str(exc.value).splitlines()[1:]]


def test_reads_items_with_defaults_and_optional_fields(tmp_path: Path) -> None:
    path = write_corpus(
        tmp_path / "c.jsonl",
        [
            {"id": "a", "text": "hi", "label": "allowed", "source": "ignored"},
            {"id": "b", "text": "x", "label": "blocked", "category": "jb", "expect_rule": "r.1"},
            "",
            {
                "id": 7,
                "text": "y",
                "label": "blocked",
                "expect_rule": ["r.1", "r.2", "r.1"],
                "stage": "tool_result",
                "provider": "local",
                "tool": "issue_refund",
                "arguments": {"amount": 5},
            },
        ],
    )
    items = load_corpus([path])
    assert [i.id for i in items] == ["a", "b", "7"]
    a, b, c = items
    assert (a.label, a.category, a.stage, a.expect_rules) == (
        Label.ALLOWED,
        "benign",
        Stage.INPUT,
        (),
    )
    assert (b.label, b.category, b.expect_rules) == (Label.BLOCKED, "jb", ("r.1",))
    assert c.expect_rules == ("r.1", "r.2")
    assert (c.stage, c.provider, c.tool, c.arguments) == (
        Stage.TOOL_RESULT,
        "local",
        "issue_refund",
        {"amount": 5},
    )
    assert c.where == f"{path}:4"


def test_a_label_that_is_a_category_name_means_blocked(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "c.jsonl", [{"id": "x", "text": "t", "label": "jailbreak"}])
    (item,) = load_corpus([path])
    assert (item.label, item.category) == (Label.BLOCKED, "jailbreak")


def test_a_directory_stands_for_its_jsonl_files_in_name_order(tmp_path: Path) -> None:
    write_corpus(tmp_path / "b.jsonl", [{"id": "b1", "text": "t", "label": "allowed"}])
    write_corpus(tmp_path / "a.jsonl", [{"id": "a1", "text": "t", "label": "blocked"}])
    (tmp_path / "notes.txt").write_text("not a corpus")
    assert [i.id for i in load_corpus([tmp_path])] == ["a1", "b1"]


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write_corpus(
        tmp_path / "bad.jsonl",
        [
            {"id": "ok", "text": "fine", "label": "allowed"},
            '{"id": "broken", "text": ',
            {"id": "no-text", "label": "blocked"},
            {"id": "typo", "text": "t", "label": "alowed"},
            {"id": "ok", "text": "again", "label": "blocked"},
            {"id": "stage", "text": "t", "label": "blocked", "stage": "prompt"},
            '["a", "list"]',
            {"id": "mismatch", "text": "t", "label": "jailbreak", "category": "pii"},
            {"id": "rules", "text": "t", "label": "blocked", "expect_rule": [1]},
        ],
    )
    with pytest.raises(ConfigurationError) as exc:
        load_corpus([path])
    assert str(exc.value).startswith("the eval corpus has 8 problem(s)")
    problems = _problem_lines(exc)
    assert problems == [
        f"{path}:2: not JSON (Expecting value at column 26)",
        f"{path}:3: `text` must be a non-empty string",
        f"{path}:4: label 'alowed' looks like a typo of 'allowed'",
        f"{path}:5: id 'ok' is already used at {path}:1",
        f"{path}:6: `stage` 'prompt' is not one of input, output, tool_call, tool_result",
        f"{path}:7: expected a JSON object, got list",
        f"{path}:8: label 'jailbreak' is a category name but `category` says 'pii'; use "
        "label `blocked` with the category, or drop `category`",
        f"{path}:9: `expect_rule` must be a rule id or a list of rule ids",
    ]


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    first = write_corpus(tmp_path / "a.jsonl", [{"id": "same", "text": "t", "label": "allowed"}])
    second = write_corpus(tmp_path / "b.jsonl", [{"id": "same", "text": "u", "label": "blocked"}])
    with pytest.raises(ConfigurationError, match=r"already used at .*a\.jsonl:1"):
        load_corpus([first, second])


def test_only_the_first_ten_problems_are_listed_with_a_count(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "c.jsonl", ["{"] * 13)
    with pytest.raises(ConfigurationError) as exc:
        load_corpus([path])
    lines = _problem_lines(exc)
    assert len(lines) == 11
    assert lines[-1] == "... and 3 more"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p / "missing.jsonl", "no such corpus file or directory"),
        (lambda p: p, "the directory holds no *.jsonl corpus files"),
        (lambda p: write_corpus(p / "e.jsonl", [""]), "the eval corpus is empty"),
    ],
)
def test_nothing_to_run_is_an_error(tmp_path: Path, setup: object, message: str) -> None:
    target = setup(tmp_path)  # type: ignore[operator]
    with pytest.raises(ConfigurationError, match=message.replace("*", r"\*")):
        load_corpus([target])


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "x", "text": "çay", "label": "allowed"}\n'.encode("latin-1"))
    with pytest.raises(ConfigurationError, match=r"latin1.jsonl: cannot read the file: not UTF-8"):
        load_corpus([path])


@pytest.mark.parametrize("label", ["benign", "Safe", "ok"])
def test_a_label_that_means_allowed_is_not_taken_as_a_blocked_category(
    tmp_path: Path, label: str
) -> None:
    path = write_corpus(tmp_path / "c.jsonl", [{"id": "x", "text": "t", "label": label}])
    with pytest.raises(ConfigurationError, match="write label `allowed`"):
        load_corpus([path])


def test_strings_holding_unicode_line_breaks_and_a_bom_are_read_as_json_lines(
    tmp_path: Path,
) -> None:
    # Found by probing: str.splitlines() split inside these JSON strings (as json.dumps
    # with ensure_ascii=False writes them), so a valid file was "not JSON" at wrong lines;
    # a byte order mark made line 1 "not JSON".
    rows = [
        {"id": "a", "text": "first para\u2028second\u2029third", "label": "allowed"},
        {"id": "b", "text": "x\x85y\x1cz\x1d\x1e", "label": "blocked"},
    ]
    path = tmp_path / "c.jsonl"
    body = "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in rows)
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    items = load_corpus([path])
    assert [(i.id, i.text, i.where) for i in items] == [
        ("a", rows[0]["text"], f"{path}:1"),
        ("b", rows[1]["text"], f"{path}:2"),
    ]
    path.write_text(json.dumps(rows[0], ensure_ascii=False) + "\n\nnot json\n")
    with pytest.raises(ConfigurationError, match=r"c.jsonl:3: not JSON"):
        load_corpus([path])
