"""The words of a text as the safety signals read them, whatever format it came in.

Models and tools rarely answer in bare sentences: structured outputs and tool results are
JSON, a model asked for a web page writes HTML, an agent fetches pages. The classifier
learned from prose, and read with the markup a harmful plan passes for harmless
(`python -m bench.format_eval`, on 202 held-out harmful requests at the output threshold:
137 as plain text; in one JSON envelope 13, by its strings 117; as the paragraph of a
small HTML page 0). So a JSON object or array (the whole text, or one that starts a line
of it: "Here it is:" and a code block) is read by its strings, one per line, each read the
same way (keys are the app's schema, not the model's words, unless they hold a sentence),
and a text that closes a tag is read as HTML (`charter._html_words`): its text, comments,
`<script>` and `<style>` bodies and the attribute values that hold words (with a space in
them), all of which a model shown the page reads too, so nothing hides in them. In
Markdown, the bold markers (`**`, `__`) go; its headings, lists, numbers and code fences
stay (a numbered list with bold lead-ins: 98 of the 202 as written, 127 without the
markers, benign texts so formatted read as harm 4 times in 293 either way, as plain text;
with all of its markup stripped 145, but 10 benign; dropping code backticks too read
benign JSON answers in code blocks as harm 11 times against 2). Anything else is the text
itself. Only the signals read this: PII detection, the policy and the records see the
text as it came.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from charter._canonical import valid_text
from charter._html_words import html_words, worded

_CLOSING_TAG = re.compile(r"</[a-zA-Z][a-zA-Z0-9-]*\s*>")
_JSON_LINE = re.compile(r"(?m)^[ \t]*[\[{]")
_JSON_TRIES = 16
"""Lines starting with a bracket tried as the start of JSON, at most: a failed try reads
up to the end of the text, so the tries are bounded, not one per line."""
_DECODER = json.JSONDecoder()
_EMPHASIS = re.compile(r"\*\*|__")
"""Markdown's bold markers: formatting, not words."""


def prose(text: str) -> str:
    """`text` as the signals read it (see the module)."""
    words = _structured(text)
    if ("*" in words and "**" in words) or ("_" in words and "__" in words):  # memchr first
        return _EMPHASIS.sub("", words)
    return words


def _structured(text: str) -> str:
    if text.lstrip()[:1] in ("{", "["):
        words = _json_words(text)
        if words is not None:
            return words
    if "<" in text and _CLOSING_TAG.search(text) is not None:  # the cheap test first
        return html_words(text)
    if ("{" in text or "[" in text) and _JSON_LINE.search(text) is not None:
        return _embedded_json(text)
    return text


def _json_words(text: str) -> str | None:
    """The words of a text that is one JSON object or array; None when it is not."""
    try:
        value = json.loads(text)
        return json_words(value) if isinstance(value, dict | list) else None
    except (ValueError, RecursionError):  # walking it can go deeper than parsing did
        return None


def _embedded_json(text: str) -> str:
    """`text` with each JSON object or array that starts a line read by its words: an
    answer that puts its JSON after a sentence or in a code block ("Here it is:")."""
    out: list[str] = []
    at = 0
    for match in list(_JSON_LINE.finditer(text))[:_JSON_TRIES]:
        begin = match.end() - 1
        if begin < at:
            continue
        try:
            value, end = _DECODER.raw_decode(text, begin)
            if isinstance(value, dict) or (isinstance(value, list) and any(_json_strings(value))):
                out += [text[at:begin], json_words(value)]  # not a citation's "[1]"
                at = end
        except (ValueError, RecursionError):
            continue
    return "".join([*out, text[at:]]) if out else text


def json_words(value: Any) -> str:
    """The words of a JSON value (parsed from text, or tool data as the policy sees it):
    its strings, each read by `prose`, and its keys that hold words. An escaped lone
    surrogate decodes to one: U+FFFD, as for every other text."""
    return valid_text("\n".join(map(prose, _json_strings(value))))


def _json_strings(value: Any) -> Iterator[str]:
    """The strings of a JSON value in order, and the keys that hold words (a space in
    them): a schema's keys are names, but a sentence put in a key is read like a value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if worded(key):
                yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)
