"""`charter drift report`: the console's drift verdicts from exported span files, for a
scheduled job. Files are JSON lines as written by `charter monitor export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from charter.cli import clean_errors, fail, say
from monitor_tui.cli.extra import DRIFT_MODULES, need_console_extra

app = typer.Typer(help="Detect drift between two sets of spans.", no_args_is_help=True)

FAIL_ON = ("never", "warn", "alert")
DRIFT_EXIT = 3


@app.command()
@clean_errors
def report(
    baseline: Path = typer.Option(..., help="Baseline spans (JSON lines from monitor export)."),
    current: Path = typer.Option(..., help="Current spans (JSON lines from monitor export)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    min_samples: int = typer.Option(200, help="Spans needed per side before judging."),
    group_by: str = typer.Option(
        "app,environment,model,revision",
        help="Segment dimensions: app, model, revision, tenant, environment.",
    ),
    p_value: float = typer.Option(0.001, help="Significance level of the KS / chi-square tests."),
    score_shift_min: float = typer.Option(
        0.02, help="Least shift (Wasserstein) of a 0..1 signal score that counts as drift."
    ),
    fail_on: str = typer.Option(
        "never", help=f"Exit {DRIFT_EXIT} when drift reaches this level: never, warn or alert."
    ),
) -> None:
    """Compare current spans to a baseline per app x environment x model x policy revision."""
    if fail_on not in FAIL_ON:
        raise fail(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    need_console_extra("drift", *DRIFT_MODULES)
    from pydantic import ValidationError

    from monitor_tui.drift import DriftConfig, DriftSeverity, compare
    from monitor_tui.ingest.jsonl import read_jsonl

    dims = tuple(d.strip() for d in group_by.split(",") if d.strip())
    try:
        config = DriftConfig(
            min_samples=min_samples,
            group_by=dims,
            p_value=p_value,
            score_shift_min=score_shift_min,
        )
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise fail(f"invalid drift settings: {problems}") from None
    result = compare(_read(baseline, read_jsonl), _read(current, read_jsonl), config)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        say(render_table(result))  # segment names come from exporters' spans
    if fail_on != "never" and result.severity.rank >= DriftSeverity(fail_on).rank:
        raise typer.Exit(DRIFT_EXIT)


def _read(path: Path, read_jsonl: Any) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return read_jsonl(fh, source=str(path))
    except FileNotFoundError:
        raise fail(f"{path}: no such file; write one with `charter monitor export`") from None
    except UnicodeDecodeError:
        raise fail(
            f"{path}: not UTF-8 text; expected JSON lines from `charter monitor export`"
        ) from None
    except OSError as exc:
        raise fail(f"{path}: cannot read ({exc.strerror})") from None


def render_table(result: Any) -> str:
    """Plain-text report: overall verdict, one block per segment, then the alerts."""
    lines = [
        f"drift: {result.severity.value} (baseline {result.baseline_spans} calls, "
        f"current {result.current_spans} calls, min {result.config.min_samples} per side)",
        f"what changed: {result.sources_line()}",
    ]
    # As wide as the longest name: a cut name ("response_signal.harm.") names no feature.
    names = [f.feature for segment in result.segments for f in segment.features]
    width = 2 + max(map(len, ["feature", *names]))
    header = (
        f"  {'feature':<{width}}{'kind':<13}{'n base/cur':<14}{'metric':<8}{'score':<9}"
        f"{'p-value':<10}severity"
    )
    for segment in result.segments:
        lines += ["", f"{segment.label}: {segment.severity.value}", header]
        for f in segment.features:
            score = "-" if f.score is None else f"{f.score:.3f}"
            p = "-" if f.p_value is None else f"{f.p_value:.2g}"
            lines.append(
                f"  {f.feature:<{width}}{f.kind:<13}{f'{f.n_baseline}/{f.n_current}':<14}"
                f"{f.metric:<8}{score:<9}{p:<10}{f.severity.value}"
            )
    alerts = result.alerts()
    lines += ["", f"alerts: {len(alerts)}" if alerts else "alerts: none"]
    for segment, f in alerts:
        lines.append(f"  {f.severity.value:<6}{segment.label} {f.feature}: {f.reason}")
    return "\n".join(lines)
