"""Probe runs and their per-item outcomes: the history `charter probe` compares against.

One row per run (metrics, suites and changes as JSON) and one per probe item of the run:
outcome flags, the answer's SHA-256 and its embedding (float32 bytes), never its text.
The baseline of a (target, model) pair is the run flagged `is_baseline` (the first run,
until another is pinned).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Table
from sqlmodel import Field, SQLModel

from charter.store.types import UTCDateTime


class ProbeRunRow(SQLModel, table=True):
    __tablename__ = "charter_probe_run"
    __table_args__ = (Index("ix_charter_probe_run_key", "target", "model", "started_at"),)

    run_id: str = Field(primary_key=True, max_length=32)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime = Field(sa_type=UTCDateTime)
    target: str = Field(max_length=512)
    model: str = Field(max_length=255)
    model_version: str = Field(max_length=255)
    probe_set: str = Field(max_length=64)
    embedder: str = Field(max_length=128)
    is_baseline: bool = False
    baseline_run_id: str | None = Field(default=None, max_length=32)
    target_calls: int
    metrics_json: str
    suites_json: str
    changes_json: str


class ProbeAnswerRow(SQLModel, table=True):
    __tablename__ = "charter_probe_answer"

    run_id: str = Field(primary_key=True, max_length=32, foreign_key="charter_probe_run.run_id")
    item_id: str = Field(primary_key=True, max_length=255)
    suite: str = Field(max_length=255)
    kind: str = Field(max_length=16)
    refused_by: str = Field(max_length=16)
    error: str | None = Field(default=None, max_length=255)
    answer_sha: str = Field(max_length=64)
    vector: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    first_correct: bool | None = None
    flipped: bool | None = None


RUNS: Table = ProbeRunRow.__table__  # type: ignore[attr-defined]
ANSWERS: Table = ProbeAnswerRow.__table__  # type: ignore[attr-defined]
