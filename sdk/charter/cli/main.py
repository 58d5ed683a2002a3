"""Entry point of the `charter` command: wires the command groups together."""

from __future__ import annotations

import typer

from charter.cli import (
    approvals,
    audit,
    console,
    demo,
    drift,
    evals,
    monitor,
    policy,
    project,
    signals,
)

app = typer.Typer(
    name="charter",
    help="Charter: policy-as-code guardrails for LLM applications.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(policy.app, name="policy")
app.add_typer(approvals.app, name="approvals")
app.add_typer(audit.app, name="audit")
app.add_typer(evals.app, name="eval")
app.add_typer(signals.app, name="signals")
app.add_typer(drift.app, name="drift")
app.add_typer(monitor.app, name="monitor")
app.command("console")(console.console)
app.command("demo")(demo.demo)
app.command("init")(project.init)


def main() -> None:
    app()
