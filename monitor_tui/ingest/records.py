"""`SpanRecord`: one span as the console keeps it, independent of the wire format.

It is the unit of the span store, the JSON-lines export (`charter monitor export`, read
back by `charter drift report`) and the drift features. Attribute values are JSON values
(str, int, float, bool, lists of them); span events and links are not kept: they may carry
exception messages, and nothing the console shows needs them.

JSON-lines format (one object per line, UTF-8)::

    {"trace_id": "<32 hex>", "span_id": "<16 hex>", "parent_span_id": "<16 hex or ''>",
     "name": "chat gpt-4o", "kind": 1, "start_ns": 1700000000000000000,
     "end_ns": 1700000000120000000, "status_code": 0, "status_message": "",
     "service": "support-bot", "attributes": {"charter.decision.action": "allow", ...},
     "resource": {"service.name": "support-bot", ...}, "weight": 1.0}

`kind` and `status_code` are the OTLP enum numbers; `weight` is how many spans of the
original traffic this one stands for after sampling (1.0 when it was not sampled out;
finite, at most `MAX_WEIGHT`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from charter import semconv

AttrValue = Any
"""A JSON value: str | int | float | bool | None | list[AttrValue] | dict[str, AttrValue]."""

STATUS_ERROR = 2
"""OTLP `Status.code` for an error."""

UNNAMED_APP = "default"
"""`charter.app` of an app that set none (`Settings.app`'s default)."""


@dataclass(frozen=True, slots=True)
class SpanRecord:
    trace_id: str
    span_id: str
    name: str
    start_ns: int
    end_ns: int
    parent_span_id: str = ""
    kind: int = 0
    status_code: int = 0
    status_message: str = ""
    service: str = ""
    attributes: Mapping[str, AttrValue] = field(default_factory=dict)
    resource: Mapping[str, AttrValue] = field(default_factory=dict)
    weight: float = 1.0

    # --- what the console asks of a span ---------------------------------------------

    @property
    def duration_ms(self) -> float:
        return max(0, self.end_ns - self.start_ns) / 1e6

    @property
    def is_call(self) -> bool:
        """A guarded call (or any GenAI call span), as opposed to a child or foreign span."""
        attrs = self.attributes
        return semconv.ACTION in attrs or semconv.GEN_AI_OPERATION_NAME in attrs

    @property
    def action(self) -> str | None:
        value = self.attributes.get(semconv.ACTION)
        return str(value) if value is not None else None

    @property
    def app(self) -> str:
        """`charter.app`, or the service's name when the app kept the SDK's default name:
        two services told apart only by OTEL_SERVICE_NAME were one "default" app, one drift
        segment, whose mix of the two read as drift."""
        named = str(self.attributes.get(semconv.APP) or "")
        return named if named and named != UNNAMED_APP else self.service or named

    @property
    def model(self) -> str:
        return str(self.attributes.get(semconv.GEN_AI_REQUEST_MODEL) or "")

    @property
    def revision(self) -> str:
        return str(self.attributes.get(semconv.POLICY_REVISION) or "")

    @property
    def rules(self) -> tuple[str, ...]:
        return _strings(self.attributes.get(semconv.RULES))

    @property
    def is_error(self) -> bool:
        return self.status_code == STATUS_ERROR or bool(self.attributes.get(semconv.ERROR))

    @property
    def call_ms(self) -> float:
        """The wrapped call's duration when the SDK recorded it, else the span's."""
        value = self.number(semconv.CALL_MS)
        return value if value is not None and value >= 0 else self.duration_ms

    @property
    def model_ms(self) -> float | None:
        """How long the model took: the recorded `charter.call_ms`, or the duration of a
        plain GenAI span (no guard decision: the span is the model call). None for a guarded
        call that never reached the model (denied at input), or from an SDK that did not
        record streams: its span time is the guard's (or the reader's), and drift counting
        it as model latency blamed the model for more denials."""
        value = self.number(semconv.CALL_MS)
        if value is not None and value >= 0:
            return value
        return None if semconv.ACTION in self.attributes else self.duration_ms

    def number(self, key: str) -> float | None:
        """A finite number, or None: NaN or an infinity from a buggy or hostile exporter
        would poison every mean and test it reached (drift read "KS p=nan"), and an integer
        beyond any float (JSON lines hold any size) has no finite value either."""
        value = self.attributes.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None

    def strings(self, key: str) -> tuple[str, ...]:
        return _strings(self.attributes.get(key))

    # --- JSON lines --------------------------------------------------------------------

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "name": self.name,
            "kind": self.kind,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "status_code": self.status_code,
            "status_message": self.status_message,
            "service": self.service,
            "attributes": dict(self.attributes),
            "resource": dict(self.resource),
            "weight": self.weight,
        }

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> SpanRecord:
        """Validate one exported line; raises pydantic's `ValidationError` naming the field."""
        row = _SpanLine.model_validate(data)
        return cls(**row.model_dump())


MIN_SENDER_RATE = 1e-6
"""Below this a sender's sampling rate is ignored: one span would outweigh a million."""

MAX_WEIGHT = 1e9
"""The most calls one exported span may stand for. Sampling gives at most 1/MIN_SENDER_RATE
(or the console's own 1/rate); a weight like 1e200 squares to infinity in the effective
sample size and failed the whole drift report ("cannot convert float NaN to integer")."""
MIN_WEIGHT = 1e-9
"""The fewest: sampling gives 1 or more; 1e-200 squared to zero, and a file of them failed
the whole report with a ZeroDivisionError naming no line."""


def sender_weight(attributes: Mapping[str, AttrValue], status_code: int) -> float:
    """How many calls of the traffic a span stands for by the sender's own sampling: 1/rate
    for an allowed call span the SDK kept as one of its sampled share
    (`charter.sampling.allow_rate`), 1 for anything else, which the SDK keeps every one of
    (denials, redactions, held calls, errors)."""
    rate = attributes.get(semconv.SAMPLED_ALLOW_RATE)
    if (
        isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not MIN_SENDER_RATE <= rate < 1
        or attributes.get(semconv.ACTION) != "allow"
        or status_code == STATUS_ERROR
    ):
        return 1.0
    return 1.0 / rate


def non_finite_name(number: float) -> str:
    """ "NaN", "Infinity" or "-Infinity" (as OTLP/JSON spells them): what a non-finite
    double is kept as. They are not JSON: stored as numbers, SQLite's JSON functions failed
    on every query that reached the span and the export was invalid. As text, `number`
    skips them like any other non-number, and the trace view still shows what was sent."""
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def _strings(value: AttrValue) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


class _SpanLine(BaseModel):
    """The JSON-lines schema, checked at the file boundary (not on the hot ingest path)."""

    model_config = ConfigDict(extra="ignore", strict=False)

    trace_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    span_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    name: str
    start_ns: int = Field(ge=0)
    end_ns: int = Field(ge=0)
    parent_span_id: str = Field(default="", pattern=r"^([0-9a-f]{16})?$")
    kind: int = 0
    status_code: int = 0
    status_message: str = ""
    service: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)
    resource: dict[str, Any] = Field(default_factory=dict)
    weight: float = Field(default=1.0, ge=MIN_WEIGHT, le=MAX_WEIGHT, allow_inf_nan=False)
