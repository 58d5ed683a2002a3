"""Value types, action binding, the reviewer directory and the role authorizer (no DB)."""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from charter._canonical import sha256_hex
from charter.approvals import (
    ApprovalState,
    Reviewer,
    ReviewerDirectory,
    RoleAuthorizer,
    Vote,
    action_hash,
    can_approve,
    canonical_action,
)
from charter.decision import Approvers
from charter.errors import ApprovalError, ConfigurationError, NotAuthorized
from tests.approvals.helpers import ACTION, REVIEWERS, make_request

NOW = datetime(2030, 1, 1, tzinfo=UTC)


# --- action binding ------------------------------------------------------------------------


def test_action_hash_ignores_key_order_and_mapping_type() -> None:
    reordered = OrderedDict(reversed(list(ACTION.items())))
    frozen = MappingProxyType({**ACTION, "tool": MappingProxyType(dict(ACTION["tool"]))})
    assert action_hash(reordered) == action_hash(ACTION) == action_hash(frozen)


def test_action_hash_is_sha256_of_the_canonical_json() -> None:
    assert action_hash(ACTION) == sha256_hex(ACTION)
    assert len(action_hash(ACTION)) == 64


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a["tool"]["arguments"].__setitem__("eur", 901),
        lambda a: a["tool"].__setitem__("name", "refund"),
        lambda a: a.__setitem__("text", a["text"] + " "),
        lambda a: a["model"].__setitem__("name", "other"),
        lambda a: a.__setitem__("kind", "llm_call"),
    ],
)
def test_any_change_to_the_action_changes_its_hash(change: Any) -> None:
    other = copy.deepcopy(ACTION)
    change(other)
    assert action_hash(other) != action_hash(ACTION)


def test_tuples_and_lists_bind_the_same_action() -> None:
    assert action_hash({"tool": {"args": (1, 2)}}) == action_hash({"tool": {"args": [1, 2]}})


def test_canonical_action_is_plain_json_and_refuses_non_mappings() -> None:
    plain = canonical_action({"b": (1, {"c": 2}), "a": "x"})
    assert json.dumps(plain, sort_keys=True) == '{"a": "x", "b": [1, {"c": 2}]}'
    with pytest.raises(ApprovalError, match="must be a mapping"):
        canonical_action(["not", "a", "mapping"])  # type: ignore[arg-type]


# --- request view ---------------------------------------------------------------------------


def test_counts_and_policy_view_leave_the_action_out() -> None:
    request = make_request(
        votes=(
            Vote(reviewer="alice", verdict="approve", at=NOW),
            Vote(reviewer="bob", verdict="reject", reason="no", at=NOW),
        )
    )
    assert (request.approvals, request.rejections) == (1, 1)
    view = request.policy_view()
    assert view["votes"] == [
        {"reviewer": "alice", "verdict": "approve"},
        {"reviewer": "bob", "verdict": "reject"},
    ]
    assert view["approvers"] == {"roles": ["finance"], "users": []}
    assert "<IBAN_CODE_1>" not in json.dumps(view) and "action" not in view


# --- reviewer directory ----------------------------------------------------------------------


def test_directory_gives_configured_roles() -> None:
    directory = ReviewerDirectory.from_mapping({"reviewers": REVIEWERS}, source="x")
    assert directory.get("bob") == Reviewer(id="bob", roles=("finance",), tenants=("acme",))
    assert "bob" in directory and "mallory" not in directory
    assert len(directory) == len(REVIEWERS)


def test_directory_refuses_unknown_reviewers_with_a_fix() -> None:
    directory = ReviewerDirectory.from_mapping(REVIEWERS, source="reviewers.json")
    with pytest.raises(NotAuthorized, match=r"unknown reviewer 'mallory'.*reviewers\.json"):
        directory.get("mallory")
    with pytest.raises(NotAuthorized, match="it is empty"):
        ReviewerDirectory({}, source="x").get("alice")


def test_directory_from_json_and_toml_files(tmp_path: Path) -> None:
    as_json = tmp_path / "reviewers.json"
    as_json.write_text(json.dumps({"reviewers": {"alice": {"roles": ["finance"]}}}))
    as_toml = tmp_path / "reviewers.toml"
    as_toml.write_text('[reviewers.alice]\nroles = ["finance"]\ntenants = ["acme"]\n')
    assert ReviewerDirectory.from_file(as_json).get("alice").roles == ("finance",)
    assert ReviewerDirectory.from_file(as_toml).get("alice").tenants == ("acme",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"alice": {"roles": "finance"}}', r"reviewers\.alice.*roles must be a list of strings"),
        ('{"alice": ["finance"]}', r"reviewers\.alice.*must be an object"),
        ('["alice"]', "must be an object mapping reviewer id"),
    ],
)
def test_bad_reviewer_files_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "reviewers.json"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        ReviewerDirectory.from_file(path)


def test_missing_reviewer_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read"):
        ReviewerDirectory.from_file(tmp_path / "absent.json")


# --- role authorizer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reviewer", "approvers", "allowed", "why"),
    [
        (Reviewer(id="a", roles=("finance",)), Approvers(roles=("finance",)), True, ""),
        (Reviewer(id="a"), Approvers(users=("a",)), True, ""),
        (
            Reviewer(id="a", roles=("support",)),
            Approvers(roles=("finance",)),
            False,
            "needs roles finance; reviewer has roles support",
        ),
        (
            Reviewer(id="a", roles=("finance",), tenants=("globex",)),
            Approvers(roles=("finance",)),
            False,
            "not a reviewer for tenant 'acme'",
        ),
        (Reviewer(id="a", roles=("finance",)), Approvers(), False, "names no approvers"),
    ],
)
def test_role_authorizer(reviewer: Reviewer, approvers: Approvers, allowed: bool, why: str) -> None:
    result = RoleAuthorizer().authorize(reviewer, make_request(approvers=approvers))
    assert result.allowed is allowed
    assert why in " ".join(result.reasons)


def test_can_approve_adds_the_four_eyes_and_one_vote_rules() -> None:
    alice = Reviewer(id="alice", roles=("finance",))
    assert can_approve(alice, make_request()).allowed
    own = can_approve(Reviewer(id="User-7", roles=("finance",)), make_request())
    assert not own.allowed and "own request" in own.reasons[0]
    voted = make_request(votes=(Vote(reviewer="alice", verdict="approve", at=NOW),))
    assert "already voted" in can_approve(alice, voted).reasons[0]
    decided = make_request(state=ApprovalState.APPROVED)
    assert "already approved" in can_approve(alice, decided).reasons[0]
