"""`charter config show`: the effective settings and where each value came from."""

from __future__ import annotations

import json
from typing import Any

import typer

from charter._urls import HIDDEN, shown_url
from charter.cli._common import clean_errors

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)

_SECRET = frozenset({"vault_key"})
"""Settings never shown; URLs (a store's, an engine's, an endpoint's) show no password."""


@app.command("show")
@clean_errors
def show(
    as_json: bool = typer.Option(False, "--json", help="One JSON object, for scripts."),
) -> None:
    """Print every setting, its value and its source (argument, CHARTER_X, file, default)."""
    from charter.config import Settings, find_config

    settings = Settings.load()
    rows = []
    for name in Settings.model_fields:
        value = _shown(name, getattr(settings, name))
        rows.append({"setting": name, "value": value, "source": settings.source_of(name)})
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    config = find_config()
    typer.echo(f"config file: {config if config else 'none (no charter.toml here or above)'}")
    width = max(len(r["setting"]) for r in rows)
    for row in rows:
        typer.echo(f"{row['setting']:<{width}}  {row['value']!s:<40}  {row['source']}")


def _shown(name: str, value: Any) -> Any:
    """`value` fit to print: secrets as ***, URLs without their passwords or tokens."""
    if name in _SECRET and value:
        return HIDDEN
    if isinstance(value, str):
        return shown_url(value) if "://" in value else value
    if isinstance(value, tuple):
        return tuple(_shown(name, item) for item in value)
    return value
