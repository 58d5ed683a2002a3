"""Rows without a seq (a log table rebuilt by hand without NOT NULL) are read once each."""

from __future__ import annotations

import itertools

from sqlalchemy import Engine, text

from charter.audit import AuditLog, export, verify
from charter.decision import Action, Decision
from charter.store.decision_log import iter_rows, row_key
from charter.store.transactions import read_transaction

COLUMNS = (
    "decision_id, timestamp, path, input_json, result_json, policy_revision, trace_id, "
    "span_id, labels_json, metrics_json, prev_hash, hash"
)


def _drop_not_null(engine: Engine) -> None:
    """What a hand edit does to make room for rows without a seq, on either backend."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE charter_decision_log DROP CONSTRAINT "
                              "charter_decision_log_pkey"))  # fmt: skip
            conn.execute(text("ALTER TABLE charter_decision_log ALTER COLUMN seq DROP NOT NULL"))
            return
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'charter_decision_log'")
        ).scalar_one()
        conn.execute(text("ALTER TABLE charter_decision_log RENAME TO old_log"))
        conn.execute(text(sql.replace("seq BIGINT NOT NULL", "seq BIGINT")
                          .replace("PRIMARY KEY (seq)", "UNIQUE (seq)")))  # fmt: skip
        conn.execute(text("INSERT INTO charter_decision_log SELECT * FROM old_log"))
        conn.execute(text("DROP TABLE old_log"))


def test_a_page_ending_on_a_null_seq_does_not_read_the_first_page_again(
    engine: Engine,
) -> None:
    """Found by review: with 500 rows of seq NULL, `charter audit export` never finished:
    the next page started after the last row's seq, and NULL meant "from the start"."""
    with AuditLog(engine, mode="sync", checkpoint_file=None) as log:
        for i in range(3):
            log.record(Decision(action=Action.ALLOW), {"i": i})
    _drop_not_null(engine)
    with engine.begin() as conn:
        for _ in range(4):  # two whole pages of 2
            conn.execute(text(f"INSERT INTO charter_decision_log SELECT NULL, {COLUMNS} "
                              "FROM charter_decision_log WHERE seq = 1"))  # fmt: skip

    with read_transaction(engine, "reading") as conn:
        rows = list(itertools.islice(iter_rows(conn, page=2), 20))  # bounded: it looped
    assert [row_key(row)[0] for row in rows] == [None] * 4 + [1, 2, 3]
    unreadable: list[Exception] = []
    assert [r["seq"] for r in export(engine, on_unreadable=unreadable.append)] == [1, 2, 3]
    assert len(unreadable) == 4
    result = verify(engine)
    assert (result.ok, result.problem) == (False, "changed")
