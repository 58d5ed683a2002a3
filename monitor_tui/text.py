"""Text that comes from outside (span attributes, the stores, the command line) made safe to
show: the one way the console puts such values on screen.

Textual and Rich read a plain `str` in a table cell, label, tree node or notification as
*markup*: `[/]` raises (and crashed the console on every restart while the span was
stored), `[@click=app.quit]` runs an action, `[link=file://…]` makes a live link. So every
value from telemetry or a store reaches a widget as a `rich.text.Text` built by `plain` or
`cell`, which is never parsed, and notifications are never markup (`ConsoleApp.notify`).

On top of that the characters themselves are made harmless: terminal control sequences
(ESC, BEL, C1 controls) and bidirectional overrides (which can make `1000` read `0001`) are
shown as visible escapes, and a lone surrogate (not encodable, so the terminal write would
fail) becomes U+FFFD: `charter.cli.terminal_text`, the same escaping the `charter`
commands print with.
"""

from __future__ import annotations

import re

from rich.text import Text

from charter.cli import terminal_text

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (pairs become their character)."""
    if _SURROGATE.search(text) is None:
        return text
    joined = text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
    return _SURROGATE.sub("\ufffd", joined)


def valid_values(value: object) -> object:
    """A JSON value with `valid_text` applied to every string in it (keys too)."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, list | tuple):
        return [valid_values(v) for v in value]
    if isinstance(value, dict):
        return {valid_text(str(k)): valid_values(v) for k, v in value.items()}
    return value


def safe(value: object, *, one_line: bool = False) -> str:
    """`value` as a string fit for the terminal (still to be shown as text, not markup):
    the SDK's own escaping, which the `charter` commands print with too."""
    return terminal_text(value, one_line=one_line)


def plain(value: object, style: str = "") -> Text:
    """A value for a multi-line pane (detail views, dialogs): text, never markup."""
    return Text(safe(value), style=style)


def cell(value: object, style: str = "") -> Text:
    """A value for one line (table cells, tree nodes, labels): text, never markup; a line
    break shows as an escape so it cannot hide the rest of the value."""
    return Text(safe(value, one_line=True), style=style)
