"""`charter monitor`: the console's OTLP receiver without the UI, and span export.

`serve` stores spans where `charter console` reads them; `export` writes them as JSON
lines (format in `monitor_tui.ingest.records`) for `charter drift report`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from charter.cli import clean_errors, fail, parse_since, stop_on_signals
from monitor_tui.cli.extra import need_console_extra

app = typer.Typer(
    help="Receive OTLP spans headless, and export stored spans.", no_args_is_help=True
)

DEFAULT_SPANS = ".charter/spans.db"

# Options shared with `charter console`, which runs the same receivers.
SpansOpt = typer.Option(DEFAULT_SPANS, "--spans", help="Span store: SQLite file path.")
PortOpt = typer.Option(4318, "--port", help="OTLP/HTTP port (0: any free port).")
GrpcPortOpt = typer.Option(4317, "--grpc-port", help="OTLP/gRPC port (0: any free port).")
NoGrpcOpt = typer.Option(False, "--no-grpc", help="Serve OTLP/HTTP only.")
HostOpt = typer.Option(
    "127.0.0.1", "--host", help="Interface to bind; loopback unless you mean it."
)
TokenOpt = typer.Option(
    None,
    "--token",
    envvar="CHARTER_MONITOR_TOKEN",
    show_envvar=True,
    help="Require 'Authorization: Bearer TOKEN' from exporters (set it beyond loopback).",
)
SampleRateOpt = typer.Option(
    1.0,
    "--sample-rate",
    help="Share of allow/redact traffic to keep (deny and approval spans are all kept).",
)


RECEIVER_MODULES = ("google.protobuf", "opentelemetry.proto")
"""What the OTLP receiver needs from the console extra."""


def open_store(path: str, *, must_exist: bool = False, **limits: Any) -> Any:
    """A `SpanStore`; with `must_exist`, refuse to create an empty one by mistake."""
    from monitor_tui.ingest.store import SpanStore, sqlite_path

    if must_exist:
        file = sqlite_path(path)
        if file != ":memory:" and not Path(file).is_file():
            raise fail(
                f"no span store at {file}; run `charter monitor serve` or `charter console` "
                "first, or pass --spans PATH"
            )
    return SpanStore(path, **limits)


def make_receiver(
    store: Any,
    *,
    host: str,
    port: int,
    grpc_port: int,
    no_grpc: bool,
    sample_rate: float,
    token: str | None = None,
) -> Any:
    """The receivers both commands run; warns when they would listen beyond this machine."""
    from monitor_tui.ingest.receiver import Receiver

    receiver = Receiver(
        store,
        host=host,
        http_port=port,
        grpc_port=None if no_grpc else grpc_port,
        sample_rate=sample_rate,
        token=token,
    )
    if receiver.exposure_warning:
        typer.echo(receiver.exposure_warning, err=True)
    return receiver


@app.command()
@clean_errors
def serve(
    port: int = PortOpt,
    grpc_port: int = GrpcPortOpt,
    no_grpc: bool = NoGrpcOpt,
    host: str = HostOpt,
    spans: str = SpansOpt,
    sample_rate: float = SampleRateOpt,
    token: str | None = TokenOpt,
    max_spans: int = typer.Option(200_000, help="Keep at most this many spans (oldest go)."),
    retention: str = typer.Option("7d", help="Delete spans older than this (e.g. 12h, 7d)."),
    duration: float | None = typer.Option(
        None, min=0.0, help="Stop after this many seconds (default: until Ctrl-C)."
    ),
) -> None:
    """Run the OTLP receivers (HTTP 4318, gRPC 4317) and store spans; Ctrl-C to stop."""
    # grpc too: the base install carries protobuf and the OTLP protos (the exporter
    # brings them), so without it a base install passed the check and failed later.
    need_console_extra("the receiver", *RECEIVER_MODULES, "grpc")
    from monitor_tui.format import parse_duration

    try:
        retention_s = parse_duration(retention)
    except ValueError as exc:
        raise fail(f"--retention: {exc}") from None
    store = open_store(spans, max_spans=max_spans, retention_s=retention_s)
    receiver = make_receiver(
        store,
        host=host,
        port=port,
        grpc_port=grpc_port,
        no_grpc=no_grpc,
        sample_rate=sample_rate,
        token=token,
    )
    from monitor_tui.ingest.receiver import serve_until_stopped

    try:
        with stop_on_signals() as stop:  # from here on Ctrl-C or SIGTERM stops gracefully
            receiver.start()
            typer.echo(f"receiving on {receiver.describe()}; spans in {store.path}; Ctrl-C to stop")
            typer.echo(
                "apps send here with (no code change, Charter reads it):\n"
                + receiver.sender_line(token)
            )
            sys.stdout.flush()
            serve_until_stopped(receiver, stop, duration)
    finally:
        store.close()
    s = receiver.stats()
    typer.echo(
        f"stopped: received {s.received}, stored {s.stored}, sampled out {s.sampled_out}, "
        f"dropped {s.dropped}, rejected requests {s.rejected_requests}, "
        f"rejected spans {s.rejected_spans}, saturated {s.saturated_requests}"
    )


@app.command()
@clean_errors
def export(
    spans: str = SpansOpt,
    out: str = typer.Option("-", "--out", "-o", help="File to write, or - for stdout."),
    since: str | None = typer.Option(
        None, help="Only spans that ended after this: an age (2h) or an ISO time (UTC if naive)."
    ),
    until: str | None = typer.Option(
        None, help="Only spans that ended before this: an age (1h) or an ISO time (UTC if naive)."
    ),
) -> None:
    """Write stored spans as JSON lines (the input of `charter drift report`)."""
    need_console_extra("the receiver", *RECEIVER_MODULES)
    now = datetime.now(UTC)
    since_ns = _time_bound(since, now, "--since")
    until_ns = _time_bound(until, now, "--until")
    store = open_store(spans, must_exist=True)
    try:
        if out == "-":
            count = store.export_jsonl(sys.stdout, since_ns=since_ns, until_ns=until_ns)
        else:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            with open(out, "w", encoding="utf-8") as fh:
                count = store.export_jsonl(fh, since_ns=since_ns, until_ns=until_ns)
    finally:
        store.close()
    typer.echo(f"exported {count} spans", err=True)


LAST_NS = 2**63 - 1
"""The latest time the span store holds (SQLite INTEGER): `--until 2300-01-01` overflowed."""


def _time_bound(text: str | None, now: datetime, option: str) -> int | None:
    """As `charter audit export --since` reads it (an age needs its unit: `1e3` or `2027`
    was read as seconds ago), in nanoseconds, within the times a span can have."""
    moment = parse_since(option, text, now=now)
    return None if moment is None else min(max(int(moment.timestamp() * 1e9), 0), LAST_NS)
