"""What the id of a user or a reviewer, or the name of an app, tenant or environment, may
hold, checked where it is given.

Ids are stored (who asked for an approval, who voted) and compared (who may resume a held
call, who may vote on it). The store keeps valid text without NUL on every backend, so an
id holding a lone surrogate or a NUL would be stored as another id, U+FFFD in its place:
probing found a user who could not resume their own held call while `cust-\\ufffd` could,
and on PostgreSQL a NUL in a reviewer's id failed the vote with a misleading store error.
"""

from __future__ import annotations

import re

from charter.errors import NotAuthorized

UNFIT_ID = "must be valid text without control characters (a NUL, a line break, a lone surrogate)"
_UNFIT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""C0, DEL, C1, the line and paragraph separators, bidi embeddings, overrides and
isolates (an id that reads otherwise than it compares), lone surrogates."""


def unfit_id(value: str) -> bool:
    """`value` holds a control character (`_UNFIT`) or a lone surrogate."""
    return _UNFIT.search(value) is not None


def reviewer_id(value: str) -> str:
    """The id a reviewer gave, or `NotAuthorized` (which a vote records as a refusal)."""
    if not value or not value.strip():
        raise NotAuthorized("no reviewer given; say who is deciding (--as NAME)")
    if unfit_id(value):
        raise NotAuthorized(f"reviewer ids {UNFIT_ID}")
    return value


def plain_name(value: str) -> str:
    """An app, tenant or environment name (`Settings`), or `ValueError`: stored and
    compared like an id. Found by probing: an app named with a NUL or a lone surrogate
    (`CHARTER_APP` from bytes that are not UTF-8) had its held calls stored under another
    name, U+FFFD in its place, so its own queue refused them as another app's, two such
    apps shared one queue, and every span lost its app and service name."""
    if unfit_id(value):
        raise ValueError(f"{UNFIT_ID}; it names what this app stores, so give a plain name")
    return value
