"""`charter evals` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="evals commands.", no_args_is_help=True)
