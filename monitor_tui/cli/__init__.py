"""The console's commands, added to `charter` through the `charter.cli` entry point group
(pyproject.toml): `charter console`, `charter monitor ...`, `charter drift ...` and
`charter demo`. Importing this stays light: each command loads the console when it runs."""

from __future__ import annotations

import typer

from monitor_tui.cli import console, demo, drift, monitor


def register(app: typer.Typer) -> None:
    app.add_typer(drift.app, name="drift")
    app.add_typer(monitor.app, name="monitor")
    app.command("console")(console.console)
    app.command("demo")(demo.demo)


__all__ = ["register"]
