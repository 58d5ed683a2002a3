"""The approval repository, one suite run against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from charter.errors import StoreError
from charter.store import approval_repo as repo
from charter.store import connect, migrate
from charter.store.approval_tables import REQUESTS
from charter.store.transactions import read_transaction, write_transaction

T0 = datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = connect(store_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _row(rid: str, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": rid,
        "state": "pending",
        "created_at": T0,
        "updated_at": T0,
        "expires_at": T0 + timedelta(hours=1),
        "requester": "user-1",
        "tenant": "acme",
        "app": "bot",
        "rule": "tools.payments",
        "reason": "large payment",
        "approvers": {"roles": ["finance"], "users": []},
        "min_approvals": 2,
        "timeout_s": 3600.0,
        "on_timeout": "deny",
        "escalate_to": None,
        "escalations": 0,
        "requirements": None,
        "action": {"kind": "tool_call", "tool": {"name": "pay", "arguments": {"eur": 900}}},
        "keep_action": False,
        "action_hash": "a" * 64,
        "pending_key": None,
        "decision_id": f"d-{rid}",
        "consumed_at": None,
        "claimed_by": None,
        "claimed_until": None,
    }
    row.update(over)
    return row


CAST_UNDER = {"approvers": {"roles": [], "users": []}}
"""What every vote row now holds (the store refuses one without: revision 0010)."""


def _insert(engine: Engine, *rows: dict[str, Any]) -> None:
    with write_transaction(engine, "test insert") as conn:
        for row in rows:
            repo.insert_request(conn, row)


def _vote(engine: Engine, rid: str, reviewer: str, verdict: str = "approve") -> None:
    with write_transaction(engine, "test vote") as conn:
        repo.add_vote(
            conn,
            {"request_id": rid, "reviewer": reviewer, "verdict": verdict, "reason": "", "at": T0}
            | CAST_UNDER,
        )


def test_a_request_round_trips_with_aware_utc_times_and_json(engine: Engine) -> None:
    _insert(engine, _row("r1"))
    with read_transaction(engine, "test read") as conn:
        got = repo.get_request(conn, "r1")
    assert got is not None
    assert dict(got) == _row("r1")
    assert got["expires_at"].tzinfo is UTC


def test_non_utc_input_times_are_stored_as_the_same_instant(engine: Engine) -> None:
    plus3 = T0.astimezone(timezone(timedelta(hours=3)))
    _insert(engine, _row("r1", created_at=plus3))
    with read_transaction(engine, "test read") as conn:
        got = repo.get_request(conn, "r1")
    assert got is not None and got["created_at"] == T0


def test_unknown_request_is_none(engine: Engine) -> None:
    with read_transaction(engine, "test read") as conn:
        assert repo.get_request(conn, "nope") is None


def test_update_changes_only_the_given_columns(engine: Engine) -> None:
    _insert(engine, _row("r1"), _row("r2"))
    with write_transaction(engine, "test update") as conn:
        repo.update_request(conn, "r1", {"state": "approved", "claimed_by": "bob"})
    with read_transaction(engine, "test read") as conn:
        r1, r2 = repo.get_request(conn, "r1"), repo.get_request(conn, "r2")
    assert r1 is not None and r2 is not None
    assert (r1["state"], r1["claimed_by"], r1["rule"]) == ("approved", "bob", "tools.payments")
    assert (r2["state"], r2["claimed_by"]) == ("pending", None)


def test_list_filters_by_state_and_tenant_newest_first_with_limit(engine: Engine) -> None:
    _insert(
        engine,
        _row("old", created_at=T0),
        _row("mid", created_at=T0 + timedelta(seconds=1), tenant="other"),
        _row("new", created_at=T0 + timedelta(seconds=2)),
        _row("done", created_at=T0 + timedelta(seconds=3), state="approved"),
    )
    with read_transaction(engine, "test list") as conn:
        every = [r["id"] for r in repo.list_requests(conn, state=None, tenant=None, limit=10)]
        pending = [
            r["id"] for r in repo.list_requests(conn, state="pending", tenant=None, limit=10)
        ]
        acme = [r["id"] for r in repo.list_requests(conn, state="pending", tenant="acme", limit=10)]
        two = [r["id"] for r in repo.list_requests(conn, state=None, tenant=None, limit=2)]
    assert every == ["done", "new", "mid", "old"]
    assert pending == ["new", "mid", "old"]
    assert acme == ["new", "old"]
    assert two == ["done", "new"]


def test_due_requests_are_pending_ones_past_their_deadline(engine: Engine) -> None:
    _insert(
        engine,
        _row("due", expires_at=T0),
        _row("later", expires_at=T0 + timedelta(seconds=1)),
        _row("decided", expires_at=T0 - timedelta(hours=1), state="rejected"),
        _row("overdue", expires_at=T0 - timedelta(minutes=5)),
    )
    with write_transaction(engine, "test due") as conn:
        due = [r["id"] for r in repo.due_requests(conn, now=T0, limit=10)]
    assert due == ["overdue", "due"]


def test_the_sweep_searches_unused_requests_only(tmp_path: Path) -> None:
    """Found by review: used approvals keep state approved, and the sweep's query walked
    every one ever made on the (state, expires_at) index (200,000 of them: 12x slower on
    SQLite, 15x on PostgreSQL; bench_approvals times it). Its index now holds consumed_at
    between the two, so SQLite's plan names all three columns."""
    engine = connect(f"sqlite:///{tmp_path / 'plan.db'}")
    migrate(engine)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    with write_transaction(engine, "test due") as conn:
        repo.due_requests(conn, now=T0, limit=10)
        statement, params = statements[-1]
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
    engine.dispose()
    searches = [str(step[-1]) for step in plan if "SEARCH" in str(step[-1])]
    assert searches == [
        "SEARCH charter_approval_request USING INDEX ix_charter_approval_request_due "
        "(state=? AND consumed_at=? AND expires_at<?)"
    ]


def test_claimable_skips_own_voted_and_live_claims_of_others(engine: Engine) -> None:
    _insert(
        engine,
        _row("free", created_at=T0),
        _row("mine", created_at=T0 + timedelta(seconds=1), requester="bob"),
        _row("voted", created_at=T0 + timedelta(seconds=2)),
        _row(
            "held",
            created_at=T0 + timedelta(seconds=3),
            claimed_by="carol",
            claimed_until=T0 + timedelta(minutes=5),
        ),
        _row(
            "lapsed",
            created_at=T0 + timedelta(seconds=4),
            claimed_by="carol",
            claimed_until=T0 - timedelta(seconds=1),
        ),
        _row(
            "own-claim",
            created_at=T0 + timedelta(seconds=5),
            claimed_by="bob",
            claimed_until=T0 + timedelta(minutes=5),
        ),
        _row("expired", created_at=T0 + timedelta(seconds=6), expires_at=T0),
        _row("closed", created_at=T0 + timedelta(seconds=7), state="approved"),
    )
    _vote(engine, "voted", "bob")
    with write_transaction(engine, "test claimable") as conn:
        rows = repo.claimable_requests(conn, reviewer="bob", now=T0, after=None, limit=10)
        after = (rows[0]["created_at"], rows[0]["id"])
        page = repo.claimable_requests(conn, reviewer="bob", now=T0, after=after, limit=1)
    assert [r["id"] for r in rows] == ["free", "lapsed", "own-claim"]
    assert [r["id"] for r in page] == ["lapsed"]


def test_votes_and_events_come_back_grouped_in_insertion_order(engine: Engine) -> None:
    _insert(engine, _row("r1"), _row("r2"))
    _vote(engine, "r1", "bob")
    _vote(engine, "r2", "carol", "reject")
    _vote(engine, "r1", "dave")
    with write_transaction(engine, "test events") as conn:
        repo.add_events(
            conn,
            [
                {
                    "request_id": rid,
                    "at": T0,
                    "actor": who,
                    "kind": "vote",
                    "from_state": "pending",
                    "to_state": "pending",
                    "reason": "",
                }
                for rid, who in [("r2", "x"), ("r1", "y"), ("r1", "z")]
            ],
        )
        repo.add_events(conn, [])
    with read_transaction(engine, "test read") as conn:
        votes = repo.votes_of(conn, ["r1", "r2", "r3"])
        events = repo.events_of(conn, ["r1", "r2"])
        assert repo.votes_of(conn, []) == {}
    assert [v["reviewer"] for v in votes["r1"]] == ["bob", "dave"]
    assert [(v["reviewer"], v["verdict"]) for v in votes["r2"]] == [("carol", "reject")]
    assert "r3" not in votes
    assert [e["actor"] for e in events["r1"]] == ["y", "z"]


def test_one_vote_per_reviewer_is_also_a_database_constraint(engine: Engine) -> None:
    _insert(engine, _row("r1"))
    _vote(engine, "r1", "bob")
    with (
        pytest.raises(StoreError, match="recording a vote twice"),
        write_transaction(engine, "recording a vote twice") as conn,
    ):
        repo.add_vote(
            conn,
            {
                "request_id": "r1",
                "reviewer": "bob",
                "verdict": "reject",
                "reason": "",
                "at": T0,
            }
            | CAST_UNDER,
        )
    with read_transaction(engine, "test read") as conn:
        assert [v["verdict"] for v in repo.votes_of(conn, ["r1"])["r1"]] == ["approve"]


def test_a_failed_write_transaction_keeps_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), write_transaction(engine, "test rollback") as conn:
        repo.insert_request(conn, _row("r1"))
        raise RuntimeError("boom")
    with read_transaction(engine, "test read") as conn:
        assert conn.execute(select(func.count()).select_from(REQUESTS)).scalar() == 0


@pytest.mark.postgres
def test_postgres_skip_locked_gives_concurrent_workers_different_rows(
    postgres_server: Any,
) -> None:
    engine = connect(postgres_server.create_database())
    migrate(engine)
    _insert(engine, *[_row(f"r{i}", expires_at=T0 - timedelta(minutes=i)) for i in range(4)])
    with write_transaction(engine, "worker one") as first:
        taken = {r["id"] for r in repo.due_requests(first, now=T0, limit=2)}
        with write_transaction(engine, "worker two") as second:
            other = {r["id"] for r in repo.due_requests(second, now=T0, limit=10)}
    engine.dispose()
    assert len(taken) == 2
    assert other == {"r0", "r1", "r2", "r3"} - taken


@pytest.mark.postgres
def test_a_postgres_url_is_the_postgresql_one(postgres_url: str) -> None:
    """Found by probing: `postgres://` (libpq's and many hosts' spelling) was refused as an
    unsupported backend."""
    assert postgres_url.startswith("postgresql://")
    engine = connect("postgres://" + postgres_url.removeprefix("postgresql://"))
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.now())) is not None
    finally:
        engine.dispose()
