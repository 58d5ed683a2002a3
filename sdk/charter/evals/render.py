"""The eval report as text: headline rates first, then what to fix (misses, false
refusals), then where the numbers come from (categories, rules, expected rules)."""

from __future__ import annotations

from charter.evals.report import EvalReport, ItemRef
from charter.evals.table import percent, text_table


def render_text(report: EvalReport) -> str:
    caught = "blocked or redacted" if report.redaction_counts_as_block else "blocked"
    lines = [
        f"charter eval: {report.items} items{_not_evaluated(len(report.errors))}, "
        f"policy revision {report.policy_revision}, "
        f"provider {report.provider}",
        "",
        f"detection      {percent(report.detection_rate):>6}  "
        f"{report.detected}/{report.blocked_items} items labelled blocked were {caught}",
        f"false refusals {percent(report.false_refusal_rate):>6}  "
        f"{len(report.false_refusals)}/{report.allowed_items} items labelled allowed were blocked",
        f"redacted       {report.redacted:>6}  items went on with personal data removed",
    ]
    if report.errors:
        lines.append(
            f"errors         {len(report.errors):>6}  items could not be evaluated "
            "(listed below): left out of every figure"
        )
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
                f"{s.items}{_not_evaluated(s.not_evaluated)}" if s.not_evaluated else s.items,
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
    lines += _slices(report)
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


def _slices(report: EvalReport) -> list[str]:
    """Held-out vs in-distribution families and languages, then per category side by side."""
    if not any(s.name != "no family" for s in report.splits) and len(report.languages) < 2:
        return []
    lines = [
        "",
        f"by split (trained on {len(report.trained_families)} families; others are held-out):",
    ]
    rows = [
        (
            s.name,
            f"{s.caught}/{s.attacks}",
            percent(s.attack_rate),
            f"{s.refused}/{s.benign}",
            percent(s.refusal_rate),
        )
        for group in (report.splits, report.languages)
        for s in group
    ]
    lines += text_table(("slice", "attacks caught", "rate", "benign refused", "rate"), rows)
    names = [s.name for s in report.splits]
    per = {s.name: {c: (n, k) for c, n, k in s.by_category} for s in report.splits}
    categories = sorted({c for s in report.splits for c, _, _ in s.by_category})
    lines += ["", "by category and split (caught, or refused for benign categories):"]
    lines += text_table(
        ("category", *names),
        [(c, *(_cell(per[name].get(c)) for name in names)) for c in categories],
    )
    return lines


def _cell(value: tuple[int, int] | None) -> str:
    if value is None:
        return "-"
    items, hits = value
    return f"{hits}/{items} {percent(hits / items)}"


def _share(part: int, whole: int) -> str:
    return f"{part} ({percent(part / whole)})" if whole else "-"


def _item_list(title: str, refs: tuple[ItemRef, ...]) -> list[str]:
    if not refs:
        return ["", f"{title}: none"]
    rows = [(r.id, r.category, r.action.value, r.rules) for r in refs]
    return ["", f"{title}: {len(refs)}", *text_table(("id", "category", "action", "rules"), rows)]


def _not_evaluated(count: int) -> str:
    """Beside a count of items: how many of them errored, which no other figure counts."""
    return f" ({count} not evaluated)" if count else ""
