"""`charter.context` with values of the wrong type (found by probing, stop 34): a numeric
user id failed every guarded call inside the block with `TypeError: expected string or
bytes-like object` from the telemetry layer, and `roles="admin"` became five one-letter
roles. A number is an id written as text; anything else is refused where it is passed."""

from __future__ import annotations

import pytest

from charter.audit import iter_records
from charter.context import context
from charter.errors import ConfigurationError
from charter.guard import Charter
from charter.testing import RecordingModel


def test_a_numeric_user_id_is_the_user_as_text(charter: Charter, model: RecordingModel) -> None:
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user=12345, conversation=77) as ctx:
        assert ask("Where is my parcel?") == "Thanks, I will look into it."  # main: TypeError
    assert ctx.user == "12345" and ctx.conversation == "77"
    charter.audit.flush(timeout=30)
    [record, *_] = iter_records(charter.settings.store_url)
    assert record.input["user"]["id"] == "12345"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"user": object()}, "user=...) takes a string (got object)"),
        ({"user": True}, "user=...) takes a string (got bool)"),
        ({"approval_key": 1.5}, "approval_key=...) takes a string (got float)"),
        ({"roles": "admin"}, "roles=...) takes a list of roles"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_where_it_is_passed(
    values: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigurationError) as raised, context(**values):  # type: ignore[arg-type]
        pass
    assert named in str(raised.value)
