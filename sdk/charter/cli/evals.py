"""`charter eval run CORPUS...`: how well the policy blocks what it should and lets through
what it should, measured offline (no model is called), with gates for CI."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from charter.cli._common import fail

app = typer.Typer(
    help="Measure the guard on labelled corpora: detection, false refusals, rule hits.",
    no_args_is_help=True,
)


@app.command()
def run(
    corpus: Annotated[
        list[str],
        typer.Argument(help="JSON-lines corpus files, or directories of *.jsonl files."),
    ],
    policies: Annotated[
        str | None,
        typer.Option(
            "--policies", help="Policy bundle to measure (default: CHARTER_POLICIES or shipped)."
        ),
    ] = None,
    provider: Annotated[
        str, typer.Option("--provider", help="Model provider the prompts are sent to.")
    ] = "openai",
    model: Annotated[str, typer.Option("--model", help="Model name put in the input.")] = "",
    pii_mode: Annotated[
        str, typer.Option("--pii-mode", help="PII detector: pattern, spacy or off.")
    ] = "pattern",
    redaction_counts_as_block: Annotated[
        bool,
        typer.Option(
            "--redaction-counts-as-block",
            help="Count a redaction as catching an item labelled blocked.",
        ),
    ] = False,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            min=0.0,
            max=1.0,
            help="Exit 1 when the detection rate is below this fraction (e.g. 0.9).",
        ),
    ] = None,
    max_false_refusals: Annotated[
        float | None,
        typer.Option(
            "--max-false-refusals",
            min=0.0,
            max=1.0,
            help="Exit 1 when the false refusal rate is above this fraction (e.g. 0.05).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run labelled prompts through PII detection, signals and the policy; no model call.

    Each line: {"id", "text", "label": "allowed"|"blocked"|<category>, "category",
    "expect_rule" (optional), "stage" (optional, default input)}. Exits 1 when a gate fails
    or an item could not be evaluated.
    """
    from charter.errors import CharterError
    from charter.evals import eval_charter, load_corpus, render_text, run_eval

    if pii_mode not in ("pattern", "spacy", "off"):
        raise fail(f"--pii-mode {pii_mode!r} is not one of pattern, spacy, off")
    try:
        items = load_corpus(corpus)
        guard = eval_charter(policies, pii_mode=pii_mode)
        try:
            report = run_eval(
                items,
                guard,
                provider=provider,
                model=model,
                redaction_counts_as_block=redaction_counts_as_block,
            )
        finally:
            guard.close()
    except CharterError as exc:
        notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))
        raise fail(f"{exc}{notes}") from None
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(report))
    failures = report.gate_failures(fail_under=fail_under, max_false_refusals=max_false_refusals)
    for failure in failures:
        typer.echo(f"FAIL: {failure}", err=True)
    if failures:
        raise typer.Exit(1)
