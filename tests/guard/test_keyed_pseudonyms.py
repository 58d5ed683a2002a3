"""Found by probing: a user id that looks like personal data was recorded as
`h-` + SHA-256(id)[:16], and each withheld tool-argument string as `sha256:` + SHA-256 of
it; with a copy of the decision log and the bank's list of 300,000 phone and account
numbers, hashing the list gave the user and the account back in half a second, with a
`vault_key` set or not. They are now HMAC-SHA256 under a key: derived from `vault_key`
when it is set, else made once beside the SQLite store (0600), so every process that
shares the store writes and checks the same pseudonyms. What was written before stays as
it was and still verifies; approvals made before are still judged."""

from __future__ import annotations

import base64
import hashlib
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import charter as charter_pkg
from charter.approvals import Reviewer
from charter.approvals._identity import requester_id
from charter.approvals.queue import ApprovalQueue
from charter.audit import AuditLog, iter_records, verify
from charter.config import DEFAULT_POLICIES
from charter.decision import Action, Decision
from charter.errors import ApprovalPending, NotAuthorized
from charter.guard import Charter
from charter.pseudonyms import KEY_FILE_SUFFIX, UNKEYED, pseudonyms_for
from charter.testing import make_charter

USER = "+905325551234"  # the app uses the customer's phone number as its user id
ACCOUNT = "2049183756"  # a customer number detection does not know
EMAIL = "zeynep.kaya77@example.org"
VAULT_KEY = base64.b64encode(b"k" * 32).decode()


def _unkeyed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _balance_call(charter: Charter) -> Any:
    @charter.guard.tool
    def get_balance(account_no: str) -> str:
        return "1.234,00 TRY"

    with charter_pkg.context(user=USER):
        get_balance(ACCOUNT)
    charter.close()
    return next(r for r in iter_records(charter.settings.store_url) if r.input.get("tool"))


@pytest.mark.parametrize("vault_key", ["", VAULT_KEY], ids=["key-beside-store", "vault_key"])
def test_a_list_of_candidates_no_longer_gives_the_rows_back(tmp_path: Path, vault_key: str) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, audit_mode="sync", vault_key=vault_key)
    record = _balance_call(charter)
    user, argument = record.input["user"]["id"], record.input["tool"]["arguments"]["account_no"]
    assert user.startswith("h-") and argument.startswith("hmac:")
    assert user != "h-" + _unkeyed(USER)[:16]  # what the attacker's list hashes to
    assert argument.removeprefix("hmac:") != _unkeyed(ACCOUNT)
    assert _unkeyed(ACCOUNT) not in repr(record) and _unkeyed(USER)[:16] not in repr(record)
    key_file = Path(str(tmp_path / "charter.db") + KEY_FILE_SUFFIX)
    assert key_file.exists() == (not vault_key)  # a vault_key needs no file
    if not vault_key:
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_every_process_sharing_the_store_writes_the_same_pseudonyms(tmp_path: Path) -> None:
    """The key is made once, beside the store: another process reads it (so drift by user
    and the four-eyes rule see one person), and writes the same digest for the same value."""
    record = _balance_call(make_charter(DEFAULT_POLICIES, tmp_path, audit_mode="sync"))
    url = f"sqlite:///{tmp_path / 'charter.db'}"
    other = textwrap.dedent(f"""
        from charter.pseudonyms import pseudonyms_for
        p = pseudonyms_for("", {url!r})
        print(p.user({USER!r}), "hmac:" + p.hex({ACCOUNT!r}))
    """)
    said = subprocess.run(
        [sys.executable, "-c", other], capture_output=True, text=True, check=True
    ).stdout.split()
    assert said == [record.input["user"]["id"], record.input["tool"]["arguments"]["account_no"]]


def test_records_written_before_keep_their_digests_and_the_chain_verifies(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'charter.db'}"
    doc = {"text": "call <PHONE_NUMBER_1>", "tool": {"name": "t", "arguments": {"n": ACCOUNT}}}
    with AuditLog(url, pseudonyms=UNKEYED) as log:  # as an earlier version wrote them
        log.record(Decision(action=Action.ALLOW), doc)
    with AuditLog(url) as log:
        log.record(Decision(action=Action.ALLOW), doc)
    old, new = iter_records(url)
    assert old.input["tool"]["arguments"]["n"] == "sha256:" + _unkeyed(ACCOUNT)
    assert "text_sha256" in old.input and "text_hmac" in new.input
    assert new.input["tool"]["arguments"]["n"].startswith("hmac:")
    assert verify(url).ok


def _hold(charter: Charter) -> str:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    with charter_pkg.context(user=EMAIL), pytest.raises(ApprovalPending) as held:
        issue_refund("A-17", 900.0)
    return held.value.ticket


def test_a_keyed_requester_is_still_told_apart_in_another_process(tmp_path: Path) -> None:
    """The four-eyes rule and resuming read the requester's pseudonym: a reviewer's process
    on the same store (the CLI, the console) has the same key; one with another key (a
    `vault_key` the app has and it lacks, or the reverse) refuses to judge, never allows."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    ticket = _hold(charter)
    url = charter.settings.store_url
    stored = charter.queue.get(ticket).requester
    assert stored != requester_id(EMAIL, UNKEYED) and stored.startswith("h-")
    with (
        ApprovalQueue(url) as trusting,  # reviewers taken as given, the store's key
        pytest.raises(NotAuthorized, match="cannot decide their own request"),
    ):
        trusting.approve(ticket, Reviewer(id=EMAIL.upper(), roles=("finance",)))
    other = pseudonyms_for(VAULT_KEY, url)
    with (
        ApprovalQueue(url, pseudonyms=other) as elsewhere,
        pytest.raises(NotAuthorized, match="another pseudonym key"),
    ):
        elsewhere.approve(ticket, Reviewer(id="bob", roles=("finance",)))
    charter.queue.approve(ticket, "alice", reason="verified")
    with charter_pkg.context(user=EMAIL):
        assert charter.resume(ticket) == "refunded"
    charter.close()


def test_a_request_held_before_pseudonyms_were_keyed_is_still_judged(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    url = charter.settings.store_url
    earlier = Charter(charter.settings, queue=ApprovalQueue(url, pseudonyms=UNKEYED))
    ticket = _hold(earlier)  # as an earlier version held it
    assert earlier.queue.get(ticket).requester == requester_id(EMAIL, UNKEYED)
    with (
        ApprovalQueue(url) as trusting,
        pytest.raises(NotAuthorized, match="cannot decide their own request"),
    ):
        trusting.approve(ticket, Reviewer(id=EMAIL, roles=("finance",)))
    charter.queue.approve(ticket, "alice", reason="verified")
    with charter_pkg.context(user="someone.else@example.org"), pytest.raises(NotAuthorized):
        charter.resume(ticket)
    with charter_pkg.context(user=EMAIL):
        assert charter.resume(ticket) == "refunded"
    earlier.close()  # after the resume: a closed Charter's held calls are forgotten
    charter.close()


def _held_refund(charter: Charter, phone: str) -> str:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float, phone: str) -> str:
        return "refunded"

    with charter_pkg.context(user="alice"), pytest.raises(ApprovalPending) as held:
        issue_refund("A-17", 900.0, phone)
    return held.value.ticket


def test_an_approvals_values_digest_is_keyed_and_a_request_from_before_still_resumes(
    tmp_path: Path,
) -> None:
    """Found by review: the digest of the real values behind an approval's placeholders
    was SHA-256 without a `vault_key`; 2,000 candidate phone numbers gave the redacted one
    back. It is keyed with the store's pseudonym key now; a request held before keeps its
    digest, and resuming it reads that back."""
    from charter.privacy import json_text

    phone = "+90 532 555 12 34"
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    ticket = _held_refund(charter, phone)
    values = charter.queue.get(ticket).action["values"]
    real = [{"amount": 900.0, "order_id": "A-17", "phone": phone}, None]
    assert values.startswith("hmac:")
    assert values.removeprefix("hmac:") != _unkeyed(json_text(real))  # what a list tries
    assert _unkeyed(json_text(real)) not in repr(charter.queue.get(ticket).action)
    charter.queue.approve(ticket, "bob", reason="ok")
    with charter_pkg.context(user="alice"):
        assert charter.resume(ticket) == "refunded"
    keyed = charter.pseudonyms
    charter.pseudonyms = UNKEYED  # as an earlier version digested the values
    legacy = _held_refund(charter, phone)
    charter.pseudonyms = keyed
    assert charter.queue.get(legacy).action["values"] == "sha256:" + _unkeyed(json_text(real))
    charter.queue.approve(legacy, "bob", reason="ok")
    with charter_pkg.context(user="alice"):
        assert charter.resume(legacy) == "refunded"
    charter.close()
