"""Texts built to make regex-based PII detection slow: long runs of what the recognizers
look for (dots, labels, digits, capitals, cue words, parentheses after a URL...). Each
family makes a text of about `n` characters; detection time must grow linearly with `n`
(`tests/pii/test_pii_adversarial.py` counts the work, `bench/bench_pii.py` times it)."""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: unit * max(1, n // len(unit))


FAMILIES: dict[str, Callable[[int], str]] = {
    "dots": _repeat("a."),
    "dotted labels": _repeat("ab-c."),
    "e-mail local part then dots": lambda n: "x@" + "a." * (n // 2) + "com",
    "e-mail shapes": _repeat("a@b."),
    "URL then closing parentheses": lambda n: "see http://a.com/x" + ")" * n,
    "URL without end": lambda n: "http://" + "a" * n,
    "one digit run": _repeat("1"),
    "digit groups": _repeat("12 "),
    "phone shapes": _repeat("+1 (2) "),
    "IBAN shapes": _repeat("TR12 3456 "),
    "capitals": _repeat("A"),
    "capitalised words": _repeat("Aa "),
    "name chain": _repeat("John Smith "),
    "one long word": lambda n: "A" + "a" * n,
    "name cues": _repeat("my name is "),
    "greetings": _repeat("hi "),
    "colons": _repeat("a:"),
    "hex and colons": _repeat("ab:"),
    "street names": _repeat("Baker Street "),
    "Turkish letters": _repeat("İİİıııŞşğĞ "),
    # Latin Extended-A capitals were lowercase too: a candidate ran from each to the end
    "Turkish capitals": _repeat("İ"),
    "Latin Extended-A capitals": _repeat("ŞĞŁŚŻŐ"),
    "capital, lowercase": _repeat("İa"),
    "dates of birth": _repeat("born 12.12.1212 "),
    "context words": _repeat("phone tel order passport "),
    "everything": _repeat("Mr. Aaa Bbb 0532 123 45 67 a.b@c.d http://x.y/( TR33 0006 "),
}
