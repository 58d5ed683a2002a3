"""Public calls given values of the wrong type (found by probing, stop 34).

- `charter.context`: a numeric user id failed every guarded call inside the block with
  `TypeError: expected string or bytes-like object` from the telemetry layer, and
  `roles="admin"` became five one-letter roles. A number is an id written as text;
  anything else is refused where it is passed.
- `Charter.check(None)` / `Charter.redact(12345)` raised `TypeError` from inside PII
  detection; now a `ConfigurationError` that says what the call takes.
- `charter.resume` with a ticket holding a lone surrogate (from a web form or argv) raised
  `UnicodeEncodeError` from the database driver; now "no approval request".
"""

from __future__ import annotations

import pytest

from charter.audit import iter_records
from charter.context import context
from charter.errors import ApprovalError, ConfigurationError
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


@pytest.mark.parametrize("method", ["check", "redact"])
@pytest.mark.parametrize("value", [None, 12345, {"email": "jane@example.com"}])
def test_check_and_redact_say_they_take_text(charter: Charter, method: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=rf"Charter\.{method}\(text\) takes a str"):
        getattr(charter, method)(value)


@pytest.mark.parametrize("ticket", ["apr_\ud800", "\udcff", "apr_" + "x" * 10_000, 7])
def test_a_ticket_that_names_no_request_is_said_to(charter: Charter, ticket: object) -> None:
    with pytest.raises(ApprovalError, match="no approval request") as raised:
        charter.resume(ticket)  # type: ignore[arg-type]
    assert len(str(raised.value)) < 200  # a huge ticket is not echoed back whole
