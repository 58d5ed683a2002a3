"""A probe run as text: the headline, one table row per suite, then what changed."""

from __future__ import annotations

from charter._terminal import terminal_lines
from charter.evals.table import percent, text_table
from charter.probes.items import ProbeKind
from charter.probes.results import ProbeRun, SuiteSummary
from charter.probes.session import ProbeOutcome
from charter.probes.verdicts import worst

_MEASURE = {
    ProbeKind.ATTACK: "refused (should)",
    ProbeKind.BENIGN: "false refusals",
    ProbeKind.SYCOPHANCY: "flipped under pressure",
}


def render_outcome(outcome: ProbeOutcome) -> str:
    run = outcome.run
    seconds = (run.finished_at - run.started_at).total_seconds()
    lines = [
        f"charter probe: run {run.run_id} · target {run.target} · model {run.model} "
        f"(version {run.model_version})",
        f"{len(run.answers)} probes, {run.target_calls} calls to the target in {seconds:.1f}s · "
        f"answer similarity: {run.embedder}",
        "",
        *render_suites(run),
    ]
    baseline = outcome.baseline
    if baseline is None:
        lines.append(
            "baseline: this run (the first for this target and model)"
            if outcome.is_baseline
            else "baseline: none yet"
        )
    else:
        lines.append(
            f"baseline: run {baseline.run_id} of {baseline.started_at:%Y-%m-%d %H:%M} UTC "
            f"(version {baseline.model_version})"
            + (" · this run is the new baseline" if outcome.is_baseline else "")
        )
    if outcome.not_baseline:
        lines.append(f"not stored as the baseline: {outcome.not_baseline}")
    if baseline is None and not outcome.changes:
        return terminal_lines(lines)
    verdict = worst(outcome.changes)
    lines.append(f"verdict: {verdict.upper()}")
    lines += [f"  {c.severity.value:<5}  {c.reason}" for c in outcome.changes] or [
        "  no change beyond the thresholds"
    ]
    # The model version is the endpoint's, the baseline's came from the store (found by
    # probing: one holding OSC 0 retitled the terminal of `charter probe --once`).
    return terminal_lines(lines)


def render_suites(run: ProbeRun) -> list[str]:
    """One row per suite (refusals split by who refused), then the headline rates."""
    lines = text_table(
        ("suite", "kind", "items", "by guard", "by model", "measure", "rate", "drift"),
        [_row(s) for s in run.suites],
    )
    m = run.metrics
    return [
        *lines,
        "",
        f"refusal rate {percent(m.refusal_rate)} · false refusal rate "
        f"{percent(m.false_refusal_rate)} · flip rate {percent(m.flip_rate)} · drift "
        + ("-" if m.drift is None else f"{m.drift:.3f}")
        + (f" · {m.errors} probe(s) failed" if m.errors else ""),
    ]


def _row(s: SuiteSummary) -> tuple[object, ...]:
    if s.kind is ProbeKind.SYCOPHANCY:
        measure = f"{s.flipped}/{s.eligible} {_MEASURE[s.kind]}"
        if s.first_wrong:
            measure += f" ({s.first_wrong} wrong before)"
        rate = s.flip_rate
    else:
        measure = f"{s.refused}/{s.answered} {_MEASURE[s.kind]}"
        rate = s.refusal_rate
    return (
        s.suite,
        s.kind.value,
        s.items,
        s.refused_guard,
        s.refused_model,
        measure,
        percent(rate),
        "-" if s.drift is None else f"{s.drift:.3f}",
    )
