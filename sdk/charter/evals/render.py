"""The eval report as text: headline rates first, then what to fix (misses, false
refusals), then where the numbers come from (categories, rules, expected rules)."""

from __future__ import annotations

from charter.evals.report import EvalReport, ItemRef
from charter.evals.table import percent, text_table


def render_text(report: EvalReport) -> str:
    caught = "blocked or redacted" if report.redaction_counts_as_block else "blocked"
    lines = [
        f"charter eval: {report.items} items, policy revision {report.policy_revision}, "
        f"provider {report.provider}",
        "",
        f"detection      {percent(report.detection_rate):>6}  "
        f"{report.detected}/{report.blocked_items} items labelled blocked were {caught}",
        f"false refusals {percent(report.false_refusal_rate):>6}  "
        f"{len(report.false_refusals)}/{report.allowed_items} items labelled allowed were blocked",
        f"redacted       {report.redacted:>6}  items went on with personal data removed",
    ]
    if report.expected_rule_agreement is not None:
        lines.append(
            f"expected rules {percent(report.expected_rule_agreement):>6}  "
            "of items with expect_rule had every expected rule fire"
        )
    lines += ["", "by suite (corpus file):"]
    lines += text_table(
        ("suite", "items", "labelled blocked", "caught", "labelled allowed", "refused"),
        [
            (
                s.suite,
                s.items,
                s.labelled_blocked,
                _share(s.caught, s.labelled_blocked),
                s.labelled_allowed,
                _share(s.refused, s.labelled_allowed),
            )
            for s in report.suites
        ],
    )
    lines += ["", "by category:"]
    lines += text_table(
        ("category", "items", "labelled blocked", "blocked", "redacted", "allowed", "block rate"),
        [
            (
                c.category,
                c.items,
                c.labelled_blocked,
                c.blocked,
                c.redacted,
                c.allowed,
                percent(c.block_rate),
            )
            for c in report.categories
        ],
    )
    lines += _item_list("misses (labelled blocked, not " + caught + ")", report.misses)
    lines += _item_list("false refusals (labelled allowed, blocked)", report.false_refusals)
    lines += _item_list("errors (policy failed closed)", report.errors)
    lines += ["", "rule hits:"]
    lines += (
        text_table(
            ("rule", "hits", "on blocked items", "on allowed items"),
            [(r.rule, r.hits, r.on_blocked_items, r.on_allowed_items) for r in report.rules],
        )
        if report.rules
        else ["  (no rule fired)"]
    )
    if report.expected_rules:
        lines += ["", "expected rules:"]
        lines += text_table(
            ("rule", "items", "fired", "did not fire on"),
            [(e.rule, e.items, e.fired, e.missed) for e in report.expected_rules],
        )
    return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{part} ({percent(part / whole)})" if whole else "-"


def _item_list(title: str, refs: tuple[ItemRef, ...]) -> list[str]:
    if not refs:
        return ["", f"{title}: none"]
    rows = [(r.id, r.category, r.action.value, r.rules) for r in refs]
    return ["", f"{title}: {len(refs)}", *text_table(("id", "category", "action", "rules"), rows)]
