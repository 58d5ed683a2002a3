"""`charter demo`: the whole product on the embedded defaults, in under a minute."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from charter.cli import clean_errors
from monitor_tui.cli.extra import DRIFT_MODULES, need_console_extra
from monitor_tui.cli.monitor import RECEIVER_MODULES


@clean_errors
def demo(
    calls: int = typer.Option(600, help="Guarded calls in the headless run."),
    workdir: Path = typer.Option(Path(".charter/demo"), help="Where the demo keeps its data."),
    headless: bool = typer.Option(False, "--headless", help="Never open the console."),
) -> None:
    """Run the support-bot demo: traffic, approvals, a model update, drift detection.

    On a terminal it opens the console on live traffic; otherwise (CI, pipes) it runs a
    bounded headless session and prints a report."""
    console = not headless and on_a_terminal()
    need_console_extra(
        "the demo", *RECEIVER_MODULES, *DRIFT_MODULES, *(("textual",) if console else ())
    )
    from monitor_tui.demo import run_console, run_headless

    if console:
        run_console(workdir)
        return
    report = run_headless(calls, workdir)
    typer.echo(report.render())


def on_a_terminal() -> bool:
    """Both ends are a terminal: the console can open (not in CI, nor in a pipe)."""
    return sys.stdin.isatty() and sys.stdout.isatty()
