"""`charter policy replay --candidate DIR`: what a proposed bundle would change on recorded
traffic, per outcome and per rule, with examples. Registered by `charter.cli.main` as
`charter policy replay` (the function `replay`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from charter._terminal import terminal_lines
from charter.cli._common import fail, store_url
from charter.cli._time import parse_since

if TYPE_CHECKING:
    from charter.policy.embedded import EmbeddedEngine
    from charter.replay import ComparedDecision, Example, ReplayReport


def replay(
    candidate: Annotated[
        str,
        typer.Option("--candidate", help="The proposed policy bundle: directory, .tar.gz or URL."),
    ],
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Compare with this bundle evaluated on the same inputs, instead of the "
            "recorded decisions (isolates this change from earlier ones in the log).",
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Database URL of the decision log "
            "(default: CHARTER_STORE_URL, else sqlite:///.charter/charter.db).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only records at or after this time: ISO-8601 (UTC if no offset) or an "
            "age such as 30m, 24h, 7d.",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Read at most this many records, oldest first."),
    ] = None,
    examples: Annotated[
        int, typer.Option("--examples", min=0, help="Example records shown per group.")
    ] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    fail_on_change: Annotated[
        bool,
        typer.Option("--fail-on-change", help="Exit 1 when any recorded decision would change."),
    ] = False,
) -> None:
    """Replay recorded (redacted) decision inputs against a candidate bundle and show what
    would change: allow -> deny, deny -> allow, new approvals, redactions, rules."""
    from charter.errors import CharterError
    from charter.replay import replay_store

    moment = parse_since("--since", since)
    try:
        engine = _engine(candidate, "--candidate")
        reference = _engine(baseline, "--baseline") if baseline else None
        try:
            report = replay_store(
                store_url(store),
                engine,
                since=moment,
                limit=limit,
                baseline=reference,
                examples=examples,
            )
        finally:
            engine.close()
            if reference is not None:
                reference.close()
    except CharterError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(report))
    if report.candidate_errors:
        typer.echo(
            f"warning: the candidate could not evaluate {report.candidate_errors} record(s) "
            "and failed closed on them; run `charter policy check` on it",
            err=True,
        )
    if report.without_text:
        typer.echo(
            f"note: {report.without_text} of {report.records} record(s) hold no text "
            "(store_content is off), so rules that read input.text were judged on an empty "
            "text there; set store_content = true to replay them fully",
            err=True,
        )
    if fail_on_change and report.changed:
        typer.echo(f"FAIL: {report.changed} recorded decision(s) would change", err=True)
        raise typer.Exit(1)


def _engine(source: str, option: str) -> EmbeddedEngine:
    from charter.errors import PolicyError
    from charter.policy.embedded import EmbeddedEngine

    try:
        return EmbeddedEngine(source)
    except PolicyError as exc:
        raise fail(f"{option} {source}: {exc}") from None


# --- text report -------------------------------------------------------------------------------


def render_text(report: ReplayReport) -> str:
    against = (
        "the recorded decisions"
        if report.baseline == "recorded"
        else f"baseline revision {report.baseline}"
    )
    recorded = ", ".join(report.recorded_revisions) or "-"
    lines = [
        f"policy replay: {report.records} records (recorded under revision {recorded}); "
        f"candidate revision {report.candidate_revision} vs {against}",
        f"changed: {report.changed} of {report.records} records",
    ]
    if report.records == 0:
        lines.append("no records matched: nothing was compared (check --store and --since)")
    if report.transitions:
        lines += ["", "outcome changes:"]
    for group in report.transitions:
        lines.append(f"  {group.transition} [{group.kind}]: {_records(group.count)}")
        lines += _examples(group.examples, group.count)
    if report.rules:
        lines += ["", "rule changes:"]
    for change in report.rules:
        sign = "+" if change.change == "newly firing" else "-"
        lines.append(f"  {sign} {change.rule}: {change.change} on {_records(change.count)}")
        lines += _examples(change.examples, change.count, with_verdicts=False)
    # Examples quote recorded prompts (a user's input, with store_content on) and rows a
    # store may hold as edited: each line escaped (found by probing: OSC 0 in a prompt
    # retitled the reviewer's terminal).
    return terminal_lines(lines)


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


def _examples(
    examples: tuple[Example, ...], count: int, *, with_verdicts: bool = True
) -> list[str]:
    lines = []
    for ex in examples:
        where = f"{ex.stage} {ex.tool}" if ex.tool else ex.stage
        lines.append(f"      seq {ex.seq}  {ex.decision_id}  {where}: {ex.text}")
        if with_verdicts:
            lines.append(f"        before: {_verdict(ex.before)}")
            lines.append(f"        after:  {_verdict(ex.after)}")
    if count > len(examples):
        lines.append(f"      ... and {count - len(examples)} more (--json lists every decision id)")
    return lines


def _verdict(verdict: ComparedDecision) -> str:
    rules = ", ".join(verdict.rules) or "no rule"
    extra = ""
    if verdict.redact:
        extra += " redact " + ", ".join(f"{k}={v}" for k, v in verdict.redact.items())
    if verdict.approval:
        extra += f" approvals {verdict.approval.get('min_approvals', 1)}"
    if verdict.error:
        extra += " (policy error)"
    return f"{verdict.action.value} [{rules}]{extra}"
