"""Replay recorded decisions against candidate bundles: a change that tightens (or loosens)
one rule lists exactly the records it affects, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from charter.audit import AuditLog, iter_records
from charter.decision import Action, Decision, Violation
from charter.errors import AuditError
from charter.policy.embedded import EmbeddedEngine
from charter.replay import ReplayReport, replay, replay_store
from tests.replay.conftest import Recorded, copy_bundle

Candidate = Callable[[Callable[[dict[str, Any]], None]], Path]


def _replay(recorded: Recorded, bundle: Path, **kwargs: Any) -> ReplayReport:
    engine = EmbeddedEngine(bundle)
    try:
        return replay_store(recorded.store_url, engine, **kwargs)
    finally:
        engine.close()


def _lower_refund_approval_limit(config: dict[str, Any]) -> None:
    config["tools"]["refund"]["approval_limit"] = 250


def test_the_recorded_bundle_itself_changes_nothing(recorded: Recorded) -> None:
    report = _replay(recorded, recorded.bundle)
    assert (report.records, report.changed, report.candidate_errors) == (9, 0, 0)
    assert (report.transitions, report.rules) == ((), ())
    assert report.recorded_revisions == (report.candidate_revision,)


def test_tightening_one_rule_lists_exactly_the_affected_records(
    recorded: Recorded, candidate: Candidate
) -> None:
    report = _replay(recorded, candidate(_lower_refund_approval_limit))
    assert report.records == 9
    assert report.changed == 2
    assert recorded.names(report.changed_ids) == {"refund_300", "refund_450"}
    (group,) = report.transitions
    assert (group.transition, group.kind, group.count) == (
        "allow -> require_approval",
        "new approval",
        2,
    )
    assert recorded.names(group.decision_ids) == {"refund_300", "refund_450"}
    (rule,) = report.rules
    assert (rule.rule, rule.change, rule.count) == ("tools.refund_over_limit", "newly firing", 2)
    example = group.examples[0]
    assert example.decision_id == recorded.ids["refund_300"]
    assert (example.stage, example.tool) == ("tool_call", "issue_refund")
    assert '"amount": 300' in example.text
    assert (example.before.action, example.before.rules) == (Action.ALLOW, ())
    assert example.after.action is Action.REQUIRE_APPROVAL
    assert example.after.rules == ("tools.refund_over_limit",)
    assert example.after.approval is not None
    assert example.after.approval["approvers"]["roles"] == ["finance"]


def test_a_new_forbidden_phrase_denies_only_the_records_that_mention_it(
    recorded: Recorded, candidate: Candidate
) -> None:
    def forbid_weekend_questions(config: dict[str, Any]) -> None:
        config["forbidden_topics"]["investment_advice"].append("saturday")

    report = _replay(recorded, candidate(forbid_weekend_questions))
    assert recorded.names(report.changed_ids) == {"hours"}
    assert [(g.transition, g.kind) for g in report.transitions] == [("allow -> deny", "stricter")]
    assert [(r.rule, r.change) for r in report.rules] == [("topics.forbidden", "newly firing")]
    assert report.transitions[0].examples[0].text == "What time does the branch open on Saturday?"


def test_loosening_removes_approvals_and_denials(recorded: Recorded, candidate: Candidate) -> None:
    def loosen(config: dict[str, Any]) -> None:
        config["tools"]["refund"]["approval_limit"] = 1000
        config["forbidden_topics"]["investment_advice"] = ["something nobody says"]

    report = _replay(recorded, candidate(loosen))
    groups = {g.transition: (g.kind, recorded.names(g.decision_ids)) for g in report.transitions}
    assert groups == {
        "require_approval -> allow": ("approval removed", {"refund_700"}),
        "deny -> allow": ("looser", {"invest"}),
    }
    rules = {(r.rule, r.change): recorded.names(r.decision_ids) for r in report.rules}
    assert rules == {
        ("tools.refund_over_limit", "no longer firing"): {"refund_700"},
        ("topics.forbidden", "no longer firing"): {"invest"},
    }


def test_a_changed_redaction_operator_is_a_redaction_change(
    recorded: Recorded, candidate: Candidate
) -> None:
    def mask_emails(config: dict[str, Any]) -> None:
        config["redact_operators"]["EMAIL_ADDRESS"] = "mask"

    report = _replay(recorded, candidate(mask_emails))
    (group,) = report.transitions
    assert (group.transition, group.kind) == ("redact (redaction changed)", "redaction changed")
    assert recorded.names(group.decision_ids) == {"email"}
    assert report.rules == ()  # the same rule fires; only its operator changed
    example = group.examples[0]
    assert (example.before.redact, example.after.redact) == (
        {"EMAIL_ADDRESS": "placeholder"},
        {"EMAIL_ADDRESS": "mask"},
    )
    # The recorded input is the redacted one: the address itself was never stored.
    assert "jane.doe@example.com" not in example.text
    assert "<EMAIL_ADDRESS_1>" in example.text


def test_a_changed_approval_spec_is_an_approval_change(
    recorded: Recorded, candidate: Candidate
) -> None:
    def three_approvers(config: dict[str, Any]) -> None:
        config["tools"]["close_account"]["approval"]["min_approvals"] = 3

    report = _replay(recorded, candidate(three_approvers))
    (group,) = report.transitions
    assert (group.transition, group.kind) == (
        "require_approval (approval changed)",
        "approval changed",
    )
    assert recorded.names(group.decision_ids) == {"close"}
    ex = group.examples[0]
    assert (ex.before.approval or {})["min_approvals"] == 2
    assert (ex.after.approval or {})["min_approvals"] == 3


def test_examples_are_capped_but_every_id_is_listed(
    recorded: Recorded, candidate: Candidate
) -> None:
    def lower_to_50(config: dict[str, Any]) -> None:
        config["tools"]["refund"]["approval_limit"] = 50

    report = _replay(recorded, candidate(lower_to_50), examples=1)
    (group,) = report.transitions
    assert recorded.names(group.decision_ids) == {"refund_100", "refund_300", "refund_450"}
    assert [e.decision_id for e in group.examples] == [recorded.ids["refund_100"]]


def test_since_and_limit_select_records(recorded: Recorded, candidate: Candidate) -> None:
    bundle = candidate(_lower_refund_approval_limit)
    future = datetime(2999, 1, 1, tzinfo=UTC)
    assert _replay(recorded, bundle, since=future).records == 0
    first_five = _replay(recorded, bundle, limit=5)
    assert first_five.records == 5
    assert recorded.names(first_five.changed_ids) == {"refund_300"}


def test_a_baseline_bundle_isolates_the_change_under_review(
    recorded: Recorded, candidate: Candidate, tmp_path: Path
) -> None:
    """The log was written under an older revision (limit 500). The pull request goes from
    the current main (limit 250) to main plus a new forbidden phrase: only the phrase's
    effect belongs to the pull request."""
    main = candidate(_lower_refund_approval_limit)

    def add_phrase(config: dict[str, Any]) -> None:
        config["forbidden_topics"]["investment_advice"].append("saturday")

    proposed = copy_bundle(main, tmp_path / "proposed", add_phrase)
    against_log = _replay(recorded, proposed)
    assert recorded.names(against_log.changed_ids) == {"hours", "refund_300", "refund_450"}
    baseline = EmbeddedEngine(main)
    against_main = _replay(recorded, proposed, baseline=baseline)
    assert recorded.names(against_main.changed_ids) == {"hours"}
    assert against_main.baseline == baseline.revision != against_main.candidate_revision


def test_a_candidate_that_fails_closed_is_counted(recorded: Recorded, tmp_path: Path) -> None:
    broken = copy_bundle(recorded.bundle, tmp_path / "broken")
    for test_file in (broken / "charter").glob("*.rego"):
        test_file.unlink()
    (broken / "charter" / "main.rego").write_text(
        'package charter.main\nimport rego.v1\ndecision := {"action": "maybe"}\n'
    )
    report = _replay(recorded, broken)
    assert report.records == report.changed == report.candidate_errors == 9
    newly = [r for r in report.rules if r.change == "newly firing"]
    assert [(r.rule, r.count) for r in newly] == [("charter.fail_closed", 9)]
    stricter = {g.transition for g in report.transitions}
    assert stricter == {"allow -> deny", "redact -> deny", "require_approval -> deny"}


def test_a_record_whose_result_is_not_a_decision_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with AuditLog(url) as log:
        log.record(Decision(action=Action.ALLOW), {"stage": "input", "text": "hi"})
    from charter.store import connect

    engine = connect(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE charter_decision_log SET result_json = '{\"action\": 5}'")
    engine.dispose()
    candidate = EmbeddedEngine.from_sources(
        {"m.rego": 'package charter.main\nimport rego.v1\ndecision := {"action": "allow"}\n'}
    )
    with pytest.raises(AuditError, match=r"record seq 1 \(decision_id .*\) holds a result"):
        replay(iter_records(url), candidate)


def test_replay_works_on_in_memory_records() -> None:
    """`replay()` takes any records (e.g. exported and filtered), not only a store."""
    from charter.audit import DecisionRecord

    recorded = Decision(
        action=Action.DENY, violations=(Violation(rule="old.rule"),), policy_revision="r0"
    )
    record = DecisionRecord(
        seq=1, decision_id=recorded.decision_id, timestamp=datetime.now(UTC),
        input={"stage": "input", "text": "a  very\nlong " + "x" * 200},
        result=recorded.model_dump(mode="json"), policy_revision="r0", labels={},
        metrics={}, prev_hash="0", hash="1",
    )  # fmt: skip
    allow_all = EmbeddedEngine.from_sources(
        {"m.rego": 'package charter.main\nimport rego.v1\ndecision := {"action": "allow"}\n'},
        revision="r1",
    )
    report = replay([record], allow_all)
    (group,) = report.transitions
    assert (group.transition, group.kind) == ("deny -> allow", "looser")
    text = group.examples[0].text
    assert text.startswith("a very long xxx") and text.endswith("...") and len(text) == 120
    assert [(r.rule, r.change) for r in report.rules] == [("old.rule", "no longer firing")]


def test_without_stored_text_amount_rules_still_replay_and_text_records_are_counted(
    tmp_path: Path, base_bundle: Path, candidate: Candidate
) -> None:
    from charter.testing import make_charter

    url = f"sqlite:///{tmp_path / 'no-text.db'}"
    charter = make_charter(base_bundle, tmp_path, store_url=url, audit=True)  # the default
    charter.check("What are your opening hours?", model="gpt-4o", provider="openai")
    arguments = {"order_id": "A-1", "amount": 300}
    charter.check("{}", stage="tool_call", tool="issue_refund", arguments=arguments, model="gpt-4o")
    charter.audit.flush(timeout=30)
    charter.close()
    engine = EmbeddedEngine(candidate(_lower_refund_approval_limit))
    try:
        report = replay_store(url, engine)
    finally:
        engine.close()
    assert (report.records, report.without_text) == (2, 2)
    [group] = report.transitions
    assert (group.transition, group.count) == ("allow -> require_approval", 1)
    assert group.examples[0].text == "(text not stored)"


def _output_record(seq: int, text: str, recorded: Decision) -> Any:
    from charter.audit import DecisionRecord

    return DecisionRecord(
        seq=seq, decision_id=recorded.decision_id, timestamp=datetime.now(UTC),
        input={"schema": 1, "stage": "output", "text": text},
        result=recorded.model_dump(mode="json"), policy_revision="r0", labels={},
        metrics={}, prev_hash="0", hash=str(seq),
    )  # fmt: skip


def test_a_revise_is_reported_new_removed_and_changed(tmp_path: Path) -> None:
    """A policy that starts sending answers back costs a model call each: replay names it."""
    import json
    import shutil

    from charter.config import DEFAULT_POLICIES

    promise = "I guarantee your loan will be approved this week."
    shipped = EmbeddedEngine(DEFAULT_POLICIES)
    try:
        now_revised = shipped.evaluate({"schema": 1, "stage": "output", "text": promise})
    finally:
        shipped.close()
    assert now_revised.action is Action.REVISE and now_revised.revise is not None
    records = [
        _output_record(1, promise, Decision(action=Action.ALLOW, stage="output")),
        _output_record(2, "Opening hours are 9 to 5.", now_revised),
        _output_record(3, promise, now_revised),
    ]
    bundle = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, bundle)
    data = bundle / "charter" / "revise" / "data.json"
    config = json.loads(data.read_text())
    config["max_rounds"] = 2
    data.write_text(json.dumps(config))
    candidate = EmbeddedEngine(bundle)
    try:
        report = replay(records, candidate)
    finally:
        candidate.close()
    kinds = {g.transition: (g.kind, g.count) for g in report.transitions}
    assert kinds == {
        "allow -> revise": ("new revise", 1),
        "revise -> allow": ("revise removed", 1),
        "revise (revise changed)": ("revise changed", 1),
    }
