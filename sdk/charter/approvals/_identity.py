"""Whether two user ids name the same person, for the four-eyes rule.

Ids come from sign-in systems that may accept any Unicode: probing found a requester
signed in as full-width `ａｌｉｃｅ`, `alice` with a zero-width space or soft hyphen, with a
Cyrillic `а` or `е`, or a Turkish dotless `ı`, approving their own refund as `alice`.
So ids are compared by a skeleton: compatibility forms folded, invisible characters and
accents dropped, letters that look Latin read as Latin, case ignored. Reading two distinct
ids as one person only ever refuses a vote (the safe direction), so the table errs wide.

A requester id that looks like personal data (an e-mail address, a name, a national id) is
stored as a pseudonym (`requester_id`), as telemetry and the decision log keep it hashed;
`asked_by` and `requested_by` compare an id with what was stored.
"""

from __future__ import annotations

import unicodedata

from charter._canonical import sha256_hex
from charter.telemetry._telemetry import looks_personal

_LOOKALIKES: dict[str, str] = {
    "a": "АаΑαɑ",
    "b": "ВвΒЬь",
    "c": "СсϹϲ",
    "d": "ԁ",
    "e": "ЕеΕε",
    "g": "ɡ",
    "h": "НнҺһΗ",
    "i": "ІіΙιıɩӀ",
    "j": "Јјϳȷ",
    "k": "КкΚκ",
    "l": "ӏ",
    "m": "МмΜ",
    "n": "пηΝ",
    "o": "ОоΟο",
    "p": "РрΡρ",
    "q": "Ԛԛ",
    "r": "г",
    "s": "Ѕѕ",
    "t": "ТтΤτ",
    "u": "υμ",
    "v": "ν",
    "w": "Ԝԝ",
    "x": "ХхΧχ",
    "y": "УуҮүΥγ",
    "z": "Ζ",
}
"""Latin letter -> the Cyrillic, Greek and IPA letters (either case) that read as it."""
_AS_LATIN = str.maketrans({c: latin for latin, alike in _LOOKALIKES.items() for c in alike})
_DROPPED = frozenset({"Cf", "Mn", "Me"})
"""Format characters (zero-width spaces, soft hyphens, direction marks) and combining marks
(accents, once decomposed)."""


def person_key(user_id: str) -> str:
    """`user_id`'s skeleton: equal for every spelling above of one id."""
    decomposed = unicodedata.normalize("NFKD", user_id)  # NFKC's folding, accents apart
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _DROPPED)
    return kept.translate(_AS_LATIN).casefold().translate(_AS_LATIN).strip()


def same_person(a: str, b: str) -> bool:
    return person_key(a) == person_key(b)


def requester_id(user: str) -> str:
    """How the queue stores who asked. An id that looks like personal data becomes two
    hashes: of its skeleton, which the four-eyes rule compares (another spelling of it
    still cannot decide the request), and of the id as given, which resuming compares (only
    that exact principal resumes). Other ids are stored as they are."""
    key = person_key(user)
    if not looks_personal(key):
        return user
    return f"h-{sha256_hex(key)[:16]}.{sha256_hex(user)[:8]}"


def asked_by(user_id: str, requester: str) -> bool:
    """Whether `user_id`, in any spelling, is the person who made a request stored with
    `requester` (the four-eyes rule)."""
    if same_person(user_id, requester):
        return True
    mine = requester_id(user_id)
    return mine != user_id and mine.partition(".")[0] == requester.partition(".")[0]


def requested_by(user_id: str, requester: str) -> bool:
    """Whether `user_id` is exactly the principal that made the request (resuming it)."""
    return requester in (user_id, requester_id(user_id))
