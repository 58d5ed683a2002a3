"""`charter console`: the Textual monitoring console, with its OTLP receivers running in
the app's workers."""

from __future__ import annotations

from typing import Any

import typer

from charter.cli import clean_errors, fail
from monitor_tui.cli.extra import DRIFT_MODULES, need_console_extra
from monitor_tui.cli.monitor import (
    GrpcPortOpt,
    HostOpt,
    NoGrpcOpt,
    PortOpt,
    SampleRateOpt,
    SpansOpt,
    TokenOpt,
    make_receiver,
    open_store,
)


@clean_errors
def console(
    port: int = PortOpt,
    grpc_port: int = GrpcPortOpt,
    no_grpc: bool = NoGrpcOpt,
    host: str = HostOpt,
    store: str | None = typer.Option(
        None,
        help="Charter store URL with the approval queue (default: CHARTER_STORE_URL or "
        "sqlite:///.charter/charter.db).",
    ),
    spans: str = SpansOpt,
    reviewer: str | None = typer.Option(
        None, help="Decide approvals as this reviewer (roles come from the policy's reviewers)."
    ),
    sample_rate: float = SampleRateOpt,
    policies: str | None = typer.Option(
        None,
        help="Policy bundle for rule metadata and approvals (default: CHARTER_POLICIES "
        "or the shipped bundle; approvals: the OPA server `engine` names, if any).",
    ),
    window: str = typer.Option("15m", help="Drift window (the baseline is the 4 before it)."),
    token: str | None = TokenOpt,
) -> None:
    """Open the monitoring console: live decisions, approvals, drift, policies."""
    need_console_extra("the console", "textual", *DRIFT_MODULES)
    from charter import Settings
    from charter.probes import thresholds_from
    from monitor_tui.app import ConsoleApp
    from monitor_tui.format import parse_duration

    settings = Settings.load()
    try:
        window_s = parse_duration(window)
    except ValueError as exc:
        raise fail(f"--window: {exc}") from None
    if store:  # given on purpose: a malformed URL is bad input, not a missing inbox
        from charter.store import check_store_url

        check_store_url(store)
        settings = settings.with_overrides(store_url=store)  # `~` read as settings read it
    policy_source = policies or settings.policies_source
    span_store = open_store(spans)
    receiver = make_receiver(
        span_store,
        host=host,
        port=port,
        grpc_port=grpc_port,
        no_grpc=no_grpc,
        sample_rate=sample_rate,
        token=token,
    )
    queue = _approval_queue(policies, settings, reviewer)
    app = ConsoleApp(
        span_store,
        receiver=receiver,
        queue=queue,
        reviewer=reviewer,
        policies=policy_source,
        drift_window_s=window_s,
        probe_thresholds=thresholds_from(settings.probe_thresholds),
    )
    if port:  # port 0 is picked at start: the Live screen's ingest panel shows the line
        typer.echo(
            f"apps send here with (no code change, Charter reads it):\n"
            f"{receiver.sender_line(token)}"
        )
    try:
        app.run()
    finally:
        if queue is not None:
            queue.close()
        span_store.close()


def _approval_queue(policies: str | None, settings: Any, reviewer: str | None) -> Any:
    """The queue the app waits on, authorized by the engine the settings configure (an OPA
    server's when `engine` names one; `--policies` wins); without a reviewer a queue that
    cannot be opened only costs the inbox, so say so and go on."""
    from charter import CharterError
    from charter.approvals import queue_from_settings
    from charter.policy import engine_from_settings

    try:
        engine = engine_from_settings(settings, policies=policies)
        return queue_from_settings(settings, engine)
    except CharterError as exc:
        if reviewer:
            raise fail(f"cannot open the approval queue to decide as {reviewer}: {exc}") from None
        typer.echo(f"warning: approvals unavailable: {exc}", err=True)
        return None
