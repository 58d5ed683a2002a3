"""Probe runs in Charter's store (SQLite or PostgreSQL): the baseline and the series.

The first run for a (target, model name) is its baseline; `pin` makes another run the
baseline (after a model change you accept). Per-item outcomes and answer embeddings are
kept for the newest `keep_answers` runs of each pair and for every baseline, so any recent
run can be pinned and drift is always measured against stored answers. No answer text.

Saving and pinning hold a lock on their (target, model) for the transaction (SQLite's
`BEGIN IMMEDIATE` takes the write lock; PostgreSQL, an advisory lock on the pair, since a
first run has no row to lock): two first runs saved at once made two baselines.

A row that cannot be read (edited by hand) is named in the log and left out, so the others
are still listed and compared: an unreadable baseline leaves runs without one until another
run is pinned.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, RowMapping, delete, insert, select, text, update

from charter.errors import ConfigurationError
from charter.probes.results import ProbeRun, RunMetrics, SuiteSummary
from charter.probes.similarity import Vector, pack, unpack
from charter.probes.verdicts import Change, unfit_baseline
from charter.store import connect, migrate
from charter.store.probe_tables import ANSWERS, RUNS
from charter.store.transactions import read_transaction, write_transaction

log = logging.getLogger("charter.probes")
KEEP_ANSWERS = 20
_PG_LOCK_CLASS = 0x50726F62  # "Prob": the advisory lock space of probe baselines


class StoredRun(BaseModel):
    """A run as the history keeps it (the per-item outcomes are read separately)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    started_at: datetime
    finished_at: datetime
    target: str
    model: str
    model_version: str
    probe_set: str
    embedder: str
    is_baseline: bool
    baseline_run_id: str | None
    target_calls: int
    metrics: RunMetrics
    suites: tuple[SuiteSummary, ...]
    changes: tuple[Change, ...]

    @property
    def probes(self) -> int:
        return sum(s.items for s in self.suites)


class ProbeHistory:
    def __init__(self, store_url: str, *, keep_answers: int = KEEP_ANSWERS) -> None:
        self.engine: Engine = connect(store_url)
        migrate(self.engine)
        self.keep_answers = keep_answers

    def close(self) -> None:
        self.engine.dispose()

    # --- reading -------------------------------------------------------------------------

    def baseline(self, target: str, model: str) -> StoredRun | None:
        query = (
            select(RUNS)
            .where(RUNS.c.target == target, RUNS.c.model == model, RUNS.c.is_baseline.is_(True))
            .order_by(RUNS.c.started_at, RUNS.c.run_id)  # two (stored before the lock): the first
        )
        with read_transaction(self.engine, "reading the probe baseline") as conn:
            rows = conn.execute(query).mappings().all()
        baseline = next(_readable(rows, "the baseline"), None)
        if baseline is None and rows:
            log.warning(
                "probe runs of %s (%s) are compared with no baseline until one is pinned: "
                "`charter probe pin <run>`",
                target,
                model,
            )
        return baseline

    def vectors(self, run_id: str) -> dict[str, Vector]:
        """Item id -> answer embedding of a run (empty when its answers were pruned)."""
        query = select(ANSWERS.c.item_id, ANSWERS.c.vector).where(ANSWERS.c.run_id == run_id)
        with read_transaction(self.engine, "reading probe answers") as conn:
            rows = conn.execute(query).all()
        vectors = {}
        for item, blob in rows:
            try:
                if blob is not None:
                    vectors[str(item)] = unpack(blob)
            except struct.error:
                log.warning("probe answer %s of run %s cannot be read: left out", item, run_id)
        return vectors

    def runs(
        self,
        *,
        target: str | None = None,
        model: str | None = None,
        limit: int = 20,
        unreadable: list[str] | None = None,
    ) -> list[StoredRun]:
        """The newest runs first; the id of each run that cannot be read is appended to
        `unreadable` (as well as logged)."""
        query = select(RUNS).order_by(RUNS.c.started_at.desc()).limit(limit)
        if target is not None:
            query = query.where(RUNS.c.target == target)
        if model is not None:
            query = query.where(RUNS.c.model == model)
        with read_transaction(self.engine, "listing probe runs") as conn:
            rows = conn.execute(query).mappings()
            return list(_readable(rows, "the runs listed", unreadable))

    # --- writing -------------------------------------------------------------------------

    def save(self, run: ProbeRun, changes: tuple[Change, ...] = (), *, pin: bool = False) -> bool:
        """Store the run; returns whether it is now the baseline of its (target, model)."""
        fit = unfit_baseline(run.metrics, len(run.answers), pinned=pin) is None
        key = (RUNS.c.target == run.target) & (RUNS.c.model == run.model)
        with write_transaction(self.engine, "saving a probe run") as conn:
            _lock_pair(conn, run.target, run.model)
            has_baseline = conn.execute(
                select(RUNS.c.run_id).where(key, RUNS.c.is_baseline.is_(True))
            ).first()
            baseline = fit and (pin or has_baseline is None)
            if baseline:
                conn.execute(update(RUNS).where(key).values(is_baseline=False))
            conn.execute(insert(RUNS).values(**_run_row(run, changes, baseline)))
            rows = [_answer_row(run.run_id, a.model_dump()) for a in run.answers]
            if rows:
                conn.execute(insert(ANSWERS), rows)
            self._prune(conn, key)
        return baseline

    def pin(self, run_id: str) -> StoredRun:
        """Make a stored run the baseline of its (target, model)."""
        with write_transaction(self.engine, "pinning a probe baseline") as conn:
            row = conn.execute(select(RUNS).where(RUNS.c.run_id == run_id)).mappings().first()
            if row is None:
                raise ConfigurationError(
                    f"no probe run {run_id!r}; `charter probe history` lists them"
                )
            _lock_pair(conn, row["target"], row["model"])
            stored = next(_readable([row], "the runs to pin"), None)
            if stored is None:
                raise ConfigurationError(
                    f"probe run {run_id} cannot be read (edited by hand?); pin another run "
                    "(`charter probe history` lists them)"
                )
            unfit = unfit_baseline(stored.metrics, stored.probes, pinned=True)
            if unfit is not None:
                raise ConfigurationError(
                    f"probe run {run_id} cannot be the baseline: {unfit}; pin a run that "
                    "answered (`charter probe history` lists them)"
                )
            key = (RUNS.c.target == row["target"]) & (RUNS.c.model == row["model"])
            conn.execute(update(RUNS).where(key).values(is_baseline=False))
            conn.execute(update(RUNS).where(RUNS.c.run_id == run_id).values(is_baseline=True))
            row = conn.execute(select(RUNS).where(RUNS.c.run_id == run_id)).mappings().one()
        return _stored(row)

    def _prune(self, conn: Any, key: Any) -> None:
        kept = select(RUNS.c.run_id).where(key).order_by(RUNS.c.started_at.desc())
        recent = [r[0] for r in conn.execute(kept.limit(self.keep_answers)).all()]
        old = select(RUNS.c.run_id).where(
            key, RUNS.c.is_baseline.is_(False), RUNS.c.run_id.not_in(recent)
        )
        conn.execute(delete(ANSWERS).where(ANSWERS.c.run_id.in_(old)))


def _lock_pair(conn: Connection, target: str, model: str) -> None:
    """Hold the (target, model) pair until the transaction ends (PostgreSQL; SQLite's
    writer already holds the database). A hash collision only serialises two pairs."""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{target}\0{model}".encode()).digest()
    key = int.from_bytes(digest[:4], "big", signed=True)
    conn.execute(
        text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": _PG_LOCK_CLASS, "key": key}
    )


def _run_row(run: ProbeRun, changes: tuple[Change, ...], baseline: bool) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "target": run.target,
        "model": run.model,
        "model_version": run.model_version,
        "probe_set": run.probe_set,
        "embedder": run.embedder,
        "is_baseline": baseline,
        "baseline_run_id": run.baseline_run_id,
        "target_calls": run.target_calls,
        "metrics_json": run.metrics.model_dump_json(),
        "suites_json": json.dumps([s.model_dump(mode="json") for s in run.suites]),
        "changes_json": json.dumps([c.model_dump(mode="json") for c in changes]),
    }


def _answer_row(run_id: str, answer: dict[str, Any]) -> dict[str, Any]:
    vector = answer.get("vector")
    return {
        "run_id": run_id,
        "item_id": answer["id"],
        "suite": answer["suite"],
        "kind": str(answer["kind"]),
        "refused_by": str(answer["refused_by"]),
        "error": answer.get("error"),
        "answer_sha": answer.get("answer_sha", ""),
        "vector": pack(vector) if vector is not None else None,
        "first_correct": answer.get("first_correct"),
        "flipped": answer.get("flipped"),
    }


def _readable(
    rows: Iterable[RowMapping], doing: str, unreadable: list[str] | None = None
) -> Iterator[StoredRun]:
    """The rows that can be read; each that cannot is named in the log (and `unreadable`)
    and left out."""
    for row in rows:
        try:
            yield _stored(row)
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            problem = str(exc).splitlines()[0]
            log.warning(
                "probe run %s cannot be read (%s; edited by hand?): left out of %s",
                row["run_id"],
                problem,
                doing,
            )
            if unreadable is not None:
                unreadable.append(str(row["run_id"]))


def _stored(row: RowMapping) -> StoredRun:
    return StoredRun(
        run_id=row["run_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        target=row["target"],
        model=row["model"],
        model_version=row["model_version"],
        probe_set=row["probe_set"],
        embedder=row["embedder"],
        is_baseline=bool(row["is_baseline"]),
        baseline_run_id=row["baseline_run_id"],
        target_calls=row["target_calls"],
        metrics=RunMetrics.model_validate_json(row["metrics_json"]),
        suites=tuple(SuiteSummary.model_validate(s) for s in json.loads(row["suites_json"])),
        changes=tuple(Change.model_validate(c) for c in json.loads(row["changes_json"])),
    )
