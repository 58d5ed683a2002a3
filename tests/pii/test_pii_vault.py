"""The vault: stable placeholders per scope, encryption per tenant, TTL, erasure."""

from __future__ import annotations

import base64
import os
from dataclasses import replace

import pytest

from charter.config import Settings
from charter.errors import PIIError, VaultError
from charter.pii import MemoryVaultStore, Scope, SealedScope, Vault

EMAIL = ("EMAIL_ADDRESS", "jane.doe@example.com", False)
PHONE = ("PHONE_NUMBER", "+90 532 123 45 67", False)
TCKN = ("TR_NATIONAL_ID", "10000000146", False)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_same_value_same_placeholder_within_a_scope(vault: Vault) -> None:
    scope = Scope.request()
    first = vault.placeholders(scope, [EMAIL, PHONE, EMAIL])
    again = vault.placeholders(scope, [PHONE, ("EMAIL_ADDRESS", "other@example.com", False)])
    assert first == ["<EMAIL_ADDRESS_1>", "<PHONE_NUMBER_1>", "<EMAIL_ADDRESS_1>"]
    assert again == ["<PHONE_NUMBER_1>", "<EMAIL_ADDRESS_2>"]


def test_scopes_are_independent(vault: Vault) -> None:
    a, b = Scope.request(), Scope.request()
    assert vault.placeholders(a, [PHONE, EMAIL]) == ["<PHONE_NUMBER_1>", "<EMAIL_ADDRESS_1>"]
    assert vault.placeholders(b, [EMAIL]) == ["<EMAIL_ADDRESS_1>"]
    assert vault.restore("<PHONE_NUMBER_1>", b) == "<PHONE_NUMBER_1>"  # not issued in b
    assert vault.restore("<PHONE_NUMBER_1>", a) == PHONE[1]


def test_conversation_scope_is_stable_across_turns_and_vault_instances_sharing_a_store() -> None:
    key = os.urandom(32)
    store = MemoryVaultStore()
    turn1 = Vault(key, store=store).placeholders(Scope.conversation("c-42"), [EMAIL])
    turn2 = Vault(key, store=store).placeholders(Scope.conversation("c-42"), [PHONE, EMAIL])
    assert turn1 == ["<EMAIL_ADDRESS_1>"]
    assert turn2 == ["<PHONE_NUMBER_1>", "<EMAIL_ADDRESS_1>"]


def test_request_scopes_are_fresh() -> None:
    assert Scope.request().id != Scope.request().id
    assert Scope.conversation("c1") == Scope.conversation("c1")


def test_stored_blobs_are_unreadable_without_the_key() -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    store = MemoryVaultStore()
    scope = Scope.conversation("c1", tenant="acme", subject="user-7")
    Vault(key, store=store).placeholders(scope, [EMAIL, PHONE, TCKN])
    ((tenant, scope_id),) = store.scopes()
    sealed = store.get(tenant, scope_id)
    assert sealed is not None
    raw = sealed.blob + "".join(sorted(sealed.subject_tags | sealed.value_tags)).encode()
    for _, value, _ in (EMAIL, PHONE, TCKN):
        assert value.encode() not in raw
        assert value.encode("utf-16-le") not in raw
    assert b"user-7" not in raw and b"EMAIL_ADDRESS" not in raw

    with pytest.raises(VaultError, match="cannot be decrypted"):
        Vault(os.urandom(32), store=store).restore("<EMAIL_ADDRESS_1>", scope)
    assert Vault(key, store=store).restore("<EMAIL_ADDRESS_1>", scope) == EMAIL[1]


def test_tampering_and_moving_blobs_are_detected() -> None:
    key = os.urandom(32)
    store = MemoryVaultStore()
    vault = Vault(key, store=store)
    a, b = Scope.conversation("a"), Scope.conversation("b")
    vault.placeholders(a, [EMAIL])
    vault.placeholders(b, [PHONE])
    sealed = store.get("default", a.id)
    assert sealed is not None
    flipped = bytearray(sealed.blob)
    flipped[-1] ^= 1
    store.put("default", a.id, replace(sealed, blob=bytes(flipped)))
    with pytest.raises(VaultError):
        vault.restore("<EMAIL_ADDRESS_1>", a)
    store.put("default", b.id, sealed)  # a's intact blob under b's id
    with pytest.raises(VaultError):
        vault.restore("<EMAIL_ADDRESS_1>", b)


def test_tenants_get_different_keys() -> None:
    vault = Vault(os.urandom(32))
    assert vault.digest("acme", "EMAIL_ADDRESS", EMAIL[1]) != vault.digest(
        "globex", "EMAIL_ADDRESS", EMAIL[1]
    )
    assert vault.digest("acme", "EMAIL_ADDRESS", EMAIL[1]) == vault.digest(
        "acme", "EMAIL_ADDRESS", EMAIL[1]
    )
    store = MemoryVaultStore()
    vault = Vault(os.urandom(32), store=store)
    vault.placeholders(Scope.conversation("c", tenant="acme"), [EMAIL])
    sealed = store.get("acme", "conv:c")
    assert sealed is not None
    store.put("globex", "conv:c", sealed)  # acme's blob presented as globex's
    with pytest.raises(VaultError):
        vault.restore("<EMAIL_ADDRESS_1>", Scope.conversation("c", tenant="globex"))


def test_ttl_expires_unused_scopes_and_slides_on_use() -> None:
    clock = FakeClock()
    vault = Vault(ttl_s=60, clock=clock)
    scope = Scope.conversation("c1")
    vault.placeholders(scope, [EMAIL])
    clock.now += 50
    assert vault.restore("<EMAIL_ADDRESS_1>", scope) == EMAIL[1]
    vault.placeholders(scope, [EMAIL])  # use slides the expiry
    clock.now += 50
    assert vault.restore("<EMAIL_ADDRESS_1>", scope) == EMAIL[1]
    clock.now += 61
    assert vault.restore("<EMAIL_ADDRESS_1>", scope) == "<EMAIL_ADDRESS_1>"
    assert vault.placeholders(scope, [PHONE]) == ["<PHONE_NUMBER_1>"]


def test_scope_ttl_overrides_the_vault_and_purge_drops_expired() -> None:
    clock = FakeClock()
    vault = Vault(ttl_s=None, clock=clock)
    short, forever = Scope.conversation("short", ttl_s=10), Scope.conversation("forever")
    vault.placeholders(short, [EMAIL])
    vault.placeholders(forever, [EMAIL])
    clock.now += 11
    assert vault.purge_expired() == 1
    assert vault.store.scopes() == [("default", forever.id)]


class CountingStore(MemoryVaultStore):
    """Counts the scopes read back (what a sweep costs)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, tenant: str, scope_id: str) -> SealedScope | None:
        self.reads += 1
        return super().get(tenant, scope_id)


def test_expired_scopes_are_swept_on_writes_at_a_bounded_cost() -> None:
    """Probing found expired scopes dropped only when read again: a server seeing many
    conversations kept every one past its ttl (3000 conversations, then 3000 more two
    hours later: 6000 held, 3000 expired). Now a write sweeps them: after `ttl_s` (at
    least a minute), or after as many writes as the last sweep kept scopes."""
    clock, store = FakeClock(), CountingStore()
    vault = Vault(store=store, ttl_s=600, clock=clock)
    for i in range(3000):
        vault.placeholders(Scope.conversation(f"a{i}"), [EMAIL])
    assert len(store.scopes()) == 3000  # none expired yet: all kept
    clock.now += 601
    vault.placeholders(Scope.conversation("b0"), [EMAIL])
    assert store.scopes() == [("default", "conv:b0")]  # the first write after ttl_s

    held = []
    for i in range(5000):  # one new conversation a second, each used once: 600 live
        clock.now += 1
        vault.placeholders(Scope.conversation(f"c{i}"), [EMAIL])
        held.append(len(store.scopes()))
    assert max(held) <= 2 * 600 + 64  # about twice those in use (a sweep: 64 writes at least)
    store.reads = 0
    for i in range(5000):
        vault.placeholders(Scope.conversation(f"d{i}"), [EMAIL])  # no time passes
    swept = store.reads - 2 * 5000  # each write reads its own scope twice
    assert swept <= 2 * 5000  # a sweep after k writes reads at most 2k scopes


def test_discard_forgets_a_request(vault: Vault) -> None:
    scope = Scope.request()
    vault.placeholders(scope, [EMAIL])
    vault.discard(scope)
    assert vault.restore("<EMAIL_ADDRESS_1>", scope) == "<EMAIL_ADDRESS_1>"


def test_erase_by_subject_removes_their_scopes_only(vault: Vault) -> None:
    jane = Scope.conversation("c1", subject="user-jane")
    john = Scope.conversation("c2", subject="user-john")
    vault.placeholders(jane, [EMAIL, PHONE])
    vault.placeholders(john, [TCKN])
    assert vault.erase("user-jane") == 2
    assert vault.restore("<EMAIL_ADDRESS_1>", jane) == "<EMAIL_ADDRESS_1>"
    assert vault.restore("<TR_NATIONAL_ID_1>", john) == TCKN[1]


def test_erase_by_subject_never_issues_an_erased_number_again(vault: Vault) -> None:
    """Found by probing: erasing by subject deleted the scope with its counters, so the
    next value got `<EMAIL_ADDRESS_1>` again and an answer written before the erasure
    restored to it. The counters stay; the values, and the subject's tag, go."""
    scope = Scope.conversation("c1", tenant="acme", subject="u-bob", principal="u-bob")
    assert vault.placeholders(scope, [EMAIL, PHONE]) == ["<EMAIL_ADDRESS_1>", "<PHONE_NUMBER_1>"]
    old_answer = "I noted <EMAIL_ADDRESS_1> and <PHONE_NUMBER_1>."
    assert vault.erase("u-bob", tenant="acme") == 2
    assert vault.restore(old_answer, scope) == old_answer
    carol = ("EMAIL_ADDRESS", "carol@example.com", False)
    assert vault.placeholders(scope, [carol]) == ["<EMAIL_ADDRESS_2>"]  # before: _1
    assert vault.restore(old_answer, scope) == old_answer  # before: carol's address
    [(tenant, scope_id)] = vault.store.scopes()
    sealed = vault.store.get(tenant, scope_id)
    assert sealed is not None and len(sealed.value_tags) == 1  # carol's only
    assert vault.erase("u-bob", tenant="acme") == 1  # her value, in his scope, goes too


def test_retract_takes_back_only_placeholders_issued_new_and_never_reissues_them(
    vault: Vault,
) -> None:
    """A call denied before the model takes back what it issued (found by probing: a later
    answer restored a denied prompt's value); a value an earlier turn was given stays."""
    scope = Scope.conversation("c1", principal="u-1")
    assert vault.placeholders(scope, [PHONE]) == ["<PHONE_NUMBER_1>"]  # an earlier turn
    fresh: list[str] = []
    assert vault.placeholders(scope, [PHONE, EMAIL], fresh=fresh) == [
        "<PHONE_NUMBER_1>",
        "<EMAIL_ADDRESS_1>",
    ]
    assert fresh == ["<EMAIL_ADDRESS_1>"]  # the phone number was issued before
    vault.retract(scope, fresh)
    answer = "<EMAIL_ADDRESS_1> or <PHONE_NUMBER_1>"
    assert vault.restore(answer, scope) == f"<EMAIL_ADDRESS_1> or {PHONE[1]}"
    carol = ("EMAIL_ADDRESS", "carol@example.com", False)
    assert vault.placeholders(scope, [carol]) == ["<EMAIL_ADDRESS_2>"]  # _1 is not reused
    assert vault.restore("<EMAIL_ADDRESS_1>", scope) == "<EMAIL_ADDRESS_1>"


def test_retract_leaves_a_placeholder_another_call_was_handed(vault: Vault) -> None:
    """found by probing: call A (denied) issued `<EMAIL_ADDRESS_1>`, call B of the same
    conversation reused it and sent it to the model, and A's retraction took it from under
    B: B's answer kept it unrestored. A placeholder a call reuses without having issued it
    is marked taken (stored, so every process sees it) and the issuer's retraction leaves
    it; one the issuer reuses itself is still taken back."""
    scope = Scope.conversation("c1", principal="u-1")
    a_fresh: list[str] = []
    assert vault.placeholders(scope, [EMAIL, PHONE], fresh=a_fresh) == [
        "<EMAIL_ADDRESS_1>",
        "<PHONE_NUMBER_1>",
    ]
    assert vault.placeholders(scope, [PHONE], fresh=a_fresh) == ["<PHONE_NUMBER_1>"]  # A's own
    b_fresh: list[str] = []
    assert vault.placeholders(scope, [EMAIL], fresh=b_fresh) == ["<EMAIL_ADDRESS_1>"]
    assert b_fresh == []
    vault.retract(scope, a_fresh)
    answer = "<EMAIL_ADDRESS_1> or <PHONE_NUMBER_1>"
    assert vault.restore(answer, scope) == f"{EMAIL[1]} or <PHONE_NUMBER_1>"  # before: both kept
    assert vault.placeholders(scope, [EMAIL]) == ["<EMAIL_ADDRESS_1>"]  # the next turn: same


def test_erase_by_value_removes_it_everywhere_in_any_formatting(vault: Vault) -> None:
    a, b = Scope.conversation("a"), Scope.conversation("b", tenant="acme")
    vault.placeholders(a, [PHONE, EMAIL])
    vault.placeholders(b, [("PHONE_NUMBER", "+905321234567", False)])
    assert vault.erase("+90 (532) 123-45-67") == 2
    assert vault.restore("<PHONE_NUMBER_1> <EMAIL_ADDRESS_1>", a) == f"<PHONE_NUMBER_1> {EMAIL[1]}"
    assert vault.restore("<PHONE_NUMBER_1>", b) == "<PHONE_NUMBER_1>"
    # numbers are never reused: an old answer cannot restore to someone else's value
    assert vault.placeholders(a, [("PHONE_NUMBER", "+1 212-555-0199", False)]) == [
        "<PHONE_NUMBER_2>"
    ]
    assert vault.erase("nobody@example.com") == 0


def test_erase_can_be_limited_to_a_tenant(vault: Vault) -> None:
    vault.placeholders(Scope.conversation("x", tenant="acme"), [EMAIL])
    vault.placeholders(Scope.conversation("x", tenant="globex"), [EMAIL])
    assert vault.erase(EMAIL[1], tenant="acme") == 1
    assert vault.restore("<EMAIL_ADDRESS_1>", Scope.conversation("x", tenant="globex")) == EMAIL[1]


def test_erasing_a_pseudonym_without_a_tenant_erases_it_in_every_tenant(vault: Vault) -> None:
    """As documented (probing asked whether it was meant): a pseudonym names a person only
    within its tenant, so an erasure by pseudonym passes the tenant."""
    acme = Scope.conversation("c1", tenant="acme", subject="u-42", principal="u-42")
    globex = Scope.conversation("c9", tenant="globex", subject="u-42", principal="u-42")
    vault.placeholders(acme, [EMAIL])
    vault.placeholders(globex, [PHONE])
    assert vault.erase("u-42", tenant="acme") == 1
    assert vault.restore("<PHONE_NUMBER_1>", globex) == PHONE[1]
    assert vault.erase("u-42") == 1
    assert vault.restore("<PHONE_NUMBER_1>", globex) == "<PHONE_NUMBER_1>"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not base64!!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "must be 32 bytes"),
        (b"\x00" * 16, "must be 32 bytes"),
    ],
)
def test_bad_keys_are_clear_errors_without_the_key(key: str | bytes, message: str) -> None:
    with pytest.raises(PIIError, match=message) as caught:
        Vault(key)
    assert "CHARTER_VAULT_KEY" in str(caught.value)
    if isinstance(key, str):
        assert key not in str(caught.value)


def test_key_from_settings_in_standard_or_urlsafe_base64() -> None:
    raw = os.urandom(32)
    scope = Scope.conversation("c")
    store = MemoryVaultStore()
    Vault.from_settings(
        Settings(vault_key=base64.b64encode(raw).decode()), store=store
    ).placeholders(scope, [EMAIL])
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert Vault(urlsafe, store=store).restore("<EMAIL_ADDRESS_1>", scope) == EMAIL[1]


def test_scope_validation() -> None:
    with pytest.raises(PIIError, match="non-empty"):
        Scope("", "t")
    with pytest.raises(PIIError, match="ttl_s"):
        Scope.conversation("c", ttl_s=0)
