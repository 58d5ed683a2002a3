"""A process forked after Charter opened its store (gunicorn --preload: the master checks the
approval queue once, then forks its workers) talks to the database on connections of its own.

Found by probing: forked workers took the master's pooled PostgreSQL connection for their
approval submissions, two processes on one socket, and calls failed at random with store
errors and SQLAlchemy's own `ResourceClosedError`.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine, text

from charter.store import connect
from tests.support.postgres import PostgresServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork"),
]


def _backend_pid(engine: Engine) -> int:
    """The server process answering this engine's connection (one per session)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_forked_child_uses_its_own_connection_and_leaves_the_parents_open(
    postgres_server: PostgresServer,
) -> None:
    engine = connect(postgres_server.create_database())
    try:
        parent = _backend_pid(engine)  # its connection now waits in the pool
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(read)
                os.write(write, str(_backend_pid(engine)).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read) as answer:
            child = answer.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert child and int(child) != parent
        assert _backend_pid(engine) == parent  # the child did not close the parent's session
    finally:
        engine.dispose()
