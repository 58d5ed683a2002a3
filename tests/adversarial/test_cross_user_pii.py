"""Issue 14 #4: cross-user PII recovery.

Replays the attack: placeholders were scoped by conversation id only, so a second user who
sent the same conversation id got the first user's values restored into their answers
("Your e-mail is <EMAIL_ADDRESS_1>" came back with the first user's address). Now the
vault is scoped by tenant, user and conversation; a restore across users is refused (the
placeholder stays) and recorded (a decision in the log, a rule on the span, a warning on
the `charter.security` logger), none of them holding the value.

Also here: a lone surrogate inside a PII value (the vault used to raise encoding it).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from charter import context
from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES
from charter.errors import VaultError
from charter.pii import MemoryVaultStore, Scope, Vault
from charter.testing import RecordingModel, make_charter

ALICE_MAIL = "alice.smith@example.com"
BOB_MAIL = "bob.jones@example.org"
LEAK = "Your e-mail address is <EMAIL_ADDRESS_1>."


def test_a_second_user_reusing_a_conversation_id_gets_no_values_of_the_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=True)
    model = RecordingModel(lambda prompt: LEAK)
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user="u-alice", conversation="c-1"):
        assert ask(f"Please update my e-mail to {ALICE_MAIL}") == LEAK.replace(
            "<EMAIL_ADDRESS_1>", ALICE_MAIL
        )
    with (
        caplog.at_level(logging.WARNING, logger="charter.security"),
        context(user="u-mallory", conversation="c-1"),
    ):
        answer = ask("What e-mail address do you have for me?")
    assert ALICE_MAIL not in answer  # main: the first user's address
    assert answer == LEAK
    assert "another principal" in caplog.text and ALICE_MAIL not in caplog.text

    charter.audit.flush(timeout=30)
    records = list(iter_records(charter.settings.store_url))
    refused = [r for r in records if "charter.pii.cross_principal_restore" in str(r.result)]
    assert len(refused) == 1
    [record] = refused
    assert record.result["action"] == "redact" and record.labels["stage"] == "output"
    assert "1 EMAIL_ADDRESS" in record.result["violations"][0]["message"]
    assert record.input["user"]["id"] != "u-alice"
    assert all(ALICE_MAIL not in r.model_dump_json() for r in records)
    charter.close()


def test_each_user_of_a_shared_conversation_id_keeps_their_own_placeholders(
    tmp_path: Path,
) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    model = RecordingModel(lambda prompt: "Noted <EMAIL_ADDRESS_1>.")
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user="u-alice", conversation="c-1"):
        assert ask(f"mail me at {ALICE_MAIL}") == f"Noted {ALICE_MAIL}."
    with context(user="u-bob", conversation="c-1"):
        assert ask(f"mail me at {BOB_MAIL}") == f"Noted {BOB_MAIL}."
        assert "<EMAIL_ADDRESS_1>" in model.last_text  # numbered in bob's own scope
    with context(user="u-alice", conversation="c-1"):  # the next turn: still alice's
        assert ask("and where do you mail me?") == f"Noted {ALICE_MAIL}."


def test_the_vault_refuses_a_principal_another_principals_placeholders() -> None:
    vault = Vault(os.urandom(32))
    alice = Scope.conversation("c-9", tenant="acme", principal="u-alice")
    mallory = Scope.conversation("c-9", tenant="acme", principal="u-mallory")
    assert vault.placeholders(alice, [("EMAIL_ADDRESS", ALICE_MAIL, False)]) == [
        "<EMAIL_ADDRESS_1>"
    ]
    result = vault.restore_checked("mail <EMAIL_ADDRESS_1>", mallory)
    assert result.text == "mail <EMAIL_ADDRESS_1>" and result.refused == {"EMAIL_ADDRESS": 1}
    assert vault.restore("mail <EMAIL_ADDRESS_1>", alice) == f"mail {ALICE_MAIL}"
    # another tenant's user with the same ids is not "the same conversation"
    other = Scope.conversation("c-9", tenant="globex", principal="u-mallory")
    assert vault.restore_checked("mail <EMAIL_ADDRESS_1>", other).refused == {}


def test_a_sealed_mapping_cannot_be_moved_to_another_principal() -> None:
    store = MemoryVaultStore()
    vault = Vault(os.urandom(32), store=store)
    alice = Scope.conversation("c-9", principal="u-alice")
    mallory = Scope.conversation("c-9", principal="u-mallory")
    vault.placeholders(alice, [("EMAIL_ADDRESS", ALICE_MAIL, False)])
    sealed = store.get("default", vault.storage_id(alice))
    assert sealed is not None
    assert b"u-alice" not in vault.storage_id(alice).encode()  # the store shows a keyed tag
    store.put("default", vault.storage_id(mallory), sealed)  # alice's blob under mallory's id
    with pytest.raises(VaultError):
        vault.restore("<EMAIL_ADDRESS_1>", mallory)


def test_a_lone_surrogate_inside_a_value_is_sealed_restored_and_erased() -> None:
    vault = Vault(os.urandom(32))
    scope = Scope.conversation("c-5", subject="u-1")
    value = "Jane\ud800 Doe"
    assert vault.placeholders(scope, [("PERSON", value, False)]) == ["<PERSON_1>"]  # main: raised
    assert vault.restore("Hi <PERSON_1>", scope) == f"Hi {value}"
    assert vault.digest("default", "PERSON", value)
    assert vault.erase(value) == 1
    assert vault.restore("Hi <PERSON_1>", scope) == "Hi <PERSON_1>"
