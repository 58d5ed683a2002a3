"""Data the shipped modules read, of the wrong type, is refused when the bundle loads,
naming the key.

Found by probing: the compiled RVM turns the builtin error such data causes into undefined,
so `forbidden_topics.investment_advice` as one string allowed investment advice, and one
`special_categories` entry as a string turned every forbidden topic off; `charter policy
check` said ok."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES
from charter.errors import BundleError
from charter.policy.embedded import EmbeddedEngine

Data = dict[str, Any]


def _set(*path: str, value: object) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


CASES: list[tuple[str, Callable[[Data], None], str]] = [
    (
        "topic as a string",
        _set("config", "forbidden_topics", "investment_advice", value="which stock*"),
        "config.forbidden_topics.investment_advice must be a list of strings, got a string",
    ),
    (
        "topics as a list",
        _set("config", "forbidden_topics", value=["which stock*"]),
        "config.forbidden_topics must be an object, got a list",
    ),
    (
        "special category as a string",
        _set("config", "special_categories", "health", value="diagnosed with"),
        "config.special_categories.health must be a list of strings",
    ),
    (
        "account owners as a string",
        _set("config", "other_customers_accounts", "owners", value="someone else s"),
        "config.other_customers_accounts.owners must be a list of strings, got a string",
    ),
    (
        "a phrase that is a number",
        _set("config", "output", "leak_phrases", value=["my system prompt is", 7]),
        "config.output.leak_phrases must be a list of strings",
    ),
    (
        "turkish words as a string",
        _set("config", "harm", "support", "turkish_words", value="ve bir"),
        "config.harm.support.turkish_words must be a list of strings",
    ),
    (
        "restore_pii as a string",
        _set("config", "restore_pii", value="EMAIL_ADDRESS"),
        "config.restore_pii must be a list of strings",
    ),
    (
        "redact operator as a list",
        _set("config", "redact_operators", "EMAIL_ADDRESS", value=["mask"]),
        "config.redact_operators.EMAIL_ADDRESS must be a string",
    ),
    (
        "jailbreak reviewers nobody",
        _set("config", "jailbreak", "review_approval", "approvers", value={"roles": []}),
        "config.jailbreak.review_approval.approvers names nobody",
    ),
    (
        "approval timeout over a year",  # found by review: refused only when a call ran
        _set("config", "tools", "refund", "approval", "timeout_s", value=366 * 86400),
        "config.tools.refund.approval.timeout_s must be above 0 and at most 31536000 s (365 days)",
    ),
    (
        "approval timeout of 0",
        _set("config", "tools", "close_account", "approval", "timeout_s", value=0),
        "config.tools.close_account.approval.timeout_s must be above 0 and at most 31536000 s",
    ),
    (
        "revise phrases as a string",
        _set("revise", "unqualified_promise", "phrases", value="we guarantee"),
        "revise.unqualified_promise.phrases must be a list of strings",
    ),
    (
        "reviewer roles as a string",
        _set("reviewers", "alice", "roles", value="finance"),
        "reviewers.alice.roles must be a list of strings",
    ),
]


def _bundle(tmp_path: Path, change: Callable[[Data], None]) -> Path:
    target = tmp_path / "P"
    shutil.copytree(DEFAULT_POLICIES / "charter", target / "charter")
    top, revise = target / "charter" / "data.json", target / "charter" / "revise" / "data.json"
    data = {**json.loads(top.read_text()), "revise": json.loads(revise.read_text())}
    change(data)
    revise.write_text(json.dumps(data.pop("revise")))
    top.write_text(json.dumps(data))
    return target


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shipped_data_of_the_wrong_type_is_refused_naming_the_key(
    tmp_path: Path, change: Callable[[Data], None], message: str
) -> None:
    with pytest.raises(BundleError) as caught:
        EmbeddedEngine(_bundle(tmp_path, change))
    assert f"data.charter.{message}" in str(caught.value)


def test_the_data_is_checked_only_for_the_packages_that_read_it(tmp_path: Path) -> None:
    """A bundle of one's own may give the same keys another meaning."""
    (tmp_path / "main.rego").write_text('package charter.main\n\ndecision := {"action": "allow"}\n')
    data = {"charter": {"config": {"forbidden_topics": "anything"}}}
    (tmp_path / "data.json").write_text(json.dumps(data))
    assert EmbeddedEngine(tmp_path).evaluate({}).action.value == "allow"
    (tmp_path / "lib.rego").write_text("package charter.lib\n")
    with pytest.raises(BundleError, match="forbidden_topics must be an object"):
        EmbeddedEngine(tmp_path)
