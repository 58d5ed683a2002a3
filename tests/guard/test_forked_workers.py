"""Workers forked after `import charter` (gunicorn --preload, Celery prefork) each serve
their own calls. Found by probing: every worker drew the same decision ids, so different
users' decisions shared one id in the log, approval requests, spans and exports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES
from charter.context import context
from charter.testing import RecordingModel, make_charter

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _serve_one_call(tmp_path: Path, worker: int) -> None:
    """A worker's life: its own Charter on the shared store, one guarded call, closed."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=True)
    answer = charter.guard(model="gpt-4o-mini", provider="openai")(RecordingModel("Sure."))
    with context(user=f"worker-{worker}"):
        answer("What are your opening hours?")
    charter.close()


def test_forked_workers_give_their_decisions_ids_of_their_own(tmp_path: Path) -> None:
    make_charter(DEFAULT_POLICIES, tmp_path, audit=True).close()  # the store, made before
    pids = []
    for worker in range(3):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _serve_one_call(tmp_path, worker)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    records = list(iter_records(f"sqlite:///{tmp_path / 'charter.db'}"))
    assert {r.input["user"]["id"] for r in records} == {"worker-0", "worker-1", "worker-2"}
    ids = [r.decision_id for r in records]
    assert len(ids) == len(set(ids)), ids
