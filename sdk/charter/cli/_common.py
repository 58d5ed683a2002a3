"""Shared CLI plumbing: clear one-line errors instead of tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer

from charter.errors import CharterError

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `error: message` to stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def clean_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn `CharterError` into a one-line message and exit code 1 (no traceback)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except CharterError as exc:
            typer.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def store_url(store: str | None) -> str:
    """`--store` if given, else the configured `store_url` (charter.toml / CHARTER_STORE_URL)."""
    if store:
        return store
    from charter.config import Settings

    return Settings.load().store_url


def store_hint(store: str | None) -> str:
    """Says which store a command read and where that came from, for empty results: from
    another folder the default SQLite file is a different (empty) one."""
    if store:
        return f"store {store} (from --store)"
    from charter.config import Settings

    settings = Settings.load()
    source = settings.source_of("store_url")
    hint = (
        "; set store_url in charter.toml or CHARTER_STORE_URL, or pass --store"
        if source == "default"
        else ""
    )
    return f"store {settings.store_url} (from {source}){hint}"
