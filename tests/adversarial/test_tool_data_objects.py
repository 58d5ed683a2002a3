"""Tool arguments and results that are not plain JSON (found by probing, stop 34).

- A tool that returned an object (a dataclass, a pydantic model, a set) skipped PII
  detection: the PII walk only entered mappings, lists and strings, so
  `Customer(email="jane.doe@example.com")` reached the agent unredacted.
- NaN or infinity in tool arguments reached the policy engine as JSON it cannot parse: the
  call was denied, but as "policy could not be evaluated: RuntimeError: expected value at
  line 1 column 794".
- A mapping key that is a tuple, an integer of more than 4300 digits, or an object whose
  `str()` raises came out of the guard as a bare `TypeError`, `ValueError` or the object's
  own error, after the tool had already run in the case of a result.

Now tool data is read through its JSON view (`charter.pipeline.limits.json_view`): objects
are checked as their fields (or their text), and what has no JSON view is denied unchecked
with the reason, recorded like any guard-made deny.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from charter import PolicyViolation
from charter.config import DEFAULT_POLICIES
from charter.guard import Charter
from charter.pipeline.limits import Unreadable, json_view
from charter.testing import make_charter
from tests.adversarial.helpers import recorded

EMAIL = "jane.doe@example.com"


@dataclasses.dataclass
class Customer:
    email: str


class Profile(BaseModel):
    email: str
    tier: int = 1


class Broken:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


class Color(str, enum.Enum):  # noqa: UP042 - str() is "Color.RED", the view must say "red"
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def returning(charter: Charter, value: Any) -> Any:
    @charter.guard.tool(name="lookup_order")
    def lookup_order(order_id: str) -> Any:
        return value

    return lookup_order("A-17")


@pytest.mark.parametrize(
    "result",
    [
        Customer(EMAIL),
        Profile(email=EMAIL),
        {"contacts": {EMAIL}},
        {"history": [Customer(EMAIL)]},
    ],
    ids=["dataclass", "pydantic", "set", "nested"],
)
def test_pii_in_an_object_a_tool_returns_is_redacted(charter: Charter, result: Any) -> None:
    released = returning(charter, result)  # main: the object, e-mail and all
    assert EMAIL not in repr(released)
    assert "<EMAIL_ADDRESS_1>" in repr(released)


def test_an_object_result_without_pii_comes_back_as_it_was(charter: Charter) -> None:
    plain = Customer("no address here")
    assert returning(charter, plain) is plain


def test_nan_in_a_tool_result_is_not_refused(charter: Charter) -> None:
    """Results reach the policy as text (NaN is fine there): data frames carry NaN."""
    released = returning(charter, {"score": math.nan, "order": "A-17"})
    assert math.isnan(released["score"])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_nan_or_infinity_in_tool_arguments_is_denied_with_the_reason(
    charter: Charter, bad: float
) -> None:
    calls: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        calls.append(amount)
        return "refunded"

    with pytest.raises(PolicyViolation) as raised:
        issue_refund("A-17", bad)
    assert raised.value.decision.rules == ("charter.unreadable_data",)  # main: fail_closed
    assert "NaN or infinity" in str(raised.value) and calls == []
    [record] = recorded(charter)
    assert record.labels["stage"] == "tool_call" and record.result["action"] == "deny"
    assert record.result["violations"][0]["rule"] == "charter.unreadable_data"


@pytest.mark.parametrize(
    ("result", "reason"),
    [(10**5000, "integer too long"), (Broken(), "Broken value that cannot be turned into text")],
    ids=["huge-int", "broken-str"],
)
def test_a_result_with_no_json_view_is_withheld_with_the_reason(
    charter: Charter, result: Any, reason: str
) -> None:
    with pytest.raises(PolicyViolation) as raised:
        returning(charter, result)  # main: ValueError / the object's RuntimeError
    assert raised.value.decision.stage.value == "tool_result"
    assert reason in str(raised.value)
    assert [r.labels["stage"] for r in recorded(charter)] == ["tool_call", "tool_result"]


def test_an_argument_whose_text_raises_is_denied_before_the_tool_runs(charter: Charter) -> None:
    calls: list[Any] = []

    @charter.guard.tool
    def lookup_order(query: Any) -> str:
        calls.append(query)
        return "found"

    with pytest.raises(PolicyViolation) as raised:
        lookup_order(Broken())  # main: RuntimeError from inside the JSON encoder
    assert raised.value.decision.rules == ("charter.unreadable_data",) and calls == []


def test_tuple_keys_are_checked_as_text_not_a_crash(charter: Charter) -> None:
    odd = {(1, 2): EMAIL}
    released = returning(charter, odd)  # main: TypeError after the tool ran
    assert released == {(1, 2): "<EMAIL_ADDRESS_1>"}  # the app's own keys (stop 40)


async def test_the_async_tool_driver_reads_objects_the_same_way(charter: Charter) -> None:
    @charter.guard.tool(name="lookup_order")
    async def lookup_order(order_id: str) -> Any:
        await asyncio.sleep(0)
        return Customer(EMAIL)

    assert await lookup_order("A-17") == Customer("<EMAIL_ADDRESS_1>")  # its own type


def test_the_json_view_of_python_values() -> None:
    assert json_view({"a": (1, 2)}, finite=True) == {"a": [1, 2]}  # plain JSON: as JSON reads it
    view = json_view(
        {1: Color.RED, False: Level.HIGH, None: {3}, 1.5: Profile(email="x")}, finite=True
    )
    assert view == {"1": "red", "false": 3, "null": [3], "1.5": {"email": "x", "tier": 1}}
    assert type(view["1"]) is str and type(view["false"]) is int
    assert json_view({"x": math.nan}, finite=False)["x"] != 0  # NaN kept where allowed
    with pytest.raises(Unreadable, match="NaN or infinity"):
        json_view([Customer("x"), math.inf], finite=True)
    deep: Any = "leaf"
    for _ in range(300):
        deep = Customer(deep)
    with pytest.raises(Unreadable, match="nested deeper than 200 levels"):
        json_view(deep, finite=True)  # objects nested in objects: no RecursionError


def test_an_object_is_measured_again_as_its_fields(charter: Charter) -> None:
    """The limits see an object as one value; expanded into its fields it may be nested
    deeper than they allow, and is then denied like any deep value."""
    from charter import LimitExceeded

    deep: Any = "leaf"
    for _ in range(40):  # over max_json_depth (32) once the dataclass is read as fields
        deep = [deep]
    with pytest.raises(LimitExceeded) as raised:
        returning(charter, Customer(deep))
    assert raised.value.setting == "max_json_depth"


def test_a_tool_methods_receiver_is_not_a_tool_argument(charter: Charter) -> None:
    """main: `self` was read as a tool argument; when its fields held PII, the redacted
    arguments replaced `self` with a dict (or a string) and the method failed with
    AttributeError. The receiver is passed on as it is, and its fields are not the tool's
    arguments (nor in the policy input)."""
    seen: list[str] = []
    receivers: list[object] = []

    @dataclasses.dataclass
    class Agent:
        owner: str

        @charter.guard.tool(name="lookup_order")
        def lookup_order(self, order_id: str, note: str = "") -> str:
            seen.append(note)
            receivers.append(self)
            return f"order {order_id} for {type(self).__name__}"

    agent = Agent(owner=EMAIL)
    # (The result once held `id(self)`: a 15-digit id that passes the Luhn check now and then
    # was masked as a card number, and the test failed on one run in a few.)
    assert agent.lookup_order("A-17", note=f"mail {EMAIL}") == "order A-17 for Agent"
    assert receivers == [agent] and receivers[0] is agent and agent.owner == EMAIL
    assert seen == ["mail <EMAIL_ADDRESS_1>"]  # the argument redacted, the receiver intact
    [call, _] = recorded(charter)
    assert set(call.input["tool"]["arguments"]) == {"order_id", "note"}


def test_a_text_result_over_the_limit_is_withheld(tmp_path: Path) -> None:
    from charter import LimitExceeded

    small = make_charter(DEFAULT_POLICIES, tmp_path, max_text_chars=5000, audit=True)
    try:
        with pytest.raises(LimitExceeded) as raised:
            returning(small, "where is my parcel? " * 500)
        assert raised.value.setting == "max_text_chars"
        assert returning(small, "where is my parcel?") == "where is my parcel?"
    finally:
        small.close()
