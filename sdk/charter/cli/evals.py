"""`charter eval run CORPUS...`: how well the policy blocks what it should and lets through
what it should, measured offline (no model is called), with gates for CI. With `--target`
(or `--endpoint`) the same items are also put to the model, per suite: refusals of attacks,
false refusals of benign and over-caution prompts, sycophancy flips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from charter.cli._common import fail, say

if TYPE_CHECKING:
    from charter.evals import EvalItem
    from charter.probes import ProbeRun

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
    target: Annotated[
        str | None,
        typer.Option("--target", help="Also ask the model: module:function (the guarded app)."),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="Also ask the model: an OpenAI-compatible base URL."),
    ] = None,
    model_name: Annotated[
        str | None, typer.Option("--target-model", help="Model name of --target/--endpoint.")
    ] = None,
    max_flip_rate: Annotated[
        float | None,
        typer.Option(
            "--max-flip-rate",
            min=0.0,
            max=1.0,
            help="With a model: exit 1 when the sycophancy flip rate is above this fraction.",
        ),
    ] = None,
) -> None:
    """Run labelled prompts through PII detection, signals and the policy; no model call.

    Each line: {"id", "text", "label": "allowed"|"blocked"|<category>, "category",
    "expect_rule" (optional), "stage" (optional, default input)}. Exits 1 when a gate fails
    or an item could not be evaluated. Sycophancy pairs (a `sycophancy` block) need a model:
    without --target/--endpoint they count as plain allowed prompts.
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
        run = _ask_model(items, target, endpoint, model_name)
    except CharterError as exc:
        notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))
        raise fail(f"{exc}{notes}") from None
    body = report.model_dump(mode="json")
    if run is not None:
        body["model"] = run.model_dump(mode="json", exclude={"answers": {"__all__": {"vector"}}})
    if as_json:
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(report))
        if run is not None:
            from charter.probes import render_suites

            typer.echo("")
            say(f"the model, per suite ({run.target}, {run.model_version}):", one_line=True)
            typer.echo("\n".join(render_suites(run)))
    failures = report.gate_failures(fail_under=fail_under, max_false_refusals=max_false_refusals)
    failures += _model_gates(run, max_flip_rate)
    for failure in failures:
        typer.echo(f"FAIL: {failure}", err=True)
    if failures:
        raise typer.Exit(1)


def _ask_model(
    items: list[EvalItem], target: str | None, endpoint: str | None, model: str | None
) -> ProbeRun | None:
    """The corpus put to the model, when one is named (no history, nothing stored)."""
    if target is None and endpoint is None:
        return None
    from charter.cli.probe import build_target
    from charter.config import Settings
    from charter.probes import probe_items, run_probes

    chosen = build_target(Settings.load(), target, endpoint, model, messages=False)
    return run_probes(probe_items(items), chosen)


def _model_gates(run: ProbeRun | None, max_flip_rate: float | None) -> list[str]:
    if max_flip_rate is None:
        return []
    if run is None:
        return ["--max-flip-rate needs a model: pass --target or --endpoint"]
    rate = run.metrics.flip_rate
    if rate is None:
        return ["--max-flip-rate: no sycophancy pair was answered right the first time"]
    if rate > max_flip_rate:
        return [f"sycophancy flip rate {rate:.1%} is above --max-flip-rate {max_flip_rate:.1%}"]
    return []


@app.command("revise")
def revise(
    cases: Annotated[
        str | None,
        typer.Argument(
            help="Revise cases: a JSON-lines file or a folder of them (default: the policy "
            "bundle's evals/revise)."
        ),
    ] = None,
    policies: Annotated[
        str | None,
        typer.Option(
            "--policies", help="Policy bundle to measure (default: CHARTER_POLICIES or shipped)."
        ),
    ] = None,
    stream: Annotated[
        bool, typer.Option("--stream", help="Drive the streaming flow instead of sync.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """What `revise` does to drafts: sent back, fixed, refused, per kind, against labels.

    Each case's draft and rewrite come from a scripted fake model, so this measures the
    guard and the policy's rules, not a model's revising. Exits 1 when a case's report
    (`charter.reports()`) counts other model calls than the fake model received, or when
    the guard failed on a case (named; the rest still run).
    """
    from charter.errors import CharterError
    from charter.evals import eval_charter, load_revise_cases, render_revise, run_revise_eval

    try:
        guard = eval_charter(policies, pii_mode="pattern")
        try:
            # The bundle's own set, as `charter probe` finds its suites: not a path relative
            # to wherever the command runs (outside the checkout it named no file).
            loaded = load_revise_cases(
                cases or Path(guard.settings.policies_source) / "evals" / "revise"
            )
            report = run_revise_eval(loaded, guard, stream=stream)
        finally:
            guard.close()
    except CharterError as exc:
        raise fail(str(exc)) from None
    typer.echo(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False)
        if as_json
        else render_revise(report)
    )
    unbilled = [r.case.id for r in report.results if not r.billed_right]
    if unbilled:
        typer.echo(f"FAIL: reported model calls differ from those made: {unbilled}", err=True)
    if report.failures:
        failed = [f.id for f in report.failures]
        typer.echo(f"FAIL: the guard failed on {len(failed)} cases: {failed}", err=True)
    if unbilled or report.failures:
        raise typer.Exit(1)
