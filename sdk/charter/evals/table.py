"""Plain-text tables for terminal reports: aligned columns, no terminal-width guessing, so
the output reads the same in a CI log, a pipe and a test."""

from __future__ import annotations

from collections.abc import Sequence

from charter._terminal import terminal_text


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, indent: str = "  "
) -> list[str]:
    """Lines of a table; numbers (and percentages) right-aligned, text left-aligned."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    body = cells[1:]
    numeric = [bool(body) and all(_is_number(row[i]) for row in body) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [
            value.rjust(width) if numeric[i] else value.ljust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append((indent + "  ".join(parts)).rstrip())
    return lines


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


def _cell(value: object) -> str:
    """A cell on one line, control characters as visible escapes: cells hold values from a
    store or an endpoint (found by probing: a model version holding OSC 0 retitled the
    terminal from `charter probe history`)."""
    if value is None:
        return "-"
    if isinstance(value, tuple | list):
        return ", ".join(terminal_text(v, one_line=True) for v in value) or "-"
    return terminal_text(value, one_line=True)


def _is_number(text: str) -> bool:
    stripped = text.removesuffix("%")
    try:
        float(stripped)
    except ValueError:
        return stripped in ("-", "n/a")
    return True
