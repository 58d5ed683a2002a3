"""Tamper tests: change, delete or reorder one record and `verify` names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text

from charter.audit import GENESIS_HASH, AuditLog, DecisionRecord, export, verify
from charter.audit.record import chain_hash, material_from_row
from charter.decision import Action, Decision, Violation
from charter.errors import AuditError
from charter.store import connect, migrate
from charter.store.decision_log import LOG

N = 12


def _fill(engine: Engine, count: int = N) -> list[str]:
    """`count` records through the real writer; returns decision ids by seq (index 0 = seq 1)."""
    ids = []
    with AuditLog(engine) as log:
        for i in range(count):
            decision = Decision(
                action=Action.DENY if i % 4 == 0 else Action.ALLOW,
                violations=(Violation(rule="privacy.tckn"),) if i % 4 == 0 else (),
                policy_revision="rev-1",
            )
            log.record(decision, {"text": f"message <EMAIL_ADDRESS_1> #{i}", "n": i / 3})
            ids.append(decision.decision_id)
        log.flush(30)
    return ids


def _sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def _row(engine: Engine, seq: int) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(select(LOG).where(LOG.c.seq == seq)).mappings().one()
    return dict(row)


def test_untouched_log_verifies(engine: Engine) -> None:
    _fill(engine)
    result = verify(engine)
    assert result.ok, result.reason
    assert result.checked == N
    assert result.first_broken_seq is None and result.problem is None
    assert result.head_seq == N
    assert result.head_hash == _row(engine, N)["hash"]


def test_records_chain_from_genesis(engine: Engine) -> None:
    _fill(engine, 3)
    rows = [_row(engine, seq) for seq in (1, 2, 3)]
    assert rows[0]["prev_hash"] == GENESIS_HASH
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert rows[2]["prev_hash"] == rows[1]["hash"]
    for row in rows:
        assert chain_hash(material_from_row(row)) == row["hash"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("input_json", '{"n":1,"text":"something else"}'),
        ("result_json", None),  # deny rewritten to allow
        ("policy_revision", "rev-2"),
        ("labels_json", '{"stage":"output"}'),
        ("prev_hash", "f" * 64),
        ("decision_id", "forged-id"),
    ],
)
def test_a_changed_record_is_named(engine: Engine, column: str, value: str | None) -> None:
    ids = _fill(engine)
    if value is None:
        value = str(_row(engine, 5)["result_json"]).replace('"deny"', '"allow"')
        assert value != _row(engine, 5)["result_json"]
    _sql(engine, f"UPDATE charter_decision_log SET {column} = :v WHERE seq = 5", v=value)
    result = verify(engine)
    assert not result.ok
    assert result.first_broken_seq == 5
    assert result.problem == "changed"
    assert result.decision_id == ("forged-id" if column == "decision_id" else ids[4])
    assert result.checked == 4


def test_a_changed_timestamp_is_named(engine: Engine) -> None:
    ids = _fill(engine)
    _sql(
        engine,
        "UPDATE charter_decision_log SET timestamp = :t WHERE seq = 7",
        t="2001-01-01 00:00:00.000000",
    )
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem, result.decision_id) == (
        False,
        7,
        "changed",
        ids[6],
    )


def test_a_rewritten_record_with_a_recomputed_hash_is_named(engine: Engine) -> None:
    ids = _fill(engine)
    row = _row(engine, 5)
    row["input_json"] = '{"n":0,"text":"rewritten"}'
    new_hash = chain_hash(material_from_row(row))
    _sql(
        engine,
        "UPDATE charter_decision_log SET input_json = :i, hash = :h WHERE seq = 5",
        i=row["input_json"],
        h=new_hash,
    )
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem, result.decision_id) == (
        False,
        5,
        "changed",
        ids[4],
    )
    assert "prev_hash held by record seq 6" in result.reason


def test_rewriting_the_newest_record_is_caught_by_the_head(engine: Engine) -> None:
    ids = _fill(engine)
    row = _row(engine, N)
    row["input_json"] = '{"n":0,"text":"rewritten"}'
    _sql(
        engine,
        "UPDATE charter_decision_log SET input_json = :i, hash = :h WHERE seq = :s",
        i=row["input_json"],
        h=chain_hash(material_from_row(row)),
        s=N,
    )
    result = verify(engine)
    assert (result.first_broken_seq, result.problem, result.decision_id) == (N, "changed", ids[-1])


@pytest.mark.parametrize("seq", [1, 6, N], ids=["first", "middle", "newest"])
def test_a_deleted_record_is_named(engine: Engine, seq: int) -> None:
    _fill(engine)
    _sql(engine, "DELETE FROM charter_decision_log WHERE seq = :s", s=seq)
    result = verify(engine)
    assert not result.ok
    assert result.first_broken_seq == seq
    assert result.problem == "missing"
    assert result.decision_id is None
    assert f"record {seq} is missing" in result.reason
    assert result.checked == seq - 1


def test_deleting_and_renumbering_is_still_caught(engine: Engine) -> None:
    ids = _fill(engine)
    _sql(engine, "DELETE FROM charter_decision_log WHERE seq = 6")
    for seq in range(7, N + 1):
        _sql(engine, "UPDATE charter_decision_log SET seq = :n WHERE seq = :s", n=seq - 1, s=seq)
    result = verify(engine)
    assert not result.ok
    assert result.first_broken_seq == 6
    assert result.decision_id == ids[6]  # the record that slid into the gap
    assert result.problem in ("reordered", "changed")


def test_swapped_records_are_reported_as_reordered(engine: Engine) -> None:
    ids = _fill(engine)
    _sql(engine, "UPDATE charter_decision_log SET seq = -1 WHERE seq = 5")
    _sql(engine, "UPDATE charter_decision_log SET seq = 5 WHERE seq = 6")
    _sql(engine, "UPDATE charter_decision_log SET seq = 6 WHERE seq = -1")
    result = verify(engine)
    assert not result.ok
    assert result.first_broken_seq == 5
    assert result.problem == "reordered"
    assert result.decision_id == ids[5]  # the record written as seq 6 now sits at 5
    assert "written as seq 6" in result.reason


def test_a_record_added_behind_the_writers_back_is_named(engine: Engine) -> None:
    _fill(engine, 3)
    row = _row(engine, 3)
    forged = {**row, "seq": 4, "decision_id": "forged", "prev_hash": row["hash"]}
    forged["hash"] = chain_hash(material_from_row(forged))
    with engine.begin() as conn:
        conn.execute(insert(LOG), [forged])
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem) == (False, 4, "changed")


@pytest.mark.parametrize("seq", [0, -3])
def test_a_record_forged_before_seq_1_is_named_and_exported(engine: Engine, seq: int) -> None:
    """Found by probing: rows were read from seq 1 on, so a forged row at seq 0 (an
    'approve' copied from seq 1) was seen by neither verify nor export. Every row is read
    now (no schema CHECK: that would need a migration, and a hand edit can drop it)."""
    _fill(engine, 3)
    row = _row(engine, 1)
    forged = {**row, "seq": seq, "decision_id": "forged"}
    forged["hash"] = chain_hash(material_from_row(forged))
    with engine.begin() as conn:
        conn.execute(insert(LOG), [forged])
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem, result.decision_id) == (
        False,
        seq,
        "changed",
        "forged",
    )
    assert "impossible position" in result.reason
    named: list[AuditError] = []
    assert [line["seq"] for line in export(engine, on_out_of_place=named.append)] == [
        seq, 1, 2, 3
    ]  # fmt: skip
    assert len(named) == 1 and "out of place" in str(named[0])  # export names it too


def test_unparsable_json_is_a_change(engine: Engine) -> None:
    ids = _fill(engine, 3)
    _sql(engine, "UPDATE charter_decision_log SET metrics_json = '{broken' WHERE seq = 2")
    result = verify(engine)
    assert (result.first_broken_seq, result.problem, result.decision_id) == (2, "changed", ids[1])


def test_a_repeated_json_key_is_a_change(engine: Engine) -> None:
    """Found by probing: `{"action":"allow",` put in front of a denied record's result made
    SQL's json_extract read allow (it keeps the first of two keys) while verify hashed the
    last and passed. A repeated key is now a change; export names the record."""
    ids = _fill(engine, 3)
    _sql(engine, "UPDATE charter_decision_log SET result_json = "
                 "'{\"action\":\"allow\",' || substr(result_json, 2) WHERE seq = 1")  # fmt: skip
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem, result.decision_id) == (
        False,
        1,
        "changed",
        ids[0],
    )
    assert "repeats a key" in result.reason
    unreadable: list[AuditError] = []
    assert [line["seq"] for line in export(engine, on_unreadable=unreadable.append)] == [2, 3]
    assert len(unreadable) == 1


def test_a_timestamp_given_a_utc_offset_is_a_change(sqlite_url: str) -> None:
    """Found by probing: `timestamp || '+09:00'` moved a record nine hours for SQLite's
    datetime(), but the column type dropped the offset, so verify passed and export showed
    the old time. The offset is now applied, as SQLite does: the record no longer matches
    its hash, and export shows the time SQL reads."""
    engine = connect(sqlite_url)
    migrate(engine)
    ids = _fill(engine, 3)
    _sql(engine, "UPDATE charter_decision_log SET timestamp = timestamp || '+09:00' WHERE seq = 2")
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem, result.decision_id) == (
        False,
        2,
        "changed",
        ids[1],
    )
    assert "no longer matches its hash" in result.reason
    query = "SELECT strftime('%Y-%m-%dT%H:%M:%S', timestamp) FROM charter_decision_log"
    with engine.connect() as conn:
        sql_reads = conn.execute(text(f"{query} WHERE seq = 2")).scalar_one()
    exported = {line["seq"]: line["timestamp"] for line in export(engine)}
    assert exported[2][:19] == sql_reads
    engine.dispose()


def test_a_value_its_column_cannot_read_is_a_change(sqlite_url: str) -> None:
    """Found by probing: SQLite keeps whatever a hand edit writes (`timestamp='yesterday'`),
    and reading that row raised ValueError out of verify and export alike. The row is now
    tampering evidence, named; the readable records around it still export."""
    engine = connect(sqlite_url)
    migrate(engine)
    ids = _fill(engine)
    _sql(engine, "UPDATE charter_decision_log SET timestamp = 'yesterday' WHERE seq = 7")
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem, result.decision_id) == (
        False,
        7,
        "changed",
        ids[6],
    )
    assert "stored timestamp cannot be read" in result.reason and result.checked == 6

    unreadable: list[AuditError] = []
    exported = [line["seq"] for line in export(engine, on_unreadable=unreadable.append)]
    assert exported == [seq for seq in range(1, N + 1) if seq != 7]
    assert [str(e) for e in unreadable] == [
        f"record seq 7 (decision_id {ids[6]}) cannot be read: it was edited by hand; "
        "run `charter audit verify`"
    ]
    with pytest.raises(AuditError, match="record seq 7 "):
        list(export(engine))
    engine.dispose()


def test_a_dropped_head_table_is_a_change(engine: Engine) -> None:
    """Found by probing: dropping the head table made verify fail as if the database were
    down ("check that the database is running ... Nothing was lost"), while deleting its
    row was reported as tampering."""
    ids = _fill(engine, 3)
    _sql(engine, "DROP TABLE charter_decision_log_head")
    result = verify(engine)
    assert (result.ok, result.first_broken_seq, result.problem, result.decision_id) == (
        False,
        3,
        "changed",
        ids[2],
    )
    assert "head table charter_decision_log_head was dropped" in result.reason


def test_an_empty_log_verifies(engine: Engine) -> None:
    result = verify(engine)
    assert result.ok and result.checked == 0
    assert result.head_hash == GENESIS_HASH


def test_a_store_without_a_log_is_an_error_not_a_pass(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(AuditError, match="file does not exist"):
        verify(f"sqlite:///{missing}")
    assert not missing.exists()  # verifying never creates an empty database
    empty = connect(f"sqlite:///{tmp_path / 'empty.db'}")
    with empty.begin() as conn:
        conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    with pytest.raises(AuditError, match="no decision log in sqlite:///"):
        verify(empty)
    empty.dispose()


def test_export_lines_can_be_checked_one_by_one(engine: Engine) -> None:
    from charter._canonical import sha256_hex

    _fill(engine, 5)
    lines = [json.loads(json.dumps(line)) for line in export(engine)]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5]
    previous = GENESIS_HASH
    for line in lines:
        body = {k: v for k, v in line.items() if k != "hash"}
        assert sha256_hex(body) == line["hash"]
        assert line["prev_hash"] == previous
        previous = line["hash"]
        assert set(line) == set(DecisionRecord.model_fields)


@pytest.mark.parametrize(
    ("value", "reparses"),
    [
        ({"a": [1, {"b": (2, {"c": "d"})}]}, True),
        ({"a": [1, {"b": (2, {10: "x", 9: "y"})}]}, False),  # "10" sorts before "9" as text
        ([{"x": 1}, ({"y": {2: 0, 10: 1}},)], False),
        ("text", True),
    ],
)
def test_a_value_that_reparses_to_itself_is_hashed_as_it_is(value: object, reparses: bool) -> None:
    """`reparses_to_itself` decides whether the chain hashes a column's JSON as it is; a
    mapping key that is not a string anywhere inside must make it parse and re-canonicalise
    (here the keys' order changes once they come back as text)."""
    from charter._canonical import canonical_json, reparses_to_itself

    assert reparses_to_itself(value) is reparses
    text = canonical_json(value)
    assert (canonical_json(json.loads(text)) == text) is reparses
