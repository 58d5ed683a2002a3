"""Personal data inside a URL: where to look for it, and the URL finding cut around it.

`https://bank.example.com/reset?email=jane.doe@example.com` is one URL finding, and the
scan resumes after it: probing found the e-mail, phone number, TC Kimlik No, card or IBAN
in a URL's path or query sent to the model in clear (URLs are not redacted by default) and
the national-ID rule not firing. So the scanner looks again inside the part after the host
(`PatternDetector`), and the values it finds there are findings of their own: the policy
sees them and redaction replaces just them. The URL finding is cut into the pieces around
them, so a policy that redacts URLs still covers every character of the URL, and a URL
with nothing personal inside stays one finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from charter.pii.findings import Finding, new_finding

_HOST = re.compile(r"(?:[^:/?#\s]*://)?(?:[^/?#@\s]*@)?(?:\[[^\]/]*\]|[^/?#\s]*)")
"""Scheme, user info and host (with its port): what is not searched for values."""
may_hold_values = re.compile(
    r"@|%40|(?<![A-Za-z0-9])(?:\d{7}|[A-Za-z]{2}\d{2}[A-Za-z0-9]{11}|0x[0-9a-fA-F]{40})"
).search
"""`may_hold_values(text, start, end)`: a value in a URL is written without spaces, so an
e-mail has its `@` (or `%40`); a phone number, card or TC Kimlik No starts seven digits in
a row at least, an IBAN two letters, two digits and eleven more, a wallet `0x` and forty
hex digits, each after a character that is no letter or digit (`?tel=`, `/`), as their
recognizers want. Most URLs hold none (a tracking id, a session token): they are not
searched again (one C-speed test)."""


def values_start(text: str, start: int, end: int) -> int:
    """Where the path, query or fragment of the URL at `text[start:end]` begins, or `end`
    when it has none or that part can hold no value. The host names a server, not a
    person."""
    found = _HOST.match(text, start, end)
    if found is None or may_hold_values(text, found.end(), end) is None:
        return end
    return found.end()


def cut_around(url: Finding, inside: Sequence[Finding]) -> list[Finding]:
    """The URL finding's pieces around `inside` (sorted, disjoint, within the URL), and
    the findings inside, in text order."""
    out: list[Finding] = []
    last = url.start
    for found in inside:
        if found.start > last:
            out.append(new_finding(url.entity_type, last, found.start, url.score, url.recognizer))
        out.append(found)
        last = found.end
    if last < url.end:
        out.append(new_finding(url.entity_type, last, url.end, url.score, url.recognizer))
    return out
