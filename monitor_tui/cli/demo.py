"""`charter demo`: the whole product on the embedded defaults, in under a minute."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from charter.cli import clean_errors


@clean_errors
def demo(
    calls: int = typer.Option(600, help="Guarded calls in the headless run."),
    workdir: Path = typer.Option(Path(".charter/demo"), help="Where the demo keeps its data."),
    headless: bool = typer.Option(False, "--headless", help="Never open the console."),
) -> None:
    """Run the support-bot demo: traffic, approvals, a model update, drift detection.

    On a terminal it opens the console on live traffic; otherwise (CI, pipes) it runs a
    bounded headless session and prints a report."""
    from monitor_tui.demo import run_console, run_headless

    if not headless and sys.stdin.isatty() and sys.stdout.isatty():
        run_console(workdir)
        return
    report = run_headless(calls, workdir)
    typer.echo(report.render())
