"""Entry point of the `charter` command: wires the command groups together, then the ones
other installed packages contribute through the `charter.cli` entry point group."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer

from charter.cli import approvals, audit, config, eval_pii, evals, policy, project, signals

PLUGIN_GROUP = "charter.cli"

app = typer.Typer(
    name="charter",
    help="Charter: policy-as-code guardrails for LLM applications.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(policy.app, name="policy")
app.add_typer(approvals.app, name="approvals")
app.add_typer(audit.app, name="audit")
evals.app.command("pii")(eval_pii.pii)
app.add_typer(evals.app, name="eval")
app.add_typer(config.app, name="config")
app.add_typer(signals.app, name="signals")
app.command("init")(project.init)


def add_plugins(target: typer.Typer) -> list[str]:
    """Let each `charter.cli` entry point add its commands; returns their names. A plugin
    that cannot load is skipped with a warning: the SDK's own commands still work."""
    loaded = []
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            entry.load()(target)
        except Exception as exc:  # a broken plugin must not take the CLI down
            logging.getLogger("charter.cli").warning(
                "charter CLI plugin %r could not load: %s", entry.name, exc
            )
            continue
        loaded.append(entry.name)
    return loaded


add_plugins(app)


def main() -> None:
    app()
