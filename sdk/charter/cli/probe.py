"""`charter probe`: ask the live model a fixed probe set, now (`--once`) or on a schedule
(`--every 6h`), and say whether it behaves differently from its baseline.

Cron instead of `--every` (one run per invocation; exit 1 on an alert, so cron mails it):

    0 */6 * * *  cd /srv/app && charter probe --once --fail-on alert >> probe.log 2>&1
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from charter.cli._common import clean_errors, fail, say
from charter.cli._signals import stop_on_signals
from charter.cli._time import parse_duration

if TYPE_CHECKING:
    from charter.config import Settings
    from charter.probes import ProbeOutcome, Target

app = typer.Typer(
    help="Probe the live model on a schedule: refusals, false refusals, sycophancy, drift.",
    invoke_without_command=True,
)
_SEVERITY = {"never": 3, "alert": 2, "warn": 1}
_RANK = {"ok": 0, "warn": 1, "alert": 2}


@app.callback()
@clean_errors
def probe(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run the probe set once and exit.")] = False,
    every: Annotated[
        str | None, typer.Option("--every", help="Run now and then every interval: 6h, 30m, 1d.")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="module:function, the app's guarded entry point."),
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Base URL of an OpenAI-compatible API.")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model name to record (and send).")
    ] = None,
    messages: Annotated[
        bool,
        typer.Option("--messages", help="Call the target with OpenAI-style messages, not text."),
    ] = False,
    corpus: Annotated[
        list[str] | None,
        typer.Option("--corpus", help="Probe set file or folder (repeatable)."),
    ] = None,
    store: Annotated[
        str | None, typer.Option("--store", help="Store URL (default: the configured one).")
    ] = None,
    set_baseline: Annotated[
        bool, typer.Option("--set-baseline", help="Make this run the new baseline.")
    ] = False,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Exit 1 on a change this severe: warn, alert, never.")
    ] = "never",
    as_json: Annotated[bool, typer.Option("--json", help="Print each run as JSON.")] = False,
    max_runs: Annotated[int | None, typer.Option("--max-runs", hidden=True)] = None,
) -> None:
    """Run the probe set against --target or --endpoint (or probe_target / probe_endpoint in
    charter.toml); compare with the stored baseline; print a table per suite."""
    if ctx.invoked_subcommand is not None:
        return
    if fail_on not in _SEVERITY:
        raise fail(f"--fail-on {fail_on!r} is not one of warn, alert, never", code=2)
    if once == (every is not None):
        raise fail("say --once, or --every <interval> (e.g. --every 6h); for cron use --once")
    interval = None
    if every is not None:
        try:
            interval = parse_duration(every)
        except ValueError as exc:
            raise fail(f"--every: {exc}", code=2) from None
    from charter.config import Settings
    from charter.probes import (
        ProbeHistory,
        load_probe_set,
        probe_once,
        run_every,
        thresholds_from,
    )
    from charter.probes.session import MAX_INTERVAL_S

    if interval is not None and interval > MAX_INTERVAL_S:
        raise fail(f"--every {every!r} is longer than a year; use at most 365d", code=2)

    settings = Settings.load()
    thresholds = thresholds_from(settings.probe_thresholds)
    probe_target = build_target(settings, target, endpoint, model, messages)
    items = load_probe_set(_corpus(settings, corpus))
    telemetry, providers = _telemetry(settings)
    history = ProbeHistory(store or settings.store_url)
    worst_seen = "ok"

    def job() -> ProbeOutcome:
        nonlocal worst_seen
        outcome = probe_once(
            items,
            probe_target,
            history=history,
            telemetry=telemetry,
            thresholds=thresholds,
            pin=set_baseline,
        )
        for part in providers:
            flush = getattr(part, "force_flush", None)
            if flush is not None:
                flush()
        _print(outcome, as_json)
        from charter.probes import worst

        verdict = worst(outcome.changes)
        worst_seen = verdict if _RANK[verdict] > _RANK[worst_seen] else worst_seen
        return outcome

    try:
        if interval is None:
            job()
        else:
            # Ctrl-C or SIGTERM: the run under way ends, then the schedule stops.
            with stop_on_signals() as stop, contextlib.suppress(KeyboardInterrupt):
                run_every(interval, job, stop=stop, max_runs=max_runs)
    finally:
        history.close()
    if interval is None and _RANK[worst_seen] >= _SEVERITY[fail_on]:
        raise typer.Exit(1)


@app.command()
@clean_errors
def history(
    store: Annotated[str | None, typer.Option("--store", help="Store URL.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs.")] = 20,
) -> None:
    """The newest probe runs: rates, drift, verdict; `*` marks each baseline."""
    from charter.cli._common import store_url
    from charter.probes import ProbeHistory

    probes = ProbeHistory(store_url(store))
    unreadable: list[str] = []
    try:
        runs = probes.runs(limit=limit, unreadable=unreadable)
    finally:
        probes.close()
    for run_id in unreadable:  # listed without it, as audit export lists the readable records
        fail(f"probe run {run_id} cannot be read (edited by hand?): left out", code=1)
    if not runs:
        typer.echo("no probe runs yet: run `charter probe --once`")
    else:
        _print_runs(runs)
    if unreadable:
        raise typer.Exit(1)


def _print_runs(runs: list[Any]) -> None:
    from charter.evals.table import percent, text_table
    from charter.probes import worst

    rows = [
        (
            f"{r.started_at:%Y-%m-%d %H:%M}",
            ("*" if r.is_baseline else " ") + r.run_id,
            r.target,
            r.model,
            r.model_version,
            percent(r.metrics.refusal_rate),
            percent(r.metrics.false_refusal_rate),
            percent(r.metrics.flip_rate),
            "-" if r.metrics.drift is None else f"{r.metrics.drift:.3f}",
            worst(r.changes),
        )
        for r in runs
    ]
    headers = ("UTC", "run", "target", "model", "version", "refusal", "false ref.", "flip")
    typer.echo("\n".join(text_table((*headers, "drift", "verdict"), rows, indent="")))


@app.command()
@clean_errors
def pin(
    run_id: Annotated[str, typer.Argument(help="The run to use as baseline from now on.")],
    store: Annotated[str | None, typer.Option("--store", help="Store URL.")] = None,
) -> None:
    """Make a stored run the baseline of its target and model (after accepting a change)."""
    from charter.cli._common import store_url
    from charter.probes import ProbeHistory

    probes = ProbeHistory(store_url(store))
    try:
        run = probes.pin(run_id)
    finally:
        probes.close()
    say(f"run {run.run_id} ({run.model} {run.model_version}) is now the baseline", one_line=True)


def build_target(
    settings: Settings, spec: str | None, endpoint: str | None, model: str | None, messages: bool
) -> Target:
    """--target / --endpoint, else the configured probe_target / probe_endpoint."""
    from charter.probes import OpenAICompatibleTarget, load_target

    if spec and endpoint:
        raise fail("give --target or --endpoint, not both", code=2)
    name = model or settings.probe_model
    spec = spec or (None if endpoint else settings.probe_target)
    endpoint = endpoint or (None if spec else settings.probe_endpoint)
    if spec:
        return load_target(
            spec,
            model=name,
            shape="messages" if messages else "text",
            timeout_s=settings.probe_timeout_s,
        )
    if endpoint:
        key = os.environ.get(settings.probe_api_key_env, "")
        return OpenAICompatibleTarget(
            endpoint, name, api_key=key, timeout_s=settings.probe_timeout_s
        )
    raise fail(
        "nothing to probe: pass --target module:function or --endpoint URL, or set "
        "probe_target / probe_endpoint in charter.toml"
    )


def _corpus(settings: Settings, corpus: list[str] | None) -> list[str]:
    from charter.probes import default_probe_files

    paths = list(corpus or settings.probe_corpus)
    if paths:
        return paths
    found = [str(p) for p in default_probe_files(settings.policies_source)]
    if not found:
        raise fail(
            f"no probe set in {settings.policies_source}/evals; name one with --corpus "
            "or probe_corpus"
        )
    return found


def _telemetry(settings: Settings) -> tuple[Any, tuple[Any, ...]]:
    """Export probe spans only where configuration names an OTLP endpoint, the same way a
    guarded call's telemetry does (probe_* never blocks on a receiver nobody started).
    Also the providers to flush after each run."""
    if not settings.telemetry:
        return None, ()
    from opentelemetry import trace

    from charter.probes import ProbeTelemetry
    from charter.telemetry import from_configuration

    own = from_configuration(settings)  # None: the global provider (an app's, or none)
    provider = own.tracer if own else trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        return None, ()  # nothing configured: no spans to send
    # Charter's own providers are not the global ones: given here, or the spans go nowhere
    meter = own.meter if own else None
    telemetry = ProbeTelemetry(app=settings.app, tracer_provider=provider, meter_provider=meter)
    return telemetry, (provider, meter)


def _print(outcome: ProbeOutcome, as_json: bool) -> None:
    from charter.probes import render_outcome

    if not as_json:
        typer.echo(render_outcome(outcome) + "\n")
        return
    body = {
        "run": outcome.run.model_dump(mode="json", exclude={"answers": {"__all__": {"vector"}}}),
        "changes": [c.model_dump(mode="json") for c in outcome.changes],
        "is_baseline": outcome.is_baseline,
        "not_baseline": outcome.not_baseline,
        "baseline_run_id": outcome.baseline.run_id if outcome.baseline else None,
    }
    typer.echo(json.dumps(body, ensure_ascii=False))
