"""Entry point of the `charter` command: wires the command groups together, then the ones
other installed packages contribute through the `charter.cli` entry point group."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

import typer
from typer.core import TyperGroup

from charter.cli import (
    approvals,
    audit,
    config,
    eval_pii,
    evals,
    policy,
    probe,
    project,
    signals,
)
from charter.cli._common import passes_through, report

PLUGIN_GROUP = "charter.cli"


class CleanErrors(TyperGroup):
    """The root group: whatever a command (ours or a plugin's) raises on bad input ends as
    one `error: ...; hint` line and status 2, never a traceback (`_common.describe`)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader stopped early (`charter approvals list | head -3`): nothing is
            # wrong with the input, so no error line; click's main quiets the streams and
            # exits 1, as it does for EPIPE.
            raise
        except Exception as exc:
            if passes_through(exc):
                raise
            raise report(exc) from None


app = typer.Typer(
    name="charter",
    help="Charter: policy-as-code guardrails for LLM applications.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=CleanErrors,
)
app.add_typer(policy.app, name="policy")
app.add_typer(approvals.app, name="approvals")
app.add_typer(audit.app, name="audit")
evals.app.command("pii")(eval_pii.pii)
app.add_typer(evals.app, name="eval")
app.add_typer(config.app, name="config")
app.add_typer(signals.app, name="signals")
app.add_typer(probe.app, name="probe")
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
