"""`charter._fields.in_form_of`: a part the guard makes (a refusal's text block or event)
takes the form of the answer it goes into: a dict beside dicts, the SDK's own class beside
SDK objects. The SDKs are not installed here, so a stand-in module plays one."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from pydantic import BaseModel

from charter._fields import in_form_of


class TextDelta(BaseModel):
    type: str
    text: str


class DeltaEvent(BaseModel):
    type: str
    index: int
    delta: TextDelta


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("fake_sdk.types")
    module.DeltaEvent = DeltaEvent  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_sdk.types", module)
    return module


FIELDS: dict[str, Any] = {
    "type": "content_block_delta",
    "index": 0,
    "delta": {"type": "text_delta", "text": "hi"},
}


def test_beside_an_sdk_object_it_is_the_sdks_class_nested_parts_included(sdk: Any) -> None:
    made = in_form_of(DeltaEvent(**FIELDS), FIELDS, "fake_sdk.types", "DeltaEvent")
    assert isinstance(made, DeltaEvent) and isinstance(made.delta, TextDelta)
    assert made.delta.text == "hi"


def test_beside_a_dict_it_is_a_dict(sdk: Any) -> None:
    assert in_form_of({"type": "x"}, FIELDS, "fake_sdk.types", "DeltaEvent") == FIELDS


def test_without_the_sdk_or_its_class_it_is_a_dict(sdk: Any) -> None:
    like = DeltaEvent(**FIELDS)
    assert in_form_of(like, FIELDS, "no_such_sdk.types", "DeltaEvent") == FIELDS
    assert in_form_of(like, FIELDS, "fake_sdk.types", "NoSuchClass") == FIELDS
