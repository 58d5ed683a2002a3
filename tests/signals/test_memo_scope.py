"""The classifier's memo in guarded calls answers a caller only from what that caller sent
(found by probing: one memo for every caller made a hit on another user's exact text 1.5 ms
against 10 ms for a text nobody sent, telling bob what alice had written). A user's own
chat history still is not scored again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES
from charter.context import context
from charter.guard import Charter
from charter.signals import SafetyClassifier, SignalSet
from charter.testing import make_charter

TEXT = "Can you explain what the sick leave policy says about long absences at the warehouse?"
LATER = "And do I have to tell my manager about the salary review that came back this week?"


@pytest.fixture
def classifier() -> SafetyClassifier:
    return SafetyClassifier(memo=64)


@pytest.fixture
def scored(classifier: SafetyClassifier, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the classifier scored (a memo hit never gets here)."""
    seen: list[str] = []
    original = classifier._suspect_parts

    def spy(text: str) -> Any:
        seen.append(text)
        return original(text)

    monkeypatch.setattr(classifier, "_suspect_parts", spy)
    return seen


@pytest.fixture
def asking(tmp_path: Path, classifier: SafetyClassifier) -> Iterator[Callable[..., Any]]:
    """`asking(tenant)`: a guarded function of a Charter of that tenant on `classifier`."""
    made: list[Charter] = []

    def ask_in(tenant: str = "acme") -> Callable[..., Any]:
        charter = make_charter(
            DEFAULT_POLICIES, tmp_path / tenant, signals=SignalSet([classifier]), tenant=tenant
        )
        made.append(charter)

        @charter.guard(model="m", provider="openai")
        def ask(messages: Any) -> str:
            return "Noted."

        return ask

    yield ask_in
    for charter in made:
        charter.close()


def _user(*texts: str) -> list[dict[str, str]]:
    """A chat: the user's messages, each answered."""
    chat: list[dict[str, str]] = []
    for text in texts:
        chat += [{"role": "user", "content": text}, {"role": "assistant", "content": "Noted."}]
    return chat[:-1]


def test_a_text_another_user_sent_is_scored_again(
    asking: Callable[..., Any], scored: list[str]
) -> None:
    ask = asking()
    for user in ("alice", "bob", "alice"):
        with context(user=user, conversation="c1"):
            ask(_user(TEXT))
    assert scored.count(TEXT) == 2  # alice, then bob (before: alice only); alice again hits


def test_a_users_own_history_is_not_scored_again(
    asking: Callable[..., Any], scored: list[str]
) -> None:
    ask = asking()
    with context(user="alice", conversation="c1"):
        ask(_user(TEXT))
        ask(_user(TEXT, LATER))
    with context(user="alice", conversation="c2"):  # hers in any conversation
        ask(_user(TEXT, LATER))
    assert (scored.count(TEXT), scored.count(LATER)) == (1, 1)


def test_anonymous_callers_are_told_apart_by_their_conversation_only(
    asking: Callable[..., Any], scored: list[str]
) -> None:
    """Without a user or a conversation each request stands alone, as the vault's
    placeholders do: nothing it scores is remembered."""
    ask = asking()
    ask(_user(TEXT))
    ask(_user(TEXT))
    assert scored.count(TEXT) == 2  # before: 1
    with context(conversation="c9"):
        ask(_user(LATER))
        ask(_user(LATER))
    with context(conversation="c10"):
        ask(_user(LATER))
    assert scored.count(LATER) == 2


def test_one_classifier_shared_by_two_tenants_keeps_them_apart(
    asking: Callable[..., Any], scored: list[str]
) -> None:
    for tenant in ("acme", "globex"):
        with context(user="u-1", conversation="c1"):
            asking(tenant)(_user(TEXT))
    assert scored.count(TEXT) == 2  # before: 1
