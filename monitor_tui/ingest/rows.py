"""Span records <-> rows of the span store's `spans` table (the column order of `store`).

Encoding runs on the receivers' threads, before buffering, so the store's writer thread only
runs SQLite. Text columns hold valid Unicode only (`monitor_tui.text.valid_text`): SQLite
cannot encode a lone surrogate, and one such span would fail its whole batch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from charter import semconv
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.text import valid_text, valid_values

_JSON = json.JSONEncoder(separators=(",", ":"), default=str).encode
"""One encoder for every row (json.dumps with options builds a new one per call)."""

_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _json(value: Any) -> str:
    """JSON text for a column. An escaped lone surrogate would make SQLite's JSON functions
    return text Python cannot decode (a store error on every read), so strings holding one
    get U+FFFD instead; the check is one scan of the text, and rare hits pay for the rest."""
    text = _JSON(value)
    if _ESCAPED_SURROGATE.search(text) is None:
        return text
    return _JSON(valid_values(value))


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
        None if rules is None else _json(list(r.rules)),
        None if revision is None else valid_text(str(revision)),
        r.weight,
        _json(attrs),
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
        text = cache[id(resource)] = _json(resource)
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
