"""A user id that is a national id or an IBAN (found by probing: `GB82WEST12345698765432`,
`12345678Z`, a Spanish DNI, and `RSSMRA85T10A562S`, an Italian codice fiscale, were kept in
plain text in the decision log, on spans and as an approval's requester: only an @, a space
or an all-digit id counted as personal data). Such ids are now read by their check digits,
each on its own number's shape, and kept hashed; pseudonyms with letters and digits
(`u-7f3a`, a UUID) stay as they are, in the policy's `input.user.id` too (found by review:
`u_5910134930` passed the Swedish check on its last ten digits, and every ticket-style
`PR892026C` the shape of a UK NINO, which has no check digit and so does not count)."""

from __future__ import annotations

from typing import Any

import pytest

from charter import context
from charter.approvals._identity import requester_id
from charter.guard import Charter
from charter.telemetry import safe_user
from charter.testing import RecordingModel
from tests.adversarial.helpers import recorded

ID_NUMBERS = [
    "GB82WEST12345698765432",  # IBAN
    "GB82 WEST 1234 5698 7654 32",
    "12345678Z",  # ES DNI
    "X3356625M",  # ES NIE
    "RSSMRA85T10A562S",  # IT codice fiscale
    "071056-856M",  # FI henkilötunnus
]
PSEUDONYMS = [
    "u-123", "u-7f3a", "alice", "svc_billing", "agent-1", "AB123456",
    "3f2a9c4e-1b2d-4c5e-8f9a-0b1c2d3e4f5a", "GB82WEST12345698765433",  # mod-97 fails
    "u_5910134930", "EM0911174225", "id1706711189",  # two chars + a valid personnummer
    "PR892026C", "TK766979A",  # shaped as a NINO
]  # fmt: skip


def _records_of_a_call_by(charter: Charter, user: str) -> list[Any]:
    """One guarded call as `user`, and what the decision log holds afterwards."""
    model = RecordingModel("ok")
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user=user, conversation="c-1"):
        assert ask("hello there") == "ok"
    return recorded(charter)


@pytest.mark.parametrize("user", ID_NUMBERS)
def test_an_id_number_as_user_id_is_kept_hashed(charter: Charter, user: str) -> None:
    at_rest = repr(_records_of_a_call_by(charter, user))
    assert user not in at_rest and charter.pseudonyms.user(user) in at_rest  # keyed
    assert safe_user(user).startswith("h-") and user not in safe_user(user)
    assert requester_id(user).startswith("h-") and user not in requester_id(user)


@pytest.mark.parametrize(
    "user",
    ["\ufeffGB82WEST12345698765432", "RSSMRA85T10A562S\u200b", "12345678Z\u00ad",
     "X3356\u2060625M"],
)  # fmt: skip
def test_an_id_number_with_an_invisible_character_is_kept_hashed(
    charter: Charter, user: str
) -> None:
    # Found by review: a byte order mark, a zero-width space or a soft hyphen kept the
    # number in plain text (the checks wanted ASCII); they draw as nothing.
    number = "".join(ch for ch in user if ch.isalnum())
    records = _records_of_a_call_by(charter, user)
    assert records and {r.input["user"]["id"] for r in records} == {charter.pseudonyms.user(user)}
    assert safe_user(user).startswith("h-") and number not in repr(records)


@pytest.mark.parametrize("user", PSEUDONYMS)
def test_a_pseudonym_stays_as_it_is(charter: Charter, user: str) -> None:
    records = _records_of_a_call_by(charter, user)
    assert records and {r.input["user"]["id"] for r in records} == {user}  # the policy's
    assert safe_user(user) == user
    assert requester_id(user) == user
