"""Span records <-> rows of the span store's `spans` table (the column order of `store`).

Encoding runs on the receivers' threads, before buffering, so the store's writer thread only
runs SQLite. Text columns hold valid Unicode only (`monitor_tui.text.valid_text`): SQLite
cannot encode a lone surrogate, and one such span would fail its whole batch.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from charter import semconv
from monitor_tui.ingest.records import SpanRecord, non_finite_name
from monitor_tui.text import valid_text, valid_values

_JSON = json.JSONEncoder(separators=(",", ":"), default=str, allow_nan=False).encode
"""One encoder for every row (json.dumps with options builds a new one per call)."""

_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def json_text(value: Any) -> str:
    """JSON text for a column or an exported line. An escaped lone surrogate would make
    SQLite's JSON functions return text Python cannot decode (a store error on every read),
    so strings holding one get U+FFFD instead; the check is one scan of the text, and rare
    hits pay for the rest. NaN and the infinities are not JSON (SQLite's JSON functions
    fail on them): the decoder already turns them into text, and so does this, for records
    from elsewhere and spans stored before it did."""
    try:
        text = _JSON(value)
    except ValueError:
        text = _JSON(finite_values(value))
    if _ESCAPED_SURROGATE.search(text) is None:
        return text
    return _JSON(valid_values(finite_values(value)))


def finite_values(value: Any) -> Any:
    """A JSON value with every non-finite float replaced by its name (`non_finite_name`)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else non_finite_name(value)
    if isinstance(value, list | tuple):
        return [finite_values(v) for v in value]
    if isinstance(value, dict):
        return {k: finite_values(v) for k, v in value.items()}
    return value


Row = tuple[Any, ...]
"""One `spans` row, as `encode_rows` makes it."""


def encode_rows(records: Sequence[SpanRecord]) -> list[Row]:
    resources: dict[int, str] = {}  # spans of one OTLP resource share its dict
    return [_row(r, resources) for r in records]


def _row(r: SpanRecord, resources: dict[int, str]) -> Row:
    attrs = r.attributes
    rules = attrs.get(semconv.RULES)
    revision = attrs.get(semconv.POLICY_REVISION)
    action = attrs.get(semconv.ACTION)
    # Text columns hold valid Unicode only: SQLite cannot encode a lone surrogate, and one
    # such span would fail the whole batch (JSON columns escape it already).
    return (
        r.trace_id,
        r.span_id,
        r.parent_span_id,
        valid_text(r.name),
        r.kind,
        r.start_ns,
        r.end_ns,
        r.status_code,
        valid_text(r.status_message),
        valid_text(r.service),
        None if action is None else valid_text(str(action)),
        None if rules is None else json_text(list(r.rules)),
        None if revision is None else valid_text(str(revision)),
        r.weight,
        json_text(attrs),
        _resource_json(r.resource, resources),
        trace_key(r.trace_id),
    )


def trace_key(trace_id: str) -> int:
    try:
        return int(trace_id[:15], 16)
    except ValueError:
        return -1


def _resource_json(resource: Mapping[str, Any], cache: dict[int, str]) -> str:
    text = cache.get(id(resource))
    if text is None:
        text = cache[id(resource)] = json_text(resource)
    return text


def from_row(row: Sequence[Any]) -> SpanRecord:
    return SpanRecord(
        trace_id=row[0],
        span_id=row[1],
        parent_span_id=row[2],
        name=row[3],
        kind=row[4],
        start_ns=row[5],
        end_ns=row[6],
        status_code=row[7],
        status_message=row[8],
        service=row[9],
        weight=row[13],
        attributes=json.loads(row[14]),
        resource=json.loads(row[15]),
    )
