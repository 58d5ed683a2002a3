"""Whether a value, as a whole, is an identity or account number: the test that keeps such
a value out of places meant for pseudonyms (a user id on spans, in the decision log, as an
approval's requester)."""

from __future__ import annotations

import unicodedata

from charter._unicode import visible
from charter.pii import checksums as c
from charter.pii.verdict import Check

_CHECKS: tuple[Check, ...] = (
    c.iban_ok, c.tr_national_id_ok, c.es_nif_ok, c.es_nie_ok, c.it_fiscal_code_ok,
    c.fi_hetu_ok, c.fr_nir_ok, c.se_personnummer_ok, c.pl_pesel_ok, c.nl_bsn_ok,
    c.de_tax_id_ok, c.uk_nhs_ok, c.card_number_ok,
)  # fmt: skip
"""Check digits decide, each on its number's own shape: a shape such as "letters and
digits" would take pseudonyms (`u-7f3a`, a UUID) for personal data. Not a UK NINO: it has
no check digit, and review found its shape hashing every ticket-style id (`PR892026C`)."""
_SEPARATORS = str.maketrans("", "", " -./")


def is_identity_number(value: str) -> bool:
    """True when `value` is a national id, IBAN or card number, as written or without its
    separators, in any case (`GB82 WEST 1234 ...`, `ab123456c`, `12345678-Z`), and with
    what draws as nothing (a zero-width space, a soft hyphen) left out."""
    written = unicodedata.normalize("NFKC", visible(value)).strip().upper()
    forms = {written, written.translate(_SEPARATORS)}
    return any(check(form) for form in forms if form.isascii() for check in _CHECKS)
