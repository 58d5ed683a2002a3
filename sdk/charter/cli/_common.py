"""Shared CLI plumbing: clear one-line errors instead of tracebacks.

Bad input (a wrong store URL, a missing or malformed file, an unknown id, a bad duration)
exits with status 2 and one line on stderr, `error: <what>; <hint>`, as click does for a
bad option. Status 1 stays for a check that ran and failed (a broken chain, a changed
replay, failing policy tests) and for a refused decision (a reviewer without the role).
`CHARTER_DEBUG=1` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import wraps
from typing import Annotated, ParamSpec, TypeVar

import typer

from charter._terminal import terminal_text
from charter.errors import CharterError, NotAuthorized

P = ParamSpec("P")
R = TypeVar("R")


BAD_INPUT = 2
"""Exit status for input the command cannot use (click's own status for a bad option)."""
DEBUG_ENV = "CHARTER_DEBUG"

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Database URL (default: store_url from charter.toml / CHARTER_STORE_URL).",
    ),
]
"""`--store` of the commands that read the configured store (approvals, audit)."""


def fail(message: str, code: int = BAD_INPUT) -> typer.Exit:
    """Print `error: message` (one line, control characters as visible escapes: messages
    quote values from stores and files) to stderr and return the Exit to raise."""
    typer.echo(f"error: {terminal_text(one_line(message))}", err=True)
    return typer.Exit(code)


def say(text: str, *, one_line: bool = False) -> None:
    """Print a line that holds values from a store or an app (a requester, a reason, a
    segment's name), escaped by `terminal_text`;
    `one_line` for a verdict, which an edited value must not follow with a fake one."""
    typer.echo(terminal_text(text, one_line=one_line))


def one_line(message: str) -> str:
    return " ".join(str(message).split())


def describe(exc: BaseException) -> str:
    """One line saying what was wrong with the input and what to do about it."""
    if isinstance(exc, CharterError):
        return str(exc)
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); fix the file"
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename or exc}: no such file or directory; check the path"
    if isinstance(exc, IsADirectoryError | NotADirectoryError | PermissionError):
        return f"{exc.filename or ''}: {exc.strerror}; check the path and its permissions"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}; check the path, the URL and that the service runs"
    store = _store_problem(exc)
    if store is not None:
        return store
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read; check the file (or flatten it)"
    if isinstance(exc, UnicodeDecodeError):
        return f"the input is not UTF-8 text ({exc.reason}); check the file"
    name = type(exc).__name__
    return (
        f"{name}: {exc}; check the command's input (`--help`), "
        f"or rerun with {DEBUG_ENV}=1 for the traceback"
    )


def _store_problem(exc: BaseException) -> str | None:
    """A database URL or connection problem, said without the URL's password."""
    module = type(exc).__module__
    if not module.startswith("sqlalchemy"):
        return None
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    if isinstance(exc, ArgumentError | NoSuchModuleError):
        return (
            f"not a usable store URL ({exc}); use sqlite:///path/to/charter.db or "
            "postgresql://user@host/db (--store, store_url or CHARTER_STORE_URL)"
        )
    if isinstance(exc, OperationalError):
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        return f"cannot use the store: {reason}; check --store / store_url and the database"
    return f"store error: {type(exc).__name__}; check --store / store_url and the database"


def report(exc: BaseException) -> typer.Exit:
    """`fail` for an exception: the traceback only with CHARTER_DEBUG=1. A refused
    decision (`NotAuthorized`: wrong role, self-approval) is not bad input: status 1."""
    if os.environ.get(DEBUG_ENV):
        raise exc
    return fail(describe(exc), code=1 if isinstance(exc, NotAuthorized) else BAD_INPUT)


def passes_through(exc: BaseException) -> bool:
    """click's own exits, usage errors and aborts: already clear, already status 2."""
    return type(exc).__module__.startswith(("typer", "click"))


def clean_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn any error but click's own into one line and exit status 2 (no traceback). A
    closed pipe (`... | head -1`) is no error: it goes on to click, which stops quietly."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except BrokenPipeError:
            raise
        except Exception as exc:
            if passes_through(exc):
                raise
            raise report(exc) from None

    return wrapper


def store_url(store: str | None) -> str:
    """`--store` if given, else the configured `store_url` (charter.toml / CHARTER_STORE_URL),
    read as the settings read it (`~` is the home folder; found by review: a literal `./~/`)."""
    from charter.config import Settings

    return (Settings.load(store_url=store) if store else Settings.load()).store_url


def store_hint(store: str | None) -> str:
    """Says which store a command read and where that came from, for empty results: from
    another folder the default SQLite file is a different (empty) one."""
    from charter._urls import shown_url

    if store:
        return f"store {shown_url(store)} (from --store)"
    from charter.config import Settings

    settings = Settings.load()
    source = settings.source_of("store_url")
    hint = (
        "; set store_url in charter.toml or CHARTER_STORE_URL, or pass --store"
        if source == "default"
        else ""
    )
    return f"store {shown_url(settings.store_url)} (from {source}){hint}"
