"""The span store: a bounded SQLite table of received spans, with time-based retention.

Bounded twice: at most `max_spans` rows (the oldest go first) and nothing older than
`retention_s`, so a console left running for weeks keeps a fixed footprint. SQLite through
the standard library (one connection, serialised by a lock) keeps the hot insert path lean;
WAL mode lets `charter drift` or a second console read the same file while it is written.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from charter import ConfigurationError, StoreError, semconv
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.rows import Row, encode_rows, from_row, json_text, trace_key

DEFAULT_PATH = ".charter/spans.db"
DEFAULT_MAX_SPANS = 200_000
DEFAULT_RETENTION_S = 7 * 24 * 3600.0
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 5000  # how long a write waits for another process's lock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    id INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_span_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    status_message TEXT NOT NULL,
    service TEXT NOT NULL,
    action TEXT,
    rules TEXT,
    revision TEXT,
    weight REAL NOT NULL,
    attributes TEXT NOT NULL,
    resource TEXT NOT NULL,
    trace_key INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spans_end ON spans (end_ns);
CREATE INDEX IF NOT EXISTS spans_trace ON spans (trace_key);
CREATE INDEX IF NOT EXISTS spans_probe ON spans (end_ns) WHERE name = 'charter.probe';
CREATE TABLE IF NOT EXISTS console_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Probe runs (`charter probe`, a few a day) are the series the Probes screen plots: a partial
# index finds them without a scan, and the count bound never evicts them (retention does).
_PROBE = f"name = '{semconv.SPAN_PROBE}'"
# `trace_key` is the trace id's first 60 bits: an integer index costs far less to keep up
# under a steady insert/delete stream than one on the 32-character hex id.
_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status_code, "
    "status_message, service, action, rules, revision, weight, attributes, resource"
)
_ROW_PARAMS = "(" + ", ".join("?" * 17) + ")"
_MAX_CHUNK = 1024
"""Rows per INSERT: 17 x 1024 parameters, under SQLite's 32766 limit."""
_SELECT = f"SELECT {_COLUMNS} FROM spans"
_PUT_STATE = "INSERT OR REPLACE INTO console_state VALUES (:key, :value)"
_DROP_STATE = "DELETE FROM console_state WHERE key = :key"

_CALL_MS_PATH = f"'$.\"{semconv.CALL_MS}\"'"
_CALL_MS = (
    "CASE WHEN json_valid(attributes) THEN CASE WHEN json_type(attributes, "
    f"{_CALL_MS_PATH}) IN ('integer', 'real') THEN json_extract(attributes, {_CALL_MS_PATH}) "
    "END END"
)
"""The recorded call duration when it is a JSON number, else NULL. Each span is checked
on its own (CASE is evaluated lazily): text, a list or attributes that are not JSON (NaN
written by a console before it kept them as text) would otherwise fail the whole summary."""


def _call_ms(recorded: float | None, span_ms: float) -> float:
    """`SpanRecord.call_ms` for a summary row: the recorded duration, else the span's."""
    return float(recorded) if recorded is not None and recorded >= 0 else float(span_ms)


@dataclass(frozen=True)
class WindowSummary:
    start_ns: int
    end_ns: int
    actions: dict[str, float]
    """Weighted number of calls per final action."""
    timeline: tuple[float, ...]
    """Weighted calls per equal time bucket, oldest first."""
    top_rules: tuple[tuple[str, float], ...]
    latencies_ms: tuple[float, ...]
    """Call latencies of (up to a sample of) the newest calls, sorted."""

    @property
    def calls(self) -> float:
        return sum(self.actions.values())


@dataclass(frozen=True)
class RuleCount:
    revision: str
    rule: str
    count: float


def sqlite_path(location: str) -> str:
    """Accept `sqlite:///path`, a plain path or `:memory:`."""
    if location.startswith("sqlite:///"):
        return location.removeprefix("sqlite:///") or ":memory:"
    if "://" in location:
        raise ConfigurationError(
            f"span store {location!r} must be a file path or sqlite:///path "
            "(spans are kept in SQLite)"
        )
    return location


class SpanStore:
    def __init__(
        self,
        location: str = DEFAULT_PATH,
        *,
        max_spans: int = DEFAULT_MAX_SPANS,
        retention_s: float = DEFAULT_RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_spans < 1:
            raise ConfigurationError(f"max_spans {max_spans} must be at least 1")
        if retention_s <= 0:
            raise ConfigurationError(f"retention {retention_s}s must be positive")
        self.path = sqlite_path(location)
        self.max_spans = max_spans
        self.retention_s = retention_s
        self.clock = clock
        self._lock = threading.RLock()
        self._last_retention = -float("inf")  # time.monotonic(), when it last ran
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            empty = not self._db.execute("SELECT name FROM sqlite_master").fetchall()
            if not empty and version != SCHEMA_VERSION:
                self._db.close()
                raise StoreError(
                    f"span store {self.path} has layout version {version}, this console "
                    f"writes version {SCHEMA_VERSION}; move the file away (spans are "
                    "telemetry, the app's audit log is elsewhere) or pass another --spans path"
                )
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open span store {self.path}: {exc}; check the path and permissions"
            ) from None
        self._max_id = self._scalar("SELECT COALESCE(MAX(id), 0) FROM spans")

    # --- writing ---------------------------------------------------------------------

    def insert(self, records: Sequence[SpanRecord]) -> None:
        self.insert_rows(encode_rows(records))

    def insert_rows(self, rows: Sequence[Row]) -> None:
        """Insert rows made by `encode_rows` (the pipeline encodes before buffering, so the
        writer thread only runs SQLite, which releases the GIL)."""
        if not rows:
            return
        with self._guard("storing spans"):
            self._db.execute("BEGIN")
            try:
                for chunk in _chunks(rows):
                    self._db.execute(_insert_many(len(chunk)), [v for row in chunk for v in row])
                self._max_id = self._db.execute("SELECT last_insert_rowid()").fetchone()[0]
                self._enforce_bounds()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.rollback()  # no-op where SQLite rolled back already (a full disk)
                raise

    def _enforce_bounds(self) -> None:
        floor = self._max_id - self.max_spans
        if floor > 0:
            self._db.execute(f"DELETE FROM spans WHERE id <= ? AND NOT {_PROBE}", (floor,))
        tick = time.monotonic()  # on the wall clock, a step back stopped it for as long
        if tick - self._last_retention >= 1.0:
            self._last_retention = tick
            cutoff = int((self.clock() - self.retention_s) * 1e9)
            self._db.execute("DELETE FROM spans WHERE end_ns < ?", (cutoff,))

    def apply_retention(self) -> int:
        """Delete spans older than the retention period now; returns how many went."""
        with self._guard("applying retention"):
            cutoff = int((self.clock() - self.retention_s) * 1e9)
            return self._db.execute("DELETE FROM spans WHERE end_ns < ?", (cutoff,)).rowcount

    # --- reading ---------------------------------------------------------------------

    def count(self) -> int:
        return self._scalar("SELECT COUNT(*) FROM spans")

    def recent_calls(self, limit: int = 100) -> list[SpanRecord]:
        """The newest guarded-call spans, newest first."""
        return self._records(
            f"{_SELECT} WHERE action IS NOT NULL ORDER BY end_ns DESC, id DESC LIMIT ?",
            (limit,),
        )

    def calls_between(
        self, start_ns: int, end_ns: int, *, limit: int | None = None
    ) -> list[SpanRecord]:
        """Guarded-call spans that ended in [start_ns, end_ns), oldest first; with `limit`,
        the newest `limit` of them."""
        where = "WHERE end_ns >= ? AND end_ns < ? AND action IS NOT NULL"
        if limit is None:
            return self._records(f"{_SELECT} {where} ORDER BY end_ns, id", (start_ns, end_ns))
        newest = self._records(
            f"{_SELECT} {where} ORDER BY end_ns DESC, id DESC LIMIT ?", (start_ns, end_ns, limit)
        )
        newest.reverse()
        return newest

    def window_summary(
        self,
        start_ns: int,
        end_ns: int,
        *,
        buckets: int = 30,
        top: int = 8,
        latency_sample: int = 5000,
    ) -> WindowSummary:
        """Aggregates of the guarded calls that ended in [start_ns, end_ns), computed in SQL
        so the Live screen stays cheap however busy the window was."""
        where = "end_ns >= ? AND end_ns < ? AND action IS NOT NULL"
        span = (start_ns, end_ns)
        bucket_ns = max(1, (end_ns - start_ns) // buckets)
        with self._guard("summarising the span store"):
            actions = self._db.execute(
                f"SELECT action, SUM(weight) FROM spans WHERE {where} GROUP BY action", span
            ).fetchall()
            timeline = self._db.execute(
                f"SELECT (end_ns - ?) / ?, SUM(weight) FROM spans WHERE {where} GROUP BY 1",
                (start_ns, bucket_ns, *span),
            ).fetchall()
            rules = self._db.execute(
                "SELECT rule.value, SUM(weight) FROM spans, json_each(spans.rules) AS rule "
                f"WHERE rules IS NOT NULL AND {where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
                (*span, top),
            ).fetchall()
            latencies = self._db.execute(
                f"SELECT {_CALL_MS}, MAX(end_ns - start_ns, 0) / 1e6 FROM spans WHERE {where} "
                "ORDER BY end_ns DESC LIMIT ?",
                (*span, latency_sample),
            ).fetchall()
        series = [0.0] * buckets
        for index, weight in timeline:
            series[min(buckets - 1, max(0, int(index)))] += float(weight)
        return WindowSummary(
            start_ns=start_ns,
            end_ns=end_ns,
            actions={str(a): float(w) for a, w in actions},
            timeline=tuple(series),
            top_rules=tuple((str(r), float(w)) for r, w in rules),
            latencies_ms=tuple(
                sorted(_call_ms(recorded, span_ms) for recorded, span_ms in latencies)
            ),
        )

    def probe_runs(self, limit: int = 500) -> list[SpanRecord]:
        """The newest `charter.probe` run spans, oldest first."""
        newest = self._records(
            f"{_SELECT} WHERE {_PROBE} ORDER BY end_ns DESC, id DESC LIMIT ?", (limit,)
        )
        newest.reverse()
        return newest

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return self._records(
            f"{_SELECT} WHERE trace_key = ? AND trace_id = ? ORDER BY start_ns, id",
            (trace_key(trace_id), trace_id),
        )

    def rule_counts(self) -> list[RuleCount]:
        """How often each rule fired, per policy revision (weighted by sampling)."""
        sql = (
            "SELECT COALESCE(revision, ''), rule.value, SUM(weight) FROM spans, "
            "json_each(spans.rules) AS rule WHERE rules IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY 3 DESC"
        )
        with self._guard("counting rules"):
            rows = self._db.execute(sql).fetchall()
        return [RuleCount(revision=r[0], rule=str(r[1]), count=float(r[2])) for r in rows]

    def revisions(self) -> list[str]:
        with self._guard("listing revisions"):
            rows = self._db.execute(
                "SELECT revision, MAX(end_ns) FROM spans WHERE revision IS NOT NULL "
                "GROUP BY revision ORDER BY 2 DESC"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def iter_spans(
        self, *, since_ns: int | None = None, until_ns: int | None = None, batch: int = 5000
    ) -> Iterator[SpanRecord]:
        """Every span in the time range, oldest first, read in batches."""
        last_id = 0
        lower = since_ns if since_ns is not None else 0
        upper = until_ns if until_ns is not None else 2**63 - 1
        while True:
            rows = self._rows(
                f"SELECT id, {_COLUMNS} FROM spans WHERE id > ? AND end_ns >= ? AND end_ns < ? "
                "ORDER BY id LIMIT ?",
                (last_id, lower, upper, batch),
            )
            if not rows:
                return
            last_id = rows[-1][0]
            yield from (from_row(row[1:]) for row in rows)

    def export_jsonl(
        self, out: IO[str], *, since_ns: int | None = None, until_ns: int | None = None
    ) -> int:
        """Write spans as JSON lines (format: `monitor_tui.ingest.records`); returns count."""
        written = 0
        for record in self.iter_spans(since_ns=since_ns, until_ns=until_ns):
            out.write(json_text(record.to_json_dict()) + "\n")
            written += 1
        return written

    # --- console state -----------------------------------------------------------------

    def state(self, key: str) -> str | None:
        """A console setting kept with its spans (the Drift pin): outlives a restart, shared."""
        rows = self._rows("SELECT value FROM console_state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_state(self, key: str, value: str | None, wait_ms: int = 500) -> None:
        """Waits `wait_ms` at most for a write lock: a key press must not hold the span writer."""
        with self._guard("saving console state"):
            self._db.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                sql = _DROP_STATE if value is None else _PUT_STATE
                self._db.execute(sql, {"key": key, "value": value})
            finally:
                self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- plumbing --------------------------------------------------------------------

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise StoreError(
                    f"{doing} failed on span store {self.path}: {exc}; check disk space "
                    "and that no other process holds a write lock"
                ) from None

    def _scalar(self, sql: str) -> int:
        with self._guard("reading the span store"):
            return int(self._db.execute(sql).fetchone()[0])

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._guard("reading the span store"):
            return self._db.execute(sql, params).fetchall()

    def _records(self, sql: str, params: tuple[Any, ...]) -> list[SpanRecord]:
        return [from_row(row) for row in self._rows(sql, params)]


def _chunks(rows: Sequence[Row]) -> Iterator[Sequence[Row]]:
    """Split into power-of-two sized chunks of at most `_MAX_CHUNK`, so a handful of
    statement texts (and prepared statements) serve every batch size."""
    start = 0
    while start < len(rows):
        size = min(_MAX_CHUNK, 1 << ((len(rows) - start).bit_length() - 1))
        yield rows[start : start + size]
        start += size


@functools.lru_cache(maxsize=16)
def _insert_many(count: int) -> str:
    """One multi-row INSERT: SQLite runs it in one step, so the writer thread gives up and
    retakes the GIL once per chunk rather than once per row (with the receivers busy in
    Python, each retake can wait a full switch interval; per row, the writer starves)."""
    return f"INSERT INTO spans ({_COLUMNS}, trace_key) VALUES " + ", ".join([_ROW_PARAMS] * count)
