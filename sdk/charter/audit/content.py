"""What a decision-log record keeps of the texts a decision was about.

By default nothing of them: detection misses some personal data (a phone number in an
unusual national format, a name the pattern mode cannot know), and whatever it misses
would sit in the log in plain text. So the policy input is stored with its prompt/answer
text replaced by the text's keyed digest and length, and each string in the tool's
arguments (and each integral number long enough to be an identifier) by its keyed digest
(`charter.pseudonyms`: HMAC-SHA256, `hmac:<hex>`; plain SHA-256, `sha256:<hex>`, only where
there is no key); the stage, PII
findings, signal scores, user pseudonym, model, tool name, argument names (a key that
does not read as a field name is hashed too: it may be data), other numbers
and the caller's context metadata stay, so the record still says who, what kind, which
findings and which rules. `store_content=True` (per app) keeps the redacted text instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from charter.pseudonyms import UNKEYED, Pseudonyms
from charter.values import integral_digits

HASH_PREFIX = "sha256:"
"""How a withheld string read in a record without a key: `sha256:<hex>` of the string."""
TEXT_HASH = "text_sha256"
TEXT_HMAC = "text_hmac"
"""The text's digest under the pseudonym key (`TEXT_HASH` where there is none)."""
TEXT_CHARS = "text_chars"
_IDENTIFIER_DIGITS = 7
"""Integral numbers of 7 digits or more are withheld too (an int, or a float/Decimal with an
integral value, hashed as the int's digits): a phone or account number passed as a number is
data, not a quantity. Fractions (an amount like 450.5) stay, so replay can judge limits."""
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
_KEY_DIGITS = 6
"""A key with this many digits (an account or ID number written as a name) is hashed."""


def withhold_content(doc: Mapping[str, Any], pseudonyms: Pseudonyms = UNKEYED) -> dict[str, Any]:
    """The policy input `doc` without its texts (see the module docstring)."""
    kept = dict(doc)
    kept.pop("user_text", None)  # part of `text`, whose hash stands for both
    kept.pop("folded_text", None)  # `text` folded (`charter.policy.folded`): the same
    text = doc.get("text")
    if isinstance(text, str) and text:
        kept["text"] = ""
        kept[TEXT_HMAC if pseudonyms.keyed else TEXT_HASH] = pseudonyms.hex(text)
        kept[TEXT_CHARS] = len(text)
    tool = doc.get("tool")
    if isinstance(tool, Mapping) and "arguments" in tool:
        kept["tool"] = {**tool, "arguments": _Digests(pseudonyms).value(tool["arguments"])}
    return kept


def content_withheld(doc: Mapping[str, Any]) -> bool:
    """Whether a recorded input had its text withheld (replay cannot judge text rules)."""
    return TEXT_HASH in doc or TEXT_HMAC in doc


class _Digests:
    def __init__(self, pseudonyms: Pseudonyms) -> None:
        self.prefix, self.hex = pseudonyms.prefix, pseudonyms.hex

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.prefix + self.hex(value)
        if (digits := integral_digits(value)) is not None:
            return self.prefix + self.hex(digits) if _long(digits) else value
        if isinstance(value, Mapping):
            return {self.key(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def key(self, key: Any) -> Any:
        """A key as recorded: kept when it reads as a field name (`amount`, `order_id`:
        replay needs them to judge rules on arguments), hashed when it may be data (an
        e-mail address, a name with a space, an account number: detection may have missed
        it)."""
        if isinstance(key, str) and _FIELD_NAME.fullmatch(key) and _digits(key) < _KEY_DIGITS:
            return key
        return self.prefix + self.hex(str(key))


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _long(digits: str) -> bool:
    return len(digits.lstrip("-")) >= _IDENTIFIER_DIGITS
