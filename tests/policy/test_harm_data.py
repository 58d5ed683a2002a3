"""Malformed `config.harm` in data.json is refused when the bundle loads, naming the key.

Found by probing: each of these loaded, passed `charter policy check` and turned harm checks
off (a self-harm score of 0.9 was allowed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES
from charter.decision import Action
from charter.errors import BundleError
from charter.policy.embedded import EmbeddedEngine

Harm = dict[str, Any]


def _cat(key: str, value: object) -> Callable[[Harm], None]:
    return lambda harm: harm["categories"]["self_harm"].update({key: value})


CASES: list[tuple[str, Callable[[Harm], None], str]] = [
    ("threshold 50", _cat("threshold", 50), "categories.self_harm.threshold must be a score"),
    (
        "below 0",
        _cat("output_threshold", -1),
        "categories.self_harm.output_threshold must be a score",
    ),
    ("unknown action", _cat("action", "hold"), "categories.self_harm.action must be one of deny,"),
    ("redact", _cat("action", "redact"), "categories.self_harm.action must be one of deny,"),
    ("support text", _cat("support", "true"), "categories.self_harm.support must be true or false"),
    ("knob typo", _cat("treshold", 0.2), "categories.self_harm.treshold is no harm setting"),
    ("no threshold", lambda h: h["default"].pop("threshold"), "default.threshold is missing"),
    ("no action", lambda h: h["default"].pop("action"), "default.action is missing"),
    ("no default", lambda h: h.pop("default"), "default must be an object"),
    ("list", lambda h: h.update(categories=[]), "categories must be an object"),
    ("string", lambda h: h["categories"].update(hate="deny"), "categories.hate must be an"),
    (
        "typo",
        lambda h: h["categories"].update({"self-harm": {}}),
        "categories.self-harm is no harm category",
    ),
    ("stages", lambda h: h.update(stages="input"), "stages must be a list"),
    ("stage typo", lambda h: h.update(stages=["inputs"]), "stages must be a list"),
    ("no stages", lambda h: h.pop("stages"), "stages must be a list"),
    # found by probing: each of these turned a category, the review band or self-harm off
    ("no categories", lambda h: h.pop("categories"), "categories must be an object"),
    ("no reviewers", lambda h: h.pop("review_approval"), "review_approval must be an object"),
    (
        "reviewers nobody",
        lambda h: h["review_approval"].update(approvers={"roles": [], "users": []}),
        "review_approval.approvers names nobody",
    ),
    (
        "reviewer roles",
        lambda h: h["review_approval"]["approvers"].update(roles="security"),
        "review_approval.approvers.roles must be a list of strings",
    ),
    (
        "no approval count",
        lambda h: h["review_approval"].pop("min_approvals"),
        "review_approval.min_approvals must be a whole number",
    ),
    ("no support", lambda h: h.pop("support"), "support.en must be a supportive message"),
    ("support empty", lambda h: h.update(support={}), "support.en must be a supportive message"),
    ("no turkish", lambda h: h["support"].pop("tr"), "support.tr must be a supportive message"),
]


def _bundle(tmp_path: Path, change: Callable[[Harm], None]) -> Path:
    target = tmp_path / "P"
    shutil.copytree(DEFAULT_POLICIES / "charter", target / "charter")
    path = target / "charter" / "data.json"
    data = json.loads(path.read_text())
    change(data["config"]["harm"])
    path.write_text(json.dumps(data))
    return target


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_harm_data_is_refused_naming_the_key(
    tmp_path: Path, change: Callable[[Harm], None], message: str
) -> None:
    with pytest.raises(BundleError) as caught:
        EmbeddedEngine(_bundle(tmp_path, change))
    assert f"data.charter.config.harm.{message}" in str(caught.value)


def test_harm_config_removed_is_refused(tmp_path: Path) -> None:
    target = _bundle(tmp_path, lambda harm: None)
    path = target / "charter" / "data.json"
    data = json.loads(path.read_text())
    del data["config"]["harm"]
    path.write_text(json.dumps(data))
    with pytest.raises(BundleError, match=r"data\.charter\.config\.harm must be an object"):
        EmbeddedEngine(target)


def test_well_formed_changes_still_load_and_decide(tmp_path: Path) -> None:
    def change(harm: Harm) -> None:
        harm["categories"]["self_harm"].update(threshold=0.2, review_threshold=0.1)
        harm["categories"]["hate"] = {"action": "log"}
        harm["stages"] = ["input"]

    engine = EmbeddedEngine(_bundle(tmp_path, change))
    decision = engine.evaluate(
        {"schema": 1, "stage": "input", "text": "x", "signals": {"harm.self_harm": 0.3}}
    )
    assert decision.action is Action.DENY and decision.rules == ("harm.self_harm",)


def test_support_messages_are_needed_only_by_a_category_with_support(tmp_path: Path) -> None:
    def change(harm: Harm) -> None:
        harm["categories"]["self_harm"]["support"] = False
        del harm["support"]

    engine = EmbeddedEngine(_bundle(tmp_path, change))
    decision = engine.evaluate(
        {"schema": 1, "stage": "input", "text": "x", "signals": {"harm.self_harm": 0.9}}
    )
    assert decision.action is Action.DENY and decision.rules == ("harm.self_harm",)
