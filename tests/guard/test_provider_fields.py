"""What a provider SDK's own method sends beside the prompt: OpenAI's `user`,
`safety_identifier` and `metadata`, Anthropic's `metadata` (found by probing, stop 40).

Guarding `client.chat.completions.create` redacted the card and the e-mail address in the
messages but sent `user="jane.doe@example.com"` and `metadata={"customer": "Jane Doe"}`
to the provider as written. They are now read like the instructions beside the prompt,
only when the guarded function is that SDK's own method: an app's function may take a
`user` it looks the customer up by, and that must reach it unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest

from charter.guard import Charter

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
NOT_GIVEN = object()  # an SDK's sentinel for an argument left out
ASK = [{"role": "user", "content": "When do you open on Saturday?"}]


def sdk_method(
    charter: Charter, package: str, module: str = ".resources.chat.completions.completions"
) -> tuple[Any, list[dict[str, Any]]]:
    """A guarded stand-in for `client.chat.completions.create` / `client.messages.create`,
    named as the SDK's method is (`module:qualname`)."""
    sent: list[dict[str, Any]] = []

    class Completions:  # keyword arguments as the SDKs declare them
        def create(
            self,
            *,
            model: str,
            messages: list[Any],
            user: Any = NOT_GIVEN,
            safety_identifier: Any = NOT_GIVEN,
            metadata: Any = NOT_GIVEN,
        ) -> str:
            sent.append(dict(user=user, safety_identifier=safety_identifier, metadata=metadata))
            return "We open at nine."

    Completions.create.__module__ = package + module
    guarded = charter.guard(model="m", provider=package)(Completions().create)
    return guarded, sent


@pytest.mark.parametrize("module", [".resources.chat.completions.completions", ""])
def test_openai_user_safety_identifier_and_metadata_are_redacted(
    charter: Charter, module: str
) -> None:
    create, sent = sdk_method(charter, "openai", module)
    create(
        model="gpt-4o-mini",
        messages=ASK,
        user=EMAIL,
        safety_identifier=EMAIL,
        metadata={"customer": f"card {CARD}", "channel": "web", "empty": ""},
    )
    [options] = sent  # main: every one of them as written
    assert options["user"] == options["safety_identifier"] == "<EMAIL_ADDRESS_1>"
    assert CARD not in options["metadata"]["customer"]
    assert options["metadata"]["customer"].endswith("1111")
    assert options["metadata"]["channel"] == "web" and options["metadata"]["empty"] == ""


def test_anthropic_metadata_user_id_is_redacted(charter: Charter) -> None:
    create, sent = sdk_method(charter, "anthropic")
    create(model="claude", messages=ASK, metadata={"user_id": EMAIL})
    [options] = sent
    assert options["metadata"] == {"user_id": "<EMAIL_ADDRESS_1>"}


def test_pseudonyms_pass_as_they_are(charter: Charter) -> None:
    create, sent = sdk_method(charter, "openai")
    metadata = {"session": "s-42"}
    create(model="gpt-4o-mini", messages=ASK, user="u-7f3a", metadata=metadata)
    [options] = sent
    assert options["user"] == "u-7f3a" and options["metadata"] is metadata


def test_an_apps_own_user_argument_is_left_alone(charter: Charter) -> None:
    looked_up: list[str] = []

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def answer(prompt: str, user: str, metadata: dict[str, str]) -> str:
        looked_up.extend([user, metadata["email"]])
        return "Your card is on its way."

    answer("Where is my new card?", user=EMAIL, metadata={"email": EMAIL})
    assert looked_up == [EMAIL, EMAIL]


def test_cohere_documents_are_redacted(charter: Charter) -> None:
    """Cohere's chat grounds its answer in `documents=` beside the messages (found by
    probing, stop 42: both went to the provider as written)."""
    sent: list[Any] = []

    class V2Client:
        def chat(self, *, model: str, messages: list[Any], documents: Any = None) -> str:
            sent.append(documents)
            return "Both tickets are about a card."

    V2Client.chat.__module__ = "cohere.v2.client"
    chat = charter.guard(model="m", provider="cohere")(V2Client().chat)
    plain = {"id": "d2", "data": {"title": "hours", "year": 2024}}
    documents = [
        f"Ticket from {EMAIL}",
        {"id": "d1", "data": {"title": "ticket", "snippet": f"card {CARD} blocked"}},
        plain,
    ]
    chat(model="command-a", messages=ASK, documents=documents)
    [out] = sent
    assert out[0] == "Ticket from <EMAIL_ADDRESS_1>"
    assert out[1] == {
        "id": "d1",
        "data": {"title": "ticket", "snippet": "card **** **** **** 1111 blocked"},
    }
    assert out[2] is plain
    assert documents[1]["data"]["snippet"] == f"card {CARD} blocked"  # the app's own list
