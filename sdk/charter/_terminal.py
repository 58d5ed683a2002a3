"""Values from a store, an application or an endpoint as text fit for a terminal.

Here, below the CLI, so the SDK's own text reports (eval and probe tables, a probe run's
headline) escape what they print as the commands do (`charter.cli.terminal_text` is this).
"""

from __future__ import annotations

import re

from charter._canonical import valid_text

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Terminal control characters (ESC, BEL, C1) and bidirectional overrides; not \\n, \\t."""
_CONTROL_OR_NEWLINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def terminal_text(value: object, *, one_line: bool = False) -> str:
    """`value` as text fit for a terminal, for values from a store, an application or an
    exporter: control characters (an OSC sequence sets the window title or, OSC 52, the
    clipboard) and bidirectional overrides (which can make `1000` read `0001`) become
    visible escapes, a lone surrogate U+FFFD. `one_line` escapes line breaks too, so one
    value cannot hide the rest of its line. The console's widgets use it as well."""
    text = valid_text(value if isinstance(value, str) else str(value))
    return (_CONTROL_OR_NEWLINE if one_line else _CONTROL).sub(_visible, text)


def terminal_lines(lines: list[str]) -> str:
    """A report's lines joined, each escaped on its own: a value inside one (a model
    version, a recorded prompt) can neither drive the terminal nor start a line."""
    return "\n".join(terminal_text(line, one_line=True) for line in lines)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
