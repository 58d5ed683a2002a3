"""Whether two user ids name the same person, for the four-eyes rule.

Ids come from sign-in systems that may accept any Unicode: probing found requesters signed
in as full-width `ａｌｉｃｅ`, `alice` with a zero-width space, a Hangul filler or a Braille
blank, `ᴀlice` (a small capital), `aǀice` or `aIice` approving their own refund as `alice`.
A hand-made table of look-alikes always missed some, so ids are compared by Unicode's
confusable skeleton (UTS #39, the `confusable-homoglyphs` package's copy of
confusables.txt), after compatibility folding, with invisible characters (default
ignorable code points, format and control characters, blanks) and accents dropped and
small capitals read as letters; case is ignored both before and after the skeleton, so
`aIice` (capital I) is `alice` and `ALICE` is too. Reading two distinct ids as one person
only ever refuses a vote (the safe direction), so the comparison errs wide.

A requester id that looks like personal data (an e-mail address, a name, a national id) is
stored as a pseudonym (`requester_id`), keyed as telemetry and the decision log keep it
(`charter.pseudonyms`); `asked_by` and `requested_by` compare an id with what was stored.
So is anyone else the history names who was not acting as a reviewer from the directory
(who cancelled, who used the approval, whose vote was refused), refusal message included
(`stored_actor`).
"""

from __future__ import annotations

import re
import unicodedata

from charter._unicode import confusable_prototypes, default_ignorable, small_capital
from charter.pseudonyms import UNKEYED, Pseudonyms
from charter.telemetry._telemetry import looks_personal

_BLANKS = frozenset({"\u2800"})
"""Symbols drawn blank (the Braille blank): invisible, yet neither space nor ignorable."""
_DROPPED = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})
"""Controls, format characters, unassigned and private code points, combining marks
(accents, once decomposed) and spaces: none of them tells two ids apart on screen."""


def same_person(a: str, b: str) -> bool:
    """Whether ids `a` and `b` may be one person: their skeletons meet, case ignored."""
    return not _keys(a).isdisjoint(_keys(b))


def requester_id(user: str, pseudonyms: Pseudonyms = UNKEYED) -> str:
    """How the queue stores who asked. An id that looks like personal data becomes keyed
    hashes (`charter.pseudonyms`): of its skeletons, which the four-eyes rule compares
    (another spelling of it still cannot decide the request), and of the id as given,
    which resuming compares (only that exact principal resumes), then the key's
    fingerprint. Other ids are stored as they are."""
    keys = _keys(user)
    if not any(looks_personal(k) for k in keys | {user}):
        return user
    hashes = "-".join(sorted(_hashes(keys, pseudonyms)))
    mark = f".{pseudonyms.fingerprint}" if pseudonyms.keyed else ""
    return f"{_HASHED}{hashes}.{pseudonyms.hex(user)[:8]}{mark}"


def stored_actor(by: str, why: str, pseudonyms: Pseudonyms = UNKEYED) -> tuple[str, str]:
    """(actor, message) for a history row about `by`: its pseudonym when it looks like
    personal data, in the message too (refusals quote the id they refused)."""
    actor = requester_id(by, pseudonyms)
    if actor == by:
        return by, why
    for written in (repr(by)[1:-1], by):
        why = why.replace(written, actor)
    return actor, why


def other_key(requester: str, pseudonyms: Pseudonyms) -> bool:
    """Whether `requester` is a pseudonym under another key than `pseudonyms` (the app has
    a `vault_key` this process lacks): here nobody can be told apart from who asked."""
    parsed = _parsed(requester)
    return parsed is not None and parsed[1] not in ("", pseudonyms.fingerprint)


def asked_by(user_id: str, requester: str, pseudonyms: Pseudonyms = UNKEYED) -> bool:
    """Whether `user_id`, in any spelling, is the person who made a request stored with
    `requester` (the four-eyes rule). A stored pseudonym is met by the hash of any of the
    id's skeletons, whether or not this spelling of it looks personal; one under another
    key is read as theirs (refused, never allowed); one from before pseudonyms were keyed
    is compared unkeyed."""
    if same_person(user_id, requester):
        return True
    parsed = _parsed(requester)
    if parsed is None:
        return False
    stored, mark = parsed
    if other_key(requester, pseudonyms):
        return True
    return not _hashes(_keys(user_id), pseudonyms if mark else UNKEYED).isdisjoint(stored)


def requested_by(user_id: str, requester: str, pseudonyms: Pseudonyms = UNKEYED) -> bool:
    """Whether `user_id` is exactly the principal that made the request (resuming it)."""
    return requester in (user_id, requester_id(user_id, pseudonyms), requester_id(user_id))


_HASHED = "h-"


_PSEUDONYM = re.compile(r"h-([0-9a-f]{16}(?:-[0-9a-f]{16})*)\.[0-9a-f]{8}(?:\.([0-9a-f]{8}))?")
"""`requester_id`'s shape exactly: a plain id like `h-desk.eu.1` is no pseudonym (read as
one under another key, it could decide nothing: found by review)."""


def _parsed(requester: str) -> tuple[list[str], str] | None:
    """(skeleton hashes, key fingerprint or "" when unkeyed) of a stored pseudonym; None
    for an id stored as it is."""
    found = _PSEUDONYM.fullmatch(requester)
    if found is None:
        return None
    return found.group(1).split("-"), found.group(2) or ""


def _hashes(keys: frozenset[str], pseudonyms: Pseudonyms) -> set[str]:
    return {pseudonyms.hex(k)[:16] for k in keys}


def _keys(user_id: str) -> frozenset[str]:
    """The skeleton of the id as written, of its case-folded form and of its skeleton's:
    `aIice` meets `alice` as written (capital I reads as l), `ALICE` case-folded, and the
    Cherokee capitals of `ALiCE` (whose own case-folding is Cherokee) through the Latin
    capitals of their skeleton."""
    folded = unicodedata.normalize("NFKC", user_id)  # 𝙸, Ⓘ, ᴵ have no case until folded
    written = _skeleton(folded)
    return frozenset((written, _skeleton(folded.casefold()), _skeleton(written.casefold())))


def _skeleton(text: str) -> str:
    prototypes = confusable_prototypes()
    kept = _visible(unicodedata.normalize("NFKD", text))
    mapped = "".join(prototypes.get(c) or prototypes.get(small_capital(c), c) for c in kept)
    return _visible(unicodedata.normalize("NFKD", mapped))


def _visible(text: str) -> str:
    return "".join(c for c in text if not _invisible(c))


def _invisible(c: str) -> bool:
    if c in _BLANKS or c.isspace() or unicodedata.category(c) in _DROPPED:
        return True
    return default_ignorable(c)
