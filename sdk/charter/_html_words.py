"""The words of an HTML text, read in one pass.

`charter._prose` reads a text that closes a tag by its words: its text, comments, the
bodies of `<script>` and `<style>`, and the attribute values that hold words. It used the
standard library's HTMLParser until probing found it quadratic: that rescans from every
unterminated start tag, comment or quoted value to the end of the text, so `"</a>" +
"<a " * 20000` (60 KB) stalled a guarded call for 33 s. This reader tokenizes as
HTMLParser does (its patterns for tags and attributes) with two bounds that make it
linear: a start tag is looked for only up to the next `<` (an attribute value holding a
`<` is rare, and its words are still read, as text), and a closer (`>`, `-->`, `]]>`) not
found once is not searched for again. Markup that never ends is text up to the next `>`
(or `<`) and reading goes on from there, as in HTMLParser, so nothing hides in it. Unlike
HTMLParser, an unclosed `<script>` or `<style>` is text to the end, and CDATA sections and
`<?...>` (a comment to HTML) are read: HTMLParser dropped all three. Every look at the
text is `_search` or `_match`, so the cost can be counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

_START_TAG = re.compile(
    r"""<[a-zA-Z][^\t\n\r\f />\x00]*(?:[\s/]*(?:(?<=['"\s/])[^\s/>][^\s/=>]*"""
    r"""(?:\s*=+\s*(?:'[^']*'|"[^"]*"|(?!['"])[^>\s]*)\s*)?(?:\s|/(?!>))*)*)?\s*"""
)
"""HTMLParser's `locatestarttagend_tolerant`: a start tag up to where its `>` should be."""
_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)(?:\s|/(?!>))*")
_ATTRIBUTE = re.compile(
    r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?"""
    r"""(?:\s|/(?!>))*"""
)
_END_TAG = re.compile(r"</\s*[a-zA-Z][-.a-zA-Z0-9:_]*\s*>")
_COMMENT_END = re.compile(r"--\s*>")
_RAW_END = {tag: re.compile(rf"</\s*{tag}\s*>", re.IGNORECASE) for tag in ("script", "style")}
"""Elements whose body is text to their end tag, not markup (HTMLParser's CDATA elements)."""
_Needle = str | re.Pattern[str]


def html_words(text: str) -> str:
    """The words of `text` read as HTML, one piece per line (see the module)."""
    reader = _Reader(text)
    reader.read()
    return "\n".join(reader.words)


def worded(text: str) -> bool:
    """Words, not a name: a JSON key or an attribute value with a space inside it."""
    return any(c.isspace() for c in text.strip())


class _Reader:
    """One reading of one text: its words in document order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: list[str] = []
        self._absent: dict[_Needle, int] = {}
        """For each closer not found: where the search started. It is not after that."""
        self._pending: list[str] = []
        """Text not yet added as a word: what lies between two pieces of markup."""

    def read(self) -> None:
        text, at = self.text, 0
        while at < len(text):
            found = self.find("<", at)
            if found is None:
                self._pending.append(text[at:])
                break
            self._pending.append(text[at : found[0]])
            at = self._markup(found[0])
        self._flush()

    def find(self, needle: _Needle, start: int) -> tuple[int, int] | None:
        """Where `needle` next occurs from `start`, as (start, end); None when it does not
        (asked again from as far on, the answer is known without a search)."""
        if start >= self._absent.get(needle, len(self.text) + 1):
            return None
        found = _search(self.text, needle, start, len(self.text))
        if found is None:
            self._absent[needle] = start
        return found

    def _markup(self, lt: int) -> int:
        """Reads the markup at `lt` (a `<`); returns where reading goes on."""
        text = self.text
        if text.startswith("<!--", lt):
            return self._closed(lt, lt + 4, _COMMENT_END, self._word)
        if text.startswith("<![CDATA[", lt):
            return self._closed(lt, lt + 9, "]]>", self._word)
        if text[lt + 1 : lt + 9].lower() == "!doctype":
            return self._closed(lt, lt + 9, ">", lambda _: None)
        if text.startswith(("<!", "<?"), lt):  # what HTML reads as a comment
            return self._closed(lt, lt + 2, ">", self._word)
        if text.startswith("</", lt):
            return self._end_tag(lt)
        if lt + 1 < len(text) and text[lt + 1].isascii() and text[lt + 1].isalpha():
            return self._start_tag(lt)
        self._pending.append("<")  # "a < b": text
        return lt + 1

    def _closed(self, lt: int, body: int, closer: _Needle, read: Callable[[str], None]) -> int:
        """A construct from `lt` whose `body` runs to `closer`: `read` gets the body."""
        found = self.find(closer, body)
        if found is None:
            return self._unterminated(lt)
        self._flush()
        read(self.text[body : found[0]])
        return found[1]

    def _end_tag(self, lt: int) -> int:
        gt = self.find(">", lt + 2)
        if gt is None:
            return self._unterminated(lt)
        self._flush()
        first = self.text[lt + 2 : lt + 3]
        named = (first.isascii() and first.isalpha()) or first == ">"  # "</p>", "</>"
        if not named and _match(self.text, _END_TAG, lt, gt[1]) is None:
            self._word(self.text[lt + 2 : gt[0]])  # "</ x y>": a comment to HTML
        return gt[1]

    def _start_tag(self, lt: int) -> int:
        text = self.text
        limit = self.find("<", lt + 1)
        stop = len(text) if limit is None else limit[0]
        located = _match(self.text, _START_TAG, lt, stop)
        assert located is not None  # every part of the pattern after `<` + letter is optional
        at = located.end()
        if text.startswith("/>", at):
            end, closes = at + 2, True
        elif text.startswith(">", at):
            end, closes = at + 1, False
        elif at == stop or text[at] in "=/" or (text[at].isascii() and text[at].isalpha()):
            return self._unterminated(lt)
        else:  # "<a b='c'd": bogus, text (as HTMLParser reads it)
            self._pending.append(text[lt:at])
            return at
        self._flush()
        name = _match(self.text, _TAG_NAME, lt + 1, end)
        assert name is not None
        at = name.end()
        while at < end and (attribute := _match(self.text, _ATTRIBUTE, at, end)) is not None:
            value = attribute.group(3)
            if attribute.group(2) and value:
                if value[:1] in "'\"" and value[:1] == value[-1:]:
                    value = value[1:-1]
                self._attribute(unescape(value))
            at = attribute.end()
        tag = name.group(1).lower()
        if closes or tag not in _RAW_END:
            return end
        body = self.find(_RAW_END[tag], end)
        self._word(text[end : len(text) if body is None else body[0]])  # unclosed: to the end
        return len(text) if body is None else body[1]

    def _unterminated(self, lt: int) -> int:
        """Markup at `lt` that never ends: text up to the next `>` (or `<`), read on from
        there, as HTMLParser reads it."""
        gt = self.find(">", lt + 1)
        nxt = self.find("<", lt + 1) if gt is None else None
        end = gt[1] if gt is not None else len(self.text) if nxt is None else nxt[0]
        self._pending.append(self.text[lt:end])
        return end

    def _attribute(self, value: str) -> None:
        if worded(value):
            self.words.append(value.strip())

    def _word(self, text: str) -> None:
        if text.strip():
            self.words.append(text.strip())

    def _flush(self) -> None:
        self._word(unescape("".join(self._pending)))
        self._pending.clear()


def _search(text: str, needle: _Needle, start: int, end: int) -> tuple[int, int] | None:
    """Where `needle` first occurs in `text[start:end]`, as (start, end) in `text`."""
    if isinstance(needle, str):
        at = text.find(needle, start, end)
        return None if at < 0 else (at, at + len(needle))
    match = needle.search(text, start, end)
    return None if match is None else match.span()


def _match(text: str, pattern: re.Pattern[str], start: int, end: int) -> re.Match[str] | None:
    """`pattern` matched at `start`, looking no further than `end`."""
    return pattern.match(text, start, end)
