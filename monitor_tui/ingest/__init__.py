"""OTLP ingest: receivers (HTTP 4318, gRPC 4317), sampling, a bounded buffer, the span store."""

from __future__ import annotations

from monitor_tui.ingest.jsonl import read_jsonl
from monitor_tui.ingest.pipeline import IngestPipeline, IngestStats
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.store import SpanStore

__all__ = ["IngestPipeline", "IngestStats", "Receiver", "SpanRecord", "SpanStore", "read_jsonl"]
