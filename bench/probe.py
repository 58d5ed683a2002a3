"""`make probe`: attack the receiver and kill the writers, then count what survived.

Not part of `make test` (it runs for a few minutes and measures, it does not assert):

1. A hostile OTLP client against `charter monitor serve` (a real subprocess) while four
   well-behaved exporters keep sending: an oversized chunked body (1.2 GB offered, valid
   chunks and a `-1` chunk size), gzip bombs (1 GB of zeros each), slowloris (64 idle
   half-sent requests) and a flood (64 clients posting 1 MB of junk). Prints, per attack,
   the requests served to the good clients (200 / refused / failed) and the receiver's
   peak RSS.
2. kill -9 and SIGTERM loops against an app writing decisions (4 threads, up to ~2,000
   decisions/s; async and sync audit modes) and against `charter monitor serve` under
   load. Prints records acknowledged, stored and lost. Target: 0 acknowledged and lost,
   except async + kill -9, whose loss is bounded by the records still queued (README).

Exit status 1 when a target is missed. `python -m bench.probe --quick` runs fewer rounds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench import probe_clients as clients

ROOT = Path(__file__).resolve().parents[1]
PHASE_S = 6.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Serve:
    """`charter monitor serve` as a subprocess, with an RSS sampler."""

    def __init__(self, spans_db: Path) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "charter.cli", "monitor", "serve", "--port", str(self.port),
             "--no-grpc", "--spans", str(spans_db)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        if "receiving on" not in self.proc.stdout.readline():
            raise RuntimeError(f"serve did not start: {self.proc.stderr.read()}")  # type: ignore[union-attr]
        self.peak = 0.0
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.proc.pid))
            time.sleep(0.05)

    def reset_peak(self) -> None:
        self.peak = _rss_mb(self.proc.pid)

    def end(self, how: signal.Signals = signal.SIGTERM) -> int:
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.send_signal(how)
        return self.proc.wait(60)


# --- 1. hostile clients -------------------------------------------------------------------


def attacks(workdir: Path) -> list[str]:
    serve = Serve(workdir / "attack-spans.db")
    lines = [
        f"{'attack (from 127.0.0.2)':<46} {'good clients: 200':>18} {'refused':>8} "
        f"{'failed':>7} {'req/s':>7} {'RSS peak':>9}"
    ]
    bomb = clients.gzip_bomb()
    phases: dict[str, Callable[[], str | None]] = {
        "none (baseline)": lambda: None,
        "chunked body, 1.2 GB offered, valid chunks": lambda: _report_bytes(
            clients.oversized_chunked(serve.port)
        ),
        "chunked body, 1.2 GB offered, chunk size -1": lambda: _report_bytes(
            clients.oversized_chunked(serve.port, bad_size=True)
        ),
        f"gzip bombs: 8 x {len(bomb) >> 10} KB -> 1 GB each": lambda: _bombs(serve.port, bomb),
        "slowloris: 64 idle half-sent requests": lambda: _slowloris(serve.port),
        "flood: 64 clients posting 1 MB of junk": lambda: _flood(serve.port),
    }
    for name, attack in phases.items():
        good = clients.GoodClients(serve.port)
        good.start()
        serve.reset_peak()
        started = time.monotonic()
        note = _run_for(attack, PHASE_S)
        good.stop()
        elapsed = time.monotonic() - started
        ok = good.statuses[200]
        refused = sum(n for s, n in good.statuses.items() if s != 200)
        lines.append(
            f"{name:<46} {ok:>18} {refused:>8} {good.errors:>7} {ok / elapsed:>7.0f} "
            f"{serve.peak:>6.0f} MB" + (f"  ({note})" if note else "")
        )
    high_water = _rss_mb(serve.proc.pid, "VmHWM")
    code = serve.end()
    lines.append(
        f"receiver exit status after SIGTERM: {code}; peak RSS over the run {high_water:.0f} MB"
    )
    return lines


def _run_for(attack: Callable[[], str | None], seconds: float) -> str:
    """Run `attack`, and keep the phase going for at least `seconds`; its note."""
    started = time.monotonic()
    result: list[str | None] = []
    worker = threading.Thread(target=lambda: result.append(attack()), daemon=True)
    worker.start()
    worker.join(seconds + 120)
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    return result[0] or "" if result else "still running"


def _report_bytes(sent: int) -> str:
    time.sleep(1.0)
    return f"receiver cut it off after {sent >> 20} MB"


def _bombs(port: int, bomb: bytes) -> str:
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda: answers.append(clients.send_bomb(port, bomb)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return "answers " + ",".join(str(a) for a in sorted(set(answers)))


def _slowloris(port: int) -> str:
    held = clients.slowloris(port)
    time.sleep(PHASE_S)
    for sock in held:
        sock.close()
    return f"{len(held)} connections held open"


def _flood(port: int) -> str:
    flood = clients.Flood(port)
    flood.start()
    time.sleep(PHASE_S)
    flood.stop()
    return f"{flood.sent} junk requests answered"


# --- 2. kill loops ---------------------------------------------------------------------------

APP = """
import sys, threading, time
from charter.audit import AuditLog
from charter.decision import Action, Decision
log = AuditLog(sys.argv[1], mode=sys.argv[2])
out = threading.Lock()
def work(t):
    i = 0
    while True:
        log.record(Decision(action=Action.ALLOW), {"r": int(sys.argv[3]), "t": t, "i": i})
        with out:  # the call returned: acknowledged
            sys.stdout.write(f"{t} {i}\\n")
            sys.stdout.flush()
        i += 1
        time.sleep(0.002)  # a busy app: up to ~2,000 decisions/s over 4 threads
for t in range(4):
    threading.Thread(target=work, args=(t,), daemon=True).start()
threading.Event().wait()
"""


def app_loop(workdir: Path, mode: str, how: signal.Signals, rounds: int) -> tuple[int, int, int]:
    db = workdir / f"app-{mode}-{how.name}.db"
    acked: set[tuple[int, int, int]] = set()
    for r in range(rounds):
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(APP), f"sqlite:///{db}", mode, str(r)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        first = child.stdout.readline()  # it is running
        time.sleep(random.uniform(0.5, 1.5))
        child.send_signal(how)
        out, _ = child.communicate(timeout=120)
        for line in (first + out).split("\n"):
            if line.strip():
                t, i = line.split()
                acked.add((r, int(t), int(i)))
    with sqlite3.connect(db) as conn:
        stored = {
            (d["r"], d["t"], d["i"])
            for d in (json.loads(row[0]) for row in conn.execute(
                "SELECT input_json FROM charter_decision_log"))
        }  # fmt: skip
    return len(acked), len(acked & stored), len(acked - stored)


def serve_loop(workdir: Path, how: signal.Signals, rounds: int) -> tuple[int, int, int]:
    spans_db = workdir / f"serve-{how.name}.db"
    acked: set[str] = set()
    for _ in range(rounds):
        serve = Serve(spans_db)
        good = clients.GoodClients(serve.port, count=4, fresh=True)
        good.start()
        time.sleep(random.uniform(1.0, 2.0))
        os.kill(serve.proc.pid, how)
        serve.proc.wait(60)
        good.stop()
        acked |= good.acked
    with sqlite3.connect(spans_db) as conn:
        stored = {row[0] for row in conn.execute("SELECT span_id FROM spans")}
    return len(acked), len(acked & stored), len(acked - stored)


def main(argv: list[str]) -> int:
    rounds = 2 if "--quick" in argv else 5
    workdir = Path(tempfile.mkdtemp(prefix="charter-probe-"))
    print("== 1. hostile OTLP clients vs `charter monitor serve` "
          f"({PHASE_S:.0f} s per attack, 4 well-behaved exporters on 127.0.0.1) ==")  # fmt: skip
    for line in attacks(workdir):
        print(line, flush=True)
    print(f"\n== 2. kill loops ({rounds} rounds each; acknowledged = the call/request "
          "returned OK) ==")  # fmt: skip
    print(f"{'target':<34} {'signal':<8} {'acknowledged':>13} {'stored':>8} {'lost':>6}  target")
    missed = False
    runs = [
        ("app, audit_mode=async", lambda h: app_loop(workdir, "async", h, rounds)),
        ("app, audit_mode=sync", lambda h: app_loop(workdir, "sync", h, rounds)),
        ("charter monitor serve", lambda h: serve_loop(workdir, h, rounds)),
    ]
    for name, run in runs:
        for how in (signal.SIGTERM, signal.SIGKILL):
            acked, stored, lost = run(how)
            bounded = name.endswith("async") and how == signal.SIGKILL
            goal = "<= queued records (bound)" if bounded else "0 lost"
            missed |= lost > 0 and not bounded
            label = "kill -9" if how == signal.SIGKILL else "SIGTERM"
            print(f"{name:<34} {label:<8} {acked:>13} {stored:>8} {lost:>6}  {goal}", flush=True)
    print(f"\nworking files in {workdir}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
