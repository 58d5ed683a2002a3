"""The lines of a JSON-lines file, as JSON lines are split: at line ends, not at U+2028.

`str.splitlines()` also splits at U+2028, U+2029, U+0085 and U+001C-U+001E, which a JSON
string may hold raw (`json.dumps(..., ensure_ascii=False)` writes them so): found by
probing, every eval loader called such a valid file "not JSON" at line numbers that were
not the file's. A UTF-8 byte order mark (Windows editors write one) is not part of line 1.
Shared by the eval, revise and PII corpus loaders (`charter.pii` may import it: it knows
nothing of policies).
"""

from __future__ import annotations

import re
from pathlib import Path

_LINE_END = re.compile("\r\n|\r|\n")
"""A line ends at LF, CRLF or a lone CR (classic Mac files; review found a CR-only file,
read before, refused once lines split at LF only): none occurs raw inside a JSON string."""


def jsonl_lines(path: Path) -> list[tuple[int, str]]:
    """`(line number, line)` of each line of `path` that is not blank (`_LINE_END`).
    Raises `OSError`, or `UnicodeDecodeError` for a file that is not UTF-8."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        text = file.read()
    return [
        (number, line) for number, line in enumerate(_LINE_END.split(text), start=1) if line.strip()
    ]
