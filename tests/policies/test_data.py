"""The knobs in policies/charter/data.json are consistent with each other and with the SDK's
decision contract, so a tweak that would break enforcement fails here, not in production."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from charter.decision import ApprovalSpec, RedactOperator

from .conftest import BUNDLE, bundle_data

CONFIG: dict[str, Any] = bundle_data()["charter"]["config"]
REVIEWERS: dict[str, Any] = bundle_data()["charter"]["reviewers"]
APPROVALS = {
    "jailbreak.suspected": CONFIG["jailbreak"]["review_approval"],
    "tools.refund_over_limit": CONFIG["tools"]["refund"]["approval"],
    "tools.close_account": CONFIG["tools"]["close_account"]["approval"],
}


def test_manifest_declares_the_charter_root() -> None:
    manifest = json.loads((BUNDLE / ".manifest").read_text())
    assert manifest["roots"] == ["charter"]


def test_redact_operators_are_known() -> None:
    for entity, operator in CONFIG["redact_operators"].items():
        assert RedactOperator(operator), entity


def test_only_reversible_placeholders_are_restored() -> None:
    for entity in CONFIG["restore_pii"]:
        assert CONFIG["redact_operators"].get(entity) == "placeholder", entity


def test_national_identifiers_are_never_restored() -> None:
    assert not set(CONFIG["national_id_types"]) & set(CONFIG["restore_pii"])


def test_providers_are_classified_once() -> None:
    external = {p.lower() for p in CONFIG["external_providers"]}
    internal = {p.lower() for p in CONFIG["internal_providers"]}
    assert "local" in internal and not external & internal


def test_thresholds_are_ordered() -> None:
    jailbreak = CONFIG["jailbreak"]
    assert 0 < jailbreak["review_threshold"] < jailbreak["deny_threshold"] <= 1
    assert 0 < CONFIG["injection"]["deny_threshold"] <= 1
    refund = CONFIG["tools"]["refund"]
    assert 0 < refund["approval_limit"] < refund["hard_limit"]


@pytest.mark.parametrize("rule", sorted(APPROVALS))
def test_approval_specs_decode_and_can_be_met(rule: str) -> None:
    spec = ApprovalSpec.model_validate(APPROVALS[rule])
    roles = set(spec.approvers.roles)
    eligible = [r for r, cfg in REVIEWERS.items() if roles & set(cfg["roles"])]
    assert len(eligible) >= spec.min_approvals, f"{rule}: too few reviewers hold {sorted(roles)}"
    if spec.escalate_to is not None:
        assert any(set(spec.escalate_to.roles) & set(c["roles"]) for c in REVIEWERS.values())


def test_reviewers_are_well_formed() -> None:
    assert set(REVIEWERS) == {"alice", "bob", "carol", "dave", "erin", "frank"}
    for reviewer, cfg in REVIEWERS.items():
        assert cfg["roles"] and cfg["tenants"], reviewer


def _phrases() -> list[tuple[str, str]]:
    lists = {**CONFIG["special_categories"], **CONFIG["forbidden_topics"]}
    lists["output.leak_phrases"] = CONFIG["output"]["leak_phrases"]
    return [(name, phrase) for name, phrases in lists.items() for phrase in phrases]


def test_phrases_have_words_and_no_duplicates() -> None:
    seen: set[str] = set()
    for name, phrase in _phrases():
        assert re.search(r"\w", phrase), f"{name}: empty phrase {phrase!r}"
        assert "*" not in phrase[:-1], f"{name}: '*' only at the end: {phrase!r}"
        assert phrase not in seen, f"{name}: duplicate phrase {phrase!r}"
        seen.add(phrase)


def test_every_topic_has_a_label() -> None:
    assert set(CONFIG["topic_labels"]) == set(CONFIG["forbidden_topics"])
