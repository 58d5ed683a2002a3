"""Identifiers passed as floats or Decimals (found by probing).

`lookup_order(card=4111111111111111.0, tckn=10000000146.0)` ran: detection read integers'
digits but not a float's, so the national-ID rule did not fire, and the decision log kept
`"card":4111111111111111.0` in clear (it withheld long integers only). A number with an
integral value (a float, or a Decimal handed to the log directly: the guard's JSON view
already reads a Decimal as text) is now read, and withheld, as the integer it is; a
fraction (an amount) stays a number so replay can still judge limits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from charter import PolicyViolation
from charter.audit.content import HASH_PREFIX, withhold_content
from charter.guard import Charter
from tests.adversarial.helpers import recorded

CARD, TCKN, PHONE = 4111111111111111, 10000000146, 905321234567


def test_an_identifier_passed_as_a_float_is_detected_and_not_stored(charter: Charter) -> None:
    ran: list[Any] = []

    @charter.guard.tool
    def lookup_order(order_id: str, customer_phone: Any, card: Any, tckn: Any) -> str:
        ran.append(card)
        return "found"

    with pytest.raises(PolicyViolation) as denied:
        lookup_order("O-1", float(PHONE), float(CARD), float(TCKN))
    assert ran == []
    assert "privacy.national_id_external" in [v.rule for v in denied.value.decision.violations]

    (record,) = recorded(charter)
    assert {s["type"] for s in record.input["pii"]} >= {"CREDIT_CARD", "TR_NATIONAL_ID"}
    at_rest = repr(record)
    for number in (CARD, TCKN, PHONE):
        assert str(number) not in at_rest and repr(float(number)) not in at_rest


def test_integral_numbers_are_withheld_as_the_integer_and_fractions_stay() -> None:
    def arguments(**values: Any) -> Any:
        return withhold_content({"tool": {"name": "t", "arguments": values}})["tool"]["arguments"]

    as_int = arguments(card=CARD)["card"]
    assert as_int.startswith(HASH_PREFIX)
    assert arguments(card=float(CARD))["card"] == as_int
    assert arguments(card=Decimal(CARD))["card"] == as_int
    assert arguments(card=Decimal(f"{CARD}.00"))["card"] == as_int
    kept = {"amount": 450.5, "total": 1299.99, "count": 3.0, "big": 1234567.5, "n": float("nan")}
    assert repr(arguments(**kept)) == repr(kept)
