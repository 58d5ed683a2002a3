"""Checkpoints: the chain head noted *outside* the database, so a cut tail shows.

The hash chain proves that no record was changed, moved or dropped *between* others, but a
store whose last records were deleted (and its head row moved back) is a shorter, valid
chain. So the writer notes the head (`head_seq` = number of records, `head_hash`, time)
every `every` records or `interval_s` seconds, and when it closes:

- as a line of JSON appended to a file (`checkpoint_file`, append-only, fsync'd), e.g.
  `{"head_seq":5000,"head_hash":"9f3c…","store":"sqlite:///.charter/charter.db","time":"2026-01-01T00:00:00.000000Z"}`
- as an OpenTelemetry span `charter.audit.checkpoint` with the same values as attributes,
  so the anchor also lands in whatever trace backend the application exports to.

`charter audit verify --checkpoint FILE` reads either form (the file, or spans exported by
`charter monitor export`) and fails when the store holds fewer records than a checkpoint
saw (truncated) or a different record at a checkpoint's position (rolled back/rewritten).
A checkpoint that cannot be written is logged and counted; it never blocks the log.

Which checkpoints apply is decided by where they came from, never by anything read from the
store (whoever can rewrite the log can rewrite that too): every line of a checkpoint file
(one store per file), and of exported spans, which hold every app's, only those of one
service (`service.name`, `of_service`) and, when they name several stores, of the store
verified (`charter.audit.store`, `of_store`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import make_url

from charter import semconv as sc
from charter._private_files import private_folder
from charter.audit.record import format_timestamp
from charter.errors import AuditError
from charter.store.db import sqlite_file, store_identity
from charter.store.decision_log import GENESIS_HASH, LOG, ChainHead

_log = logging.getLogger("charter.audit")

DEFAULT_EVERY = 1000
DEFAULT_INTERVAL_S = 60.0
_LOOKUP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Checkpoint:
    head_seq: int
    """How many records the log held (the newest record's `seq`)."""
    head_hash: str
    time: str
    store: str = ""
    where: str = ""
    """Where it was read from (`file:line`), for messages."""
    service: str | None = None
    """The service that emitted it, for a span; None for a checkpoint file's line."""

    def to_line(self) -> str:
        doc = {
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "store": self.store,
            "time": self.time,
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"

    def describe(self) -> str:
        return f"checkpoint at {self.where} ({self.time}, seq {self.head_seq})"


class Checkpointer:
    """Notes the chain head after commits; thread-safe; never raises."""

    def __init__(
        self,
        path: str | Path | None,
        *,
        store: str,
        every: int = DEFAULT_EVERY,
        interval_s: float = DEFAULT_INTERVAL_S,
        tracer_provider: Any = None,
    ) -> None:
        self.path = Path(path) if path else None
        self.store = store
        self.every = max(1, every)
        self.interval_s = interval_s
        self._tracer_provider = tracer_provider
        self._lock = threading.Lock()
        self._since = 0
        self._head: ChainHead | None = None
        self._last = time.monotonic()
        self.written = 0
        self.failed = 0

    def note(self, head: ChainHead, appended: int) -> None:
        """`appended` records were committed, ending at `head`."""
        with self._lock:
            if self._head is None or head.seq >= self._head.seq:
                self._head = head
            self._since += appended
            now = time.monotonic()
            if self._since < self.every and now - self._last < self.interval_s:
                return
            self._since, self._last, due = 0, now, self._head
        self._emit(due)

    def final(self) -> None:
        """A last checkpoint when records were written since the previous one."""
        with self._lock:
            due = self._head if self._since else None
            self._since = 0
        if due is not None:
            self._emit(due)

    def _emit(self, head: ChainHead) -> None:
        checkpoint = Checkpoint(
            head_seq=head.seq,
            head_hash=head.hash,
            time=format_timestamp(datetime.now(UTC)),
            store=self.store,
        )
        self._span(checkpoint)
        if self.path is None:
            return
        try:
            private_folder(self.path.parent)
            _append_line(self.path, checkpoint.to_line().encode())
        except OSError as exc:
            with self._lock:
                self.failed += 1
                first = self.failed == 1
            if first:
                _log.warning(
                    "decision log: cannot write checkpoints to %s (%s); the log itself is "
                    "unaffected",
                    self.path,
                    exc.strerror or type(exc).__name__,
                )
            return
        with self._lock:
            self.written += 1

    def relayed(self, doc: dict[str, Any]) -> None:
        """A checkpoint the writer process wrote to the file: its span goes out from here,
        through this process's tracer provider."""
        self._span(Checkpoint(**doc))

    def _span(self, checkpoint: Checkpoint) -> None:
        try:
            from opentelemetry import context, trace

            provider = self._tracer_provider or trace.get_tracer_provider()
            tracer = provider.get_tracer("charter.audit")
            span = tracer.start_span(
                sc.SPAN_AUDIT_CHECKPOINT,
                context=context.Context(),  # a root span, not a child of a guarded call
                attributes={
                    sc.AUDIT_HEAD_SEQ: checkpoint.head_seq,
                    sc.AUDIT_HEAD_HASH: checkpoint.head_hash,
                    sc.AUDIT_CHECKPOINT_TIME: checkpoint.time,
                    sc.AUDIT_STORE: checkpoint.store,
                },
            )
            span.end()
        except Exception as exc:  # telemetry must never stop the decision log
            _log.debug("decision log: checkpoint span not emitted: %s", type(exc).__name__)


def _append_line(path: Path, line: bytes) -> None:
    """Append `line` in one write (lines of processes sharing the file never interleave),
    fsync'd. A line a crash cut short first gets its line end, so the new one stands on a
    line of its own (`read_checkpoints` names the fragment and reads on); a short write
    goes on with the rest."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        rest = memoryview(line)
        while rest:
            rest = rest[os.write(fd, rest) :]
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading and checking -------------------------------------------------------------------


def read_checkpoints(path: str | Path) -> list[Checkpoint]:
    """Checkpoints from a checkpoint file, or from spans exported by `charter monitor
    export` (lines of other spans are skipped). Raises `AuditError` for a bad file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuditError(f"checkpoint file {file} does not exist; check --checkpoint") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read checkpoint file {file}: {exc}") from None
    lines = text.split("\n")
    found: list[Checkpoint] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{file.name}:{number}"
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):  # a last line cut short by a crash while writing it
                _log.warning("ignoring the incomplete last line of %s", file)
                continue
            if _cut_short(line):  # ... and the next checkpoint written on the line after it
                _log.warning("ignoring %s: a checkpoint cut short while it was written", where)
                continue
            raise AuditError(f"{where}: not JSON; expected one checkpoint per line") from None
        checkpoint = _from_doc(doc, where)
        if checkpoint is not None:
            found.append(checkpoint)
    return found


def _cut_short(line: str) -> bool:
    """An object opened and never closed: what a crash leaves of a checkpoint line
    mid-write (its only `}` ends it). A line with a `}` that is not JSON was edited, and
    stays an error."""
    return line.lstrip().startswith("{") and "}" not in line


def _from_doc(doc: Any, where: str) -> Checkpoint | None:
    if not isinstance(doc, dict):
        raise AuditError(f"{where}: expected a JSON object")
    service: str | None = None
    if "attributes" in doc and "span_id" in doc:  # an exported span
        if doc.get("name") != sc.SPAN_AUDIT_CHECKPOINT:
            return None
        attrs = doc["attributes"] if isinstance(doc["attributes"], dict) else {}
        resource = doc.get("resource")
        named = resource.get("service.name") if isinstance(resource, dict) else None
        service = str(doc.get("service") or named or "")
        doc = {
            "head_seq": attrs.get(sc.AUDIT_HEAD_SEQ),
            "head_hash": attrs.get(sc.AUDIT_HEAD_HASH),
            "time": attrs.get(sc.AUDIT_CHECKPOINT_TIME, ""),
            "store": attrs.get(sc.AUDIT_STORE, ""),
        }
    seq, digest = doc.get("head_seq"), doc.get("head_hash")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise AuditError(f"{where}: head_seq must be a whole number >= 0")
    if not isinstance(digest, str) or len(digest) != 64:
        raise AuditError(f"{where}: head_hash must be a 64-character SHA-256 hex digest")
    time_, store = str(doc.get("time", "")), str(doc.get("store", ""))
    return Checkpoint(seq, digest, time_, store, where, service)


_FILE_LINES = "(checkpoint file lines)"


def of_service(checkpoints: Sequence[Checkpoint], service: str | None) -> list[Checkpoint]:
    """The checkpoints that apply to one store: a checkpoint file's all (one store per
    file); of spans, which hold every app's, those `service` emitted, and when it is None
    the only service's (`of_store` then picks among its stores). Raises `AuditError` when
    the choice is missing or cannot apply."""
    found = sorted({_FILE_LINES if c.service is None else c.service for c in checkpoints})
    if service is not None:
        if found == [_FILE_LINES]:
            raise AuditError(
                "--service picks one app's checkpoints from exported spans; these are "
                "checkpoint file lines (one store per file): leave --service out"
            )
        return [c for c in checkpoints if c.service == service]
    if len(found) > 1:
        raise AuditError(
            f"the checkpoints are of {len(found)} services ({', '.join(found)}); name the "
            "one whose store this is with --service (service= in Python)"
        )
    return list(checkpoints)


def of_store(checkpoints: Sequence[Checkpoint], store: str | Engine) -> list[Checkpoint]:
    """One service's spans may hold several stores' checkpoints (two apps of one service
    name, an app with two stores): then only `store`'s apply, matched by the database named
    (`store_identity`), not by spelling. None of them `store`'s: all apply, as when one
    store is named (fail closed: a store renamed in a way no spelling matches is checked
    against every checkpoint rather than none)."""
    own = store_identity(store.url if isinstance(store, Engine) else store)
    named = {store_identity(c.store) for c in checkpoints if c.service is not None}
    if len(named) < 2 or own not in named:
        return list(checkpoints)
    return [c for c in checkpoints if store_identity(c.store) == own]


def services(checkpoints: Sequence[Checkpoint]) -> list[str]:
    """The services that emitted `checkpoints` (spans only), for messages."""
    return sorted({c.service for c in checkpoints if c.service is not None})


@dataclass(frozen=True, slots=True)
class CheckpointFailure:
    checkpoint: Checkpoint
    problem: Literal["truncated", "rolled_back"]
    reason: str
    failing: int
    """How many of the checkpoints the store fails."""


def check(
    conn: Connection, checkpoints: Sequence[Checkpoint], head_seq: int
) -> CheckpointFailure | None:
    """The first checkpoint (in file order) the store fails, given the store's verified
    chain head; None when every checkpoint holds."""
    hashes = _hashes_at(conn, {c.head_seq for c in checkpoints if 0 < c.head_seq <= head_seq})
    hashes[0] = GENESIS_HASH
    failures: list[tuple[Checkpoint, Literal["truncated", "rolled_back"], str]] = []
    for c in checkpoints:
        if c.head_seq > head_seq:
            gone = c.head_seq - head_seq
            failures.append(
                (
                    c,
                    "truncated",
                    f"{c.describe()} saw {c.head_seq} records; the store holds {head_seq}: "
                    f"the last {gone} record{'s' if gone != 1 else ''} were deleted, or the "
                    "database was restored from an older copy",
                )
            )
        elif hashes.get(c.head_seq) != c.head_hash:
            failures.append(
                (
                    c,
                    "rolled_back",
                    f"{c.describe()} saw record {c.head_seq} with hash {c.head_hash[:16]}…; "
                    f"the store's record {c.head_seq} has hash "
                    f"{str(hashes.get(c.head_seq, '?'))[:16]}…: the log was rolled back and "
                    "rewritten, or this checkpoint belongs to another store",
                )
            )
    if not failures:
        return None
    first, problem, reason = failures[0]
    return CheckpointFailure(first, problem, reason, len(failures))


def _hashes_at(conn: Connection, seqs: Iterable[int]) -> dict[int, str]:
    wanted = sorted(seqs)
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        rows = conn.execute(select(LOG.c.seq, LOG.c.hash).where(LOG.c.seq.in_(chunk)))
        found.update({int(seq): str(digest) for seq, digest in rows})
    return found


def default_checkpoint_file(store: str | Engine) -> Path | None:
    """`<database file>.checkpoints.jsonl` for a SQLite file store, else None."""
    url = store.url if isinstance(store, Engine) else make_url(store) if "://" in store else None
    file = sqlite_file(url) if url is not None else None
    return Path(file + ".checkpoints.jsonl") if file else None
