"""Citations that point into an answer's text by position, moved with the text when the
guard changes it (OpenAI's annotations, Cohere's citation spans), and an answer's pieces
cut back where they were cut.

OpenAI's web and file search answers carry annotations with character positions in the
answer: a chat completion's `url_citation.start_index` / `end_index`, a Responses
`output_text` part's `start_index` / `end_index` (URL) or `index` (file). A restored
placeholder is longer or shorter than the value it stood for, so every position after it
pointed at the wrong words. Positions are carried over the change by aligning the old
text with the new (`difflib`): a position in unchanged text moves with it; one inside
changed text goes to the change's start, or its end for a span's end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from itertools import pairwise
from typing import Any

from charter._fields import field_of, updated

_STARTS = ("start_index", "index")
_ENDS = ("end_index",)
_NESTED = "url_citation"  # a chat completion's annotation holds its positions one level down


def moved_annotations(annotations: Any, old: str, new: str) -> Any:
    """`annotations` with their positions in `old` moved to the same words in `new`
    (anything but a list of them, as it is)."""
    if old == new or not isinstance(annotations, list | tuple) or not annotations:
        return annotations
    at = position_in(old, new)
    return [_moved(a, at) for a in annotations]


def position_in(old: str, new: str) -> Callable[[int, bool], int]:
    """Position in `old` -> position in `new`; `end` for the end of a span."""
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()

    def at(i: int, end: bool) -> int:
        i = min(max(i, 0), len(old))
        for tag, i1, i2, j1, j2 in ops:
            inside = i1 < i <= i2 if end else i1 <= i < i2
            if inside:
                return j1 + (i - i1) if tag == "equal" else (j2 if end else j1)
        return len(new) if i else 0

    return at


def moved_spans(spans: Any, old: str, new: str) -> Any:
    """Cohere's `message.citations` (`start`, `end`, and the `text` they span) moved from
    `old` to `new`, each span's `text` read again from `new`; anything but a list of them,
    as it is."""
    if old == new or not isinstance(spans, list | tuple) or not spans:
        return spans
    at = position_in(old, new)
    out = []
    for span in spans:
        start, end = field_of(span, "start"), field_of(span, "end")
        if not (isinstance(start, int) and isinstance(end, int)):
            out.append(span)
            continue
        start, end = at(start, False), at(end, True)
        text = {"text": new[start:end]} if isinstance(field_of(span, "text"), str) else {}
        out.append(updated(span, start=start, end=end, **text))
    return out


def split_like(pieces: Sequence[str], new: str) -> list[str]:
    """`new` cut where `pieces` (joined, the old text) were cut, each cut moved with the
    characters around it (a cut inside changed text goes to the change's end). Joined,
    the pieces are always `new`."""
    old = "".join(pieces)
    if old == new:
        return list(pieces)
    at, cuts, end = position_in(old, new), [0], 0
    for piece in pieces[:-1]:
        end += len(piece)
        cuts.append(max(at(end, True), cuts[-1]))
    cuts.append(len(new))
    return [new[a:b] for a, b in pairwise(cuts)]


def _moved(annotation: Any, at: Callable[[int, bool], int]) -> Any:
    nested = field_of(annotation, _NESTED)
    if nested is not None and not isinstance(nested, str | int):
        return updated(annotation, **{_NESTED: _moved(nested, at)})
    changes = {
        name: at(value, name in _ENDS)
        for name in (*_STARTS, *_ENDS)
        if isinstance(value := field_of(annotation, name), int) and not isinstance(value, bool)
    }
    return updated(annotation, **changes) if changes else annotation
