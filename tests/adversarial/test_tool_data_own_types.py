"""Redacted tool data keeps the application's types (found by probing, stop 40).

When the policy redacted a tool's arguments or result, the redacted JSON view replaced the
value itself: a tool typed `contact: Contact` was called with a dict (its first
`contact.email` raised AttributeError), an agent got `{"email": ...}` back for its
`Customer`, and every other argument of the call became its JSON view too (a `datetime`
became a string). The changes are now carried into copies of the app's own values
(`charter.pipeline.own_types`), used only when their view is exactly the redacted one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pydantic import BaseModel

from charter.guard import Charter
from charter.pipeline.limits import json_view

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"


class Contact(BaseModel):
    name: str
    email: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Row:
    email: str
    amount: int


@dataclasses.dataclass
class CardOnFile:
    number: int  # an integer leaf: the view masks it as text, which an int cannot carry


def tool_returning(charter: Charter, value: Any) -> Any:
    @charter.guard.tool(name="lookup_order")
    def lookup_order(order_id: str) -> Any:
        return value

    return lookup_order("A-17")


def test_a_redacted_model_result_comes_back_as_the_model(charter: Charter) -> None:
    released = tool_returning(charter, Contact(name="x", email=EMAIL, note=f"card {CARD}"))
    assert type(released) is Contact  # main: a dict
    assert released.email == "<EMAIL_ADDRESS_1>" and EMAIL not in repr(released)
    assert "1111 1111 1111" not in released.note and released.note.endswith("1111")


def test_a_list_of_frozen_dataclasses_keeps_its_items(charter: Charter) -> None:
    released = tool_returning(charter, [Row(EMAIL, 3), Row("none here", 4)])
    assert released == [Row("<EMAIL_ADDRESS_1>", 3), Row("none here", 4)]  # main: dicts
    assert all(type(item) is Row for item in released)


def test_what_a_type_cannot_carry_comes_back_as_the_redacted_view(charter: Charter) -> None:
    """An integer card number is masked as text; an int field cannot hold that, so the
    redacted view is handed back, never the object with the number in it."""
    released = tool_returning(charter, CardOnFile(4111111111111111))
    assert isinstance(released, dict) and "4111111111111111" not in repr(released)


def test_a_tool_is_called_with_its_own_types(charter: Charter) -> None:
    seen: list[Any] = []

    @charter.guard.tool(name="create_support_ticket")
    def create_support_ticket(contact: Contact, when: dt.datetime, tags: tuple[str, ...]) -> str:
        seen.extend([contact, when, tags])
        return "ticket opened"

    when = dt.datetime(2026, 12, 5, 9, 30)
    assert create_support_ticket(Contact(name="Jane", email=EMAIL), when, ("card",)) == (
        "ticket opened"
    )
    contact, called_when, tags = seen
    assert type(contact) is Contact and contact.email == "<EMAIL_ADDRESS_1>"  # main: a dict
    assert called_when is when and tags == ("card",)  # main: a string and a list


def test_in_own_types_takes_a_copy_only_when_its_view_is_the_redacted_one() -> None:
    from charter.pipeline.own_types import in_own_types

    value = {"who": Contact(name="n", email=EMAIL), "at": {"a", "b"}}
    view = json_view(value, finite=False)
    unchanged = in_own_types(value, view, json_view(value, finite=False))
    assert unchanged is value
    redacted = {**view, "who": {**view["who"], "email": "<EMAIL_ADDRESS_1>"}}
    carried = in_own_types(value, view, redacted)
    assert carried["who"] == Contact(name="n", email="<EMAIL_ADDRESS_1>")
    assert carried["at"] is value["at"]
    # A set cannot line up with its view's list: the redacted view itself comes back.
    in_set = {"to": {EMAIL}}
    set_view = json_view(in_set, finite=False)
    assert in_own_types(in_set, set_view, {"to": ["<EMAIL_ADDRESS_1>"]}) == {
        "to": ["<EMAIL_ADDRESS_1>"]
    }
