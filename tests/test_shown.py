"""How error messages name a wrong value (`charter._shown`): ids quoted, anything that
could be personal data described (found by review: names, addresses and phones in shapes
`looks_personal` does not know were quoted into errors)."""

from __future__ import annotations

import pytest

from charter._shown import shown


@pytest.mark.parametrize(
    "value",
    [
        "jane.doe",
        "ayse.yilmaz",
        "Ayşe_Yılmaz",
        "JaneDoe",
        "221B_Baker_Street",
        "tel:+15551234567",
        "555/123-4567",
        "jane(at)example.com",
    ],
)
def test_a_str_not_shaped_like_an_id_is_not_quoted(value: str) -> None:
    assert value not in shown(value) and "not shown" in shown(value)


@pytest.mark.parametrize("value", ["inptu", "gpt-4o-mini", "EMAIL", "require_approval"])
def test_a_str_shaped_like_an_id_is_quoted(value: str) -> None:
    assert shown(value) == repr(value)
