"""Several processes append to one store at once: the chain stays whole and gap-free."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from itertools import pairwise
from pathlib import Path

from charter.audit import iter_records, verify

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
EACH = 120

_WRITER = """
import sys
from charter.audit import AuditLog
from charter.decision import Action, Decision

url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with AuditLog(url) as log:
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    for i in range(count):
        log.record(Decision(action=Action.ALLOW), {"writer": name, "i": i})
        if i % 3 == 2:
            log.flush(60)  # many small transactions, interleaved with the other writers
    log.flush(60)
    assert log.stats.written == count, log.stats
"""


def test_processes_appending_at_once_form_one_chain(store_url: str) -> None:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(_WRITER), store_url, f"w{n}", str(EACH)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    for writer in writers:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready", writer.stderr
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err

    result = verify(store_url)
    assert result.ok, result.reason
    assert result.checked == PROCESSES * EACH
    records = list(iter_records(store_url))
    assert [r.seq for r in records] == list(range(1, PROCESSES * EACH + 1))
    order = [r.input["writer"] for r in records]
    switches = sum(1 for a, b in pairwise(order) if a != b)
    assert switches >= PROCESSES, "the writers did not overlap, so nothing was tested"
    by_writer: dict[str, list[int]] = {}
    for record in records:
        by_writer.setdefault(record.input["writer"], []).append(record.input["i"])
    # Every record of every writer is there once, in the order that writer queued them.
    assert by_writer == {f"w{n}": list(range(EACH)) for n in range(PROCESSES)}
