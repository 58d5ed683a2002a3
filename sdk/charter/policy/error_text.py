"""Why a policy evaluation failed, without the input values the engine quoted.

regorus and OPA quote the offending value in their errors (`mul` expects numeric argument.
Got `"900 for <a name>"` instead); the reason becomes the decision's `error`, which the
decision log, `charter audit export`, `PolicyViolation` and `explain()` carry. The kind of
error, the builtin and the file position stay; quoted data, and any input string the
message repeats unquoted, is withheld.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from charter._leaves import leaves_of
from charter.errors import CharterError, PolicyEvaluationError
from charter.policy._regorus import clean_error

WITHHELD = "<value>"
_MIN_LEAF = 4  # shorter input strings are words the messages themselves use
_SETTINGS = frozenset(  # the input's fields Charter fills from its settings, not from users
    ("schema", "stage", "app", "tenant", "environment", "model", "pii", "signals")
)
_GOT = re.compile(r"\s*\bGot\b.*", re.S)  # regorus: "... argument. Got `<value>` instead"
_LEADING_NAME = re.compile(r"^\s*`[A-Za-z_][\w. ]{0,60}`")  # the builtin: "`mul` expects"
_QUOTED = re.compile(r"`[^`]*`?|\"(?:[^\"\\]|\\.)*\"?|'[^']*'")
_UNQUOTED = (  # regorus shapes that print the value bare (net.*, json.patch): kept, value
    re.compile(r"(\bError parsing ).*(?= as CIDR: | as IP address: |: )", re.S),
    re.compile(r"(\bfound value: ).*", re.S),
    re.compile(r"(\bpath ).*(?= does not exist)", re.S),
    re.compile(r"(\bset key ).*", re.S),
)


def evaluation_error(exc: BaseException, input: Any = None) -> str:
    """The decision's `error` for `exc`: the engine's kind of error and where, values
    withheld. Charter's own messages quote no values: only `input`'s strings are withheld."""
    if isinstance(exc, PolicyEvaluationError):
        return withhold_input(str(exc), input)
    message, location = clean_error(exc)
    if not isinstance(exc, CharterError):
        message = withhold_values(message)
    where = f"{location}: " if location else ""
    return f"{type(exc).__name__}: {where}{withhold_input(message, input)}"


def withhold_values(message: str) -> str:
    """An engine message with quoted data, what follows "Got" and the bare-value shapes
    replaced by `<value>`."""
    text = _GOT.sub("", message)
    for pattern in _UNQUOTED:
        text = pattern.sub(rf"\g<1>{WITHHELD}", text)
    lead = _LEADING_NAME.match(text)
    head = lead.group(0) if lead else ""
    return head + _QUOTED.sub(WITHHELD, text[len(head) :])


def withhold_input(text: str, input: Any) -> str:
    """`text` with every string of `input` it repeats (ignoring case) replaced, but for the
    fields set from Charter's settings (an app name is no personal data)."""
    if input is None:
        return text
    if isinstance(input, Mapping):
        input = {k: v for k, v in input.items() if k not in _SETTINGS}
    folded = text.casefold()
    found = {
        s.strip()
        for s in leaves_of(input)
        if _MIN_LEAF <= len(s.strip()) <= len(text) and s.strip().casefold() in folded
    }
    for leaf in sorted(found, key=len, reverse=True):
        text = re.sub(re.escape(leaf), WITHHELD, text, flags=re.I)
    return text
