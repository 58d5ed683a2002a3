"""The probe history on both backends: the first run is the baseline, drift is measured
against its stored answers, a run can be pinned, old answers are pruned, no text is kept."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, update
from typer.testing import CliRunner

from charter.cli.main import app
from charter.errors import ConfigurationError
from charter.probes import (
    ChangeSeverity,
    Message,
    ProbeHistory,
    ProbeOutcome,
    ProbeRun,
    Reply,
    load_probe_set,
    probe_once,
    run_every,
    run_probes,
)
from charter.store.probe_tables import ANSWERS, RUNS
from tests.probes.fakes import ChangingModel, FakeTarget, write_corpus
from tests.support.postgres import PostgresServer, postgres_server, store_url

__all__ = ["postgres_server", "store_url"]


@pytest.fixture
def history(store_url: str) -> ProbeHistory:
    h = ProbeHistory(store_url, keep_answers=2)
    yield h
    h.close()


def test_first_run_is_the_baseline_and_the_next_is_compared_to_it(
    history: ProbeHistory, tmp_path: Path
) -> None:
    items = load_probe_set(write_corpus(tmp_path))
    model = ChangingModel()
    first = probe_once(items, FakeTarget(model), history=history)
    assert first.is_baseline and first.baseline is None and first.changes == ()
    model.update()
    second = probe_once(items, FakeTarget(model), history=history)
    assert not second.is_baseline
    assert second.baseline is not None and second.baseline.run_id == first.run.run_id
    assert second.run.baseline_run_id == first.run.run_id
    assert {c.metric for c in second.changes} >= {"false_refusal_rate", "flip_rate", "drift"}
    assert second.run.metrics.drift is not None and second.run.metrics.drift > 0
    runs = history.runs()
    assert [r.run_id for r in runs] == [second.run.run_id, first.run.run_id]
    assert runs[0].changes == second.changes
    assert runs[1].is_baseline and not runs[0].is_baseline


def test_pinning_moves_the_baseline(history: ProbeHistory, tmp_path: Path) -> None:
    items = load_probe_set(write_corpus(tmp_path))
    model = ChangingModel()
    probe_once(items, FakeTarget(model), history=history)
    model.update()
    updated = probe_once(items, FakeTarget(model), history=history)
    history.pin(updated.run.run_id)
    third = probe_once(items, FakeTarget(model), history=history)
    assert third.baseline is not None and third.baseline.run_id == updated.run.run_id
    assert third.changes == ()  # same behaviour as the accepted update
    assert third.run.metrics.drift == pytest.approx(0.0, abs=1e-6)  # stored as float32
    with pytest.raises(ConfigurationError, match="no probe run"):
        history.pin("nope")


class DeadTarget(FakeTarget):
    def ask(self, messages: Sequence[Message]) -> Reply:
        return Reply(text="", error="HTTP 503")


def test_a_run_whose_calls_failed_is_never_the_baseline_on_its_own(
    history: ProbeHistory, tmp_path: Path
) -> None:
    items = load_probe_set(write_corpus(tmp_path))
    dead = probe_once(items, DeadTarget(ChangingModel()), history=history)
    assert not dead.is_baseline and dead.not_baseline == "all 8 probe calls failed"
    assert [c.severity for c in dead.changes] == [ChangeSeverity.ALERT]
    pinned = probe_once(items, DeadTarget(ChangingModel()), history=history, pin=True)
    assert not pinned.is_baseline  # not even on purpose: it measured nothing
    with pytest.raises(ConfigurationError, match="cannot be the baseline: all 8 probe calls"):
        history.pin(dead.run.run_id)
    alive = probe_once(items, FakeTarget(ChangingModel()), history=history)
    assert alive.is_baseline and alive.baseline is None and alive.not_baseline is None
    assert [r.is_baseline for r in history.runs()] == [True, False, False]


def test_answers_beyond_the_newest_runs_are_pruned_but_the_baselines_stay(
    history: ProbeHistory, tmp_path: Path
) -> None:
    items = load_probe_set(write_corpus(tmp_path))
    target = FakeTarget(ChangingModel())
    runs = [probe_once(items, target, history=history).run.run_id for _ in range(4)]
    kept = {run_id for run_id in runs if history.vectors(run_id)}
    assert kept == {runs[0], runs[2], runs[3]}  # baseline + the 2 newest


def test_no_answer_text_is_stored(history: ProbeHistory, tmp_path: Path) -> None:
    items = load_probe_set(write_corpus(tmp_path))
    probe_once(items, FakeTarget(ChangingModel()), history=history)
    with history.engine.connect() as conn:
        rows = conn.execute(select(ANSWERS)).mappings().all()
    assert len(rows) == len(items)
    for row in rows:
        for value in row.values():
            if isinstance(value, str):
                assert "confident" not in value and "Here is" not in value
    vectors = history.vectors(rows[0]["run_id"])
    assert all(len(v) == 256 for v in vectors.values())


def test_targets_and_models_have_their_own_baselines(history: ProbeHistory, tmp_path: Path) -> None:
    items = load_probe_set(write_corpus(tmp_path))
    one = probe_once(items, FakeTarget(ChangingModel(), name="app:one"), history=history)
    two = probe_once(items, FakeTarget(ChangingModel(), name="app:two"), history=history)
    assert one.is_baseline and two.is_baseline


def test_the_migration_matches_the_tables(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from charter.store import connect, migrate
    from charter.store.migrate import VERSION_TABLE
    from charter.store.probe_tables import RUNS

    engine = connect(store_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
            )
            diffs = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    ours = {RUNS.name, ANSWERS.name}
    assert [d for d in diffs if ours & set(_tables(d))] == []


def _tables(diff: object) -> list[str]:
    if isinstance(diff, list):
        return [t for d in diff for t in _tables(d)]
    names = []
    for part in diff if isinstance(diff, tuple) else ():
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        names += [n for n in (name, getattr(table, "name", None)) if isinstance(n, str)]
    return names


def test_two_first_runs_saved_at_once_make_one_baseline(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    # PostgreSQL (SQLite's BEGIN IMMEDIATE holds every writer out): the first saver is held
    # just before it inserts, after it found no baseline; the second then saves. Found by
    # probing: both became the baseline.
    url = postgres_server.create_database()
    items = load_probe_set(write_corpus(tmp_path))
    first, second = (run_probes(items, FakeTarget(ChangingModel())) for _ in range(2))
    held, finished = threading.Event(), threading.Event()
    histories = [ProbeHistory(url) for _ in range(3)]
    saved: dict[str, bool] = {}

    def waiting_for_a_lock() -> bool:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        with histories[2].engine.connect() as conn:
            return bool(conn.exec_driver_sql(query).scalar())

    def hold(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("INSERT INTO charter_probe_run") and not held.is_set():
            held.set()
            for _ in range(6000):  # until the second save is done, or waits for this one
                if finished.wait(0.01) or waiting_for_a_lock():
                    return
            raise AssertionError("the second save neither finished nor waited")

    def save(history: ProbeHistory, run: ProbeRun, done: threading.Event | None) -> None:
        saved[run.run_id] = history.save(run)
        if done is not None:
            done.set()

    event.listen(histories[0].engine, "before_cursor_execute", hold)
    try:
        one = threading.Thread(target=save, args=(histories[0], first, None))
        one.start()
        assert held.wait(60)
        two = threading.Thread(target=save, args=(histories[1], second, finished))
        two.start()
        one.join()
        two.join()
        assert saved == {first.run_id: True, second.run_id: False}
        stored = histories[2].runs()
        assert [r.run_id for r in stored if r.is_baseline] == [first.run_id]
        baseline = histories[2].baseline(first.target, first.model)
        assert baseline is not None and baseline.run_id == first.run_id
    finally:
        for history in histories:
            history.close()


def test_the_baseline_read_is_the_first_of_two(history: ProbeHistory, tmp_path: Path) -> None:
    # Two baselines of one pair (stored before saves took a lock): always the same one, the
    # first started, then the lowest run id (the store's own order put "b" first).
    items = load_probe_set(write_corpus(tmp_path))
    run = run_probes(items, FakeTarget(ChangingModel()))
    later = run.started_at + timedelta(seconds=1)
    for run_id, started in (("c", later), ("b", run.started_at), ("a", run.started_at)):
        history.save(run.model_copy(update={"run_id": run_id, "started_at": started}))
    with history.engine.begin() as conn:
        conn.execute(update(RUNS).values(is_baseline=True))
    baseline = history.baseline(run.target, run.model)
    assert baseline is not None and baseline.run_id == "a"


def test_an_unreadable_run_is_named_and_left_out(
    history: ProbeHistory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Found by probing: one run edited by hand stopped `charter probe history`, and an
    # unreadable baseline stopped `charter probe --every` at its first run.
    items = load_probe_set(write_corpus(tmp_path))
    one, two = (FakeTarget(ChangingModel(), name=f"app:{n}") for n in ("one", "two"))
    baseline = probe_once(items, one, history=history).run.run_id
    edited = probe_once(items, two, history=history).run.run_id
    with history.engine.begin() as conn:
        conn.execute(update(RUNS).where(RUNS.c.run_id == edited).values(changes_json="[{}]"))
    with caplog.at_level(logging.WARNING, logger="charter.probes"):
        assert [r.run_id for r in history.runs()] == [baseline]
    assert f"probe run {edited} cannot be read" in caplog.text
    # The command lists the rest, names the run it left out and exits 1 (as audit export).
    listed = CliRunner().invoke(
        app,
        ["probe", "history", "--store", history.engine.url.render_as_string(hide_password=False)],
    )
    assert listed.exit_code == 1, listed.output
    assert baseline in listed.stdout and edited not in listed.stdout
    assert f"error: probe run {edited} cannot be read" in listed.stderr
    with history.engine.begin() as conn:
        conn.execute(update(RUNS).where(RUNS.c.run_id == baseline).values(metrics_json="{bad"))
    caplog.clear()
    outcomes: list[ProbeOutcome] = []
    with caplog.at_level(logging.WARNING, logger="charter.probes"):
        runs = run_every(
            0.001,
            lambda: outcomes.append(probe_once(items, one, history=history)),
            max_runs=2,
        )
    assert runs == len(outcomes) == 2
    assert all(o.baseline is None and not o.is_baseline for o in outcomes)
    assert f"probe run {baseline} cannot be read" in caplog.text
    assert "charter probe pin" in caplog.text
    assert [r.run_id for r in history.runs()] == [o.run.run_id for o in reversed(outcomes)]
    with pytest.raises(ConfigurationError, match=f"probe run {baseline} cannot be read"):
        history.pin(baseline)
    pinned = outcomes[0].run.run_id  # another baseline, and the runs compare again
    history.pin(pinned)
    answer = (ANSWERS.c.run_id == pinned) & (ANSWERS.c.item_id == "ok-tea")
    with history.engine.begin() as conn:
        conn.execute(update(ANSWERS).where(answer).values(vector=b"\0\0\0"))
    again = probe_once(items, one, history=history)
    assert again.baseline is not None and again.baseline.run_id == pinned
    drift = {a.id: a.drift for a in again.run.answers}
    assert drift.pop("ok-tea") is None and None not in drift.values()  # only it is left out
