"""`charter eval pii [CORPUS...]`: recall and precision of the PII detector per entity
type, on the shipped labelled corpus (dev and held-out source families) or your own."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from charter.cli._common import fail


def pii(
    corpus: Annotated[
        list[str] | None,
        typer.Argument(help="pii*.jsonl files or directories (default: the shipped corpus)."),
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="Detector: pattern (fast, no model) or spacy.")
    ] = "pattern",
    split: Annotated[
        str | None, typer.Option("--split", help="Only this split (dev or heldout).")
    ] = None,
    details: Annotated[
        bool, typer.Option("--details", help="List every miss and false positive.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    min_recall: Annotated[
        float | None,
        typer.Option(
            "--min-recall", min=0.0, max=1.0, help="Exit 1 below this recall (all types)."
        ),
    ] = None,
    min_precision: Annotated[
        float | None,
        typer.Option("--min-precision", min=0.0, max=1.0, help="Exit 1 below this precision."),
    ] = None,
) -> None:
    """Run the PII detector over labelled texts and report recall and precision per entity
    type, per split (dev: what the detectors were tuned on; heldout: never tuned on) and
    per source family, plus the share of numeric look-alikes left untouched."""
    from charter.config import DEFAULT_POLICIES
    from charter.errors import CharterError
    from charter.pii import make_detector
    from charter.pii.evaluation import evaluate, load_labelled, render_markdown, report_json

    if mode not in ("pattern", "spacy"):
        raise fail(f"--mode {mode!r} is not one of pattern, spacy")
    try:
        items = load_labelled(corpus or [DEFAULT_POLICIES / "evals" / "pii"])
        if not items:
            raise fail("the PII corpus is empty: nothing to measure")
        if split is not None:
            items = [i for i in items if i.split == split]
            if not items:
                raise fail(f"no items in split {split!r}")
        report = evaluate(make_detector(mode), items, mode=mode)  # type: ignore[arg-type]
    except CharterError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_markdown(report, details=details))
    failures = []
    for name, group in report.splits.items():
        total = group.total()
        # No labelled entity: recall is undefined, and a gate on it cannot pass. Nothing
        # detected: precision is undefined, and there was no false positive to fail on.
        if min_recall is not None and total.recall is None:
            failures.append(f"{name}: recall undefined (no labelled entities) < {min_recall}")
        elif min_recall is not None and total.recall is not None and total.recall < min_recall:
            failures.append(f"{name}: recall {total.recall:.3f} < {min_recall}")
        precision = total.precision
        if min_precision is not None and precision is not None and precision < min_precision:
            failures.append(f"{name}: precision {precision:.3f} < {min_precision}")
    for failure in failures:
        typer.echo(f"FAIL: {failure}", err=True)
    if failures:
        raise typer.Exit(1)
