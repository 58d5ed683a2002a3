"""The `charter` command. Other packages add commands through the `charter.cli` entry point
group: each entry is a `register(app: typer.Typer) -> None` (the console adds `console`,
`monitor`, `drift` and `demo` this way). `clean_errors` and `fail` are for their commands."""

from __future__ import annotations

from charter.cli._common import clean_errors, fail

__all__ = ["clean_errors", "fail"]
