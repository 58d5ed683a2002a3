"""The `charter` command. Other packages add commands through the `charter.cli` entry point
group: each entry is a `register(app: typer.Typer) -> None` (the console adds `console`,
`monitor`, `drift` and `demo` this way). `clean_errors`, `fail`, `say`, `terminal_text`,
`stop_on_signals` and `parse_since` are for their commands."""

from __future__ import annotations

from charter._terminal import terminal_text
from charter.cli._common import clean_errors, fail, say
from charter.cli._signals import stop_on_signals
from charter.cli._time import parse_since

__all__ = ["clean_errors", "fail", "parse_since", "say", "stop_on_signals", "terminal_text"]
