"""`charter.context` metadata the policy cannot read (found by probing, stop 56): a plain
object among the keywords (a web framework's request object) made every guarded call in
the block fail with pydantic's `PydanticSerializationError`, and nothing was recorded, even
with `audit_mode="sync"`. The metadata is read as JSON once, where it is given: what has
no JSON form is a `ConfigurationError` naming the key, and the calls read that reading."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from charter.audit import iter_records
from charter.context import context
from charter.errors import ConfigurationError
from charter.guard import Charter


class Request:
    """What a web framework hands a view: no JSON form."""


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text either")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (Request(), "got a Request value, which has no JSON form"),
        (Unprintable(), "got a Unprintable value, which has no JSON form"),
        ({"inner": [Request()]}, "got a Request value"),
        (b"\xff\xfe", "got bytes that are not UTF-8 text"),
        (float("nan"), "NaN, infinity"),
        (10**5000, "an integer of over 4300 digits"),
    ],
    ids=["object", "unprintable", "nested", "bytes", "nan", "long-int"],
)
def test_metadata_with_no_json_form_is_refused_where_it_is_given(value: Any, says: str) -> None:
    with pytest.raises(ConfigurationError) as raised, context(user="u-1", request=value):
        pass  # main: accepted here, then every guarded call raised pydantic's error
    assert "charter.context(request=...): metadata must be JSON-like" in str(raised.value)
    assert says in str(raised.value)


def test_json_like_metadata_reaches_the_policy_as_it_was_given(charter: Charter) -> None:
    """Dates, UUIDs and sets are written as JSON, as before; the calls of the block read
    the metadata as it was when the block started, so an object put into one of its
    dicts later does not break them (main: the call raised pydantic's error)."""

    @charter.guard.tool
    def lookup_order(order_id: str) -> str:
        return f"order {order_id}"

    when, ticket = datetime.datetime(2026, 12, 6, 23, 31), uuid.UUID(int=7)
    state: dict[str, Any] = {"step": 1}
    with context(user="u-1", channel="web", when=when, ticket=ticket, tags={"a"}, state=state):
        state["request"] = Request()  # the caller's own dict, changed inside the block
        assert lookup_order("A-1") == "order A-1"
    charter.audit.flush(timeout=30)
    records = list(iter_records(charter.settings.store_url))  # the call and its result
    assert [r.input["stage"] for r in records] == ["tool_call", "tool_result"]
    expected = {
        "channel": "web",
        "when": "2026-12-06T23:31:00",
        "ticket": str(ticket),
        "tags": ["a"],
        "state": {"step": 1},
    }
    assert all(r.input["metadata"] == expected for r in records)
