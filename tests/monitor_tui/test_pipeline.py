"""Sampling, the bounded drop-oldest buffer, the writer thread and the bounded store."""

from __future__ import annotations

import io
import json
import math
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest
from monitor_tui.ingest.buffer import SpanBuffer
from monitor_tui.ingest.jsonl import read_jsonl
from monitor_tui.ingest.pipeline import IngestPipeline
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.sampling import Sampler, must_keep
from monitor_tui.ingest.store import SpanStore

from charter import semconv
from charter.errors import ConfigurationError, StoreError
from tests.monitor_tui.factories import NOW, NOW_NS, call_span, clock, traffic


def spans(n: int, action: str = "allow", start: int = 0) -> list[SpanRecord]:
    return [call_span(start + i, end_ns=NOW_NS - i, action=action) for i in range(n)]


# --- sampling --------------------------------------------------------------------------


def test_deny_and_approval_spans_are_always_kept() -> None:
    sampler = Sampler(0.0)
    kept = sampler.select(
        spans(50, "deny") + spans(50, "require_approval", 50) + spans(50, "allow", 100)
    )
    assert len(kept) == 100
    assert {s.action for s in kept} == {"deny", "require_approval"}
    approval_child = replace(
        spans(1, start=500)[0], name=semconv.SPAN_APPROVAL, attributes={semconv.APPROVAL_ID: "a"}
    )
    assert must_keep(approval_child)
    assert sampler.select([approval_child]) == [approval_child]


def test_the_rest_is_sampled_at_the_rate_with_weights() -> None:
    allowed = traffic(4000, seed=3, deny_rate=0.0)
    kept = Sampler(0.25).select(allowed)
    assert 850 < len(kept) < 1150  # 25% of 4000, by trace id
    assert {s.weight for s in kept} == {4.0}
    assert Sampler(0.25).select(allowed) == kept  # deterministic: same trace ids, same choice


def test_a_trace_with_a_deny_keeps_all_its_spans() -> None:
    deny = call_span(1, end_ns=NOW_NS, action="deny", trace_id="f" * 32)
    child = replace(
        call_span(2, end_ns=NOW_NS, trace_id="f" * 32), name=semconv.SPAN_POLICY, attributes={}
    )
    assert Sampler(0.0).select([child, deny]) == [child, deny]


def test_sampling_takes_an_action_that_is_not_text_as_no_action() -> None:
    """Found by probing: a list action raised TypeError in sampling, losing its request."""
    odd = [replace(s, attributes={**s.attributes, semconv.ACTION: ["deny"]}) for s in spans(3)]
    assert not any(must_keep(s) for s in odd)
    assert Sampler(0.0).select(odd) == []


def test_sample_rate_must_be_a_share() -> None:
    with pytest.raises(ConfigurationError, match=r"between 0\.0 and 1\.0"):
        Sampler(1.5)


# --- buffer ----------------------------------------------------------------------------


def test_full_buffer_drops_the_oldest_and_counts_them() -> None:
    buffer: SpanBuffer[SpanRecord] = SpanBuffer(capacity=4)
    assert buffer.put_many(spans(3)) == 0
    assert buffer.put_many(spans(3, start=3)) == 2
    assert buffer.dropped == 2
    assert [s.span_id for s in buffer.take(10)] == [f"{i + 1:016x}" for i in (2, 3, 4, 5)]


def test_put_back_keeps_order_and_counts_what_no_longer_fits() -> None:
    buffer: SpanBuffer[SpanRecord] = SpanBuffer(capacity=3)
    buffer.put_many(spans(1, start=10))
    lost = buffer.put_back(spans(3))
    assert lost == 1 and buffer.dropped == 1
    assert [s.span_id for s in buffer.take(10)] == [f"{i + 1:016x}" for i in (1, 2, 10)]


def test_a_full_buffer_refuses_the_request_instead_of_dropping_accepted_spans(
    store: SpanStore,
) -> None:
    pipeline = IngestPipeline(store, buffer_capacity=10)
    first = pipeline.submit(spans(8))  # writer not started: they wait in the buffer
    assert first == 8
    assert pipeline.submit(spans(5, start=8)) is None  # no room: "retry later"
    stats = pipeline.stats()
    assert (stats.received, stats.dropped, stats.buffered, stats.stored) == (8, 0, 8, 0)
    assert stats.saturated_requests == 1
    pipeline.start()
    assert pipeline.wait_stored(first, timeout=10)
    assert pipeline.submit(spans(5, start=8)) is not None  # room again: accepted
    assert pipeline.flush()
    pipeline.stop()
    assert {s.span_id for s in store.iter_spans()} == {f"{i + 1:016x}" for i in range(13)}


def test_writer_retries_after_a_store_error(tmp_path: Path) -> None:
    store = SpanStore(str(tmp_path / "spans.db"), clock=clock)
    pipeline = IngestPipeline(store)
    store._db.execute("ALTER TABLE spans RENAME TO spans_gone")  # break writes
    pipeline.submit(spans(5))
    assert pipeline._write_once(timeout=None) is False
    assert pipeline.stats().store_errors == 1
    assert pipeline.stats().buffered == 5  # kept for the retry, not lost
    store._db.execute("ALTER TABLE spans_gone RENAME TO spans")
    pipeline.start()
    assert pipeline.flush()
    pipeline.stop()
    assert store.count() == 5


def test_a_full_disk_is_the_error_reported(tmp_path: Path) -> None:
    """Found by probing: SQLite rolls a transaction back itself when the disk fills (here a
    one-row INSERT, which has no statement journal), and the store's own ROLLBACK then
    raised "no transaction is active": the writer's retry log showed that, not the disk."""
    store = SpanStore(str(tmp_path / "spans.db"), clock=clock)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # as a full disk answers
    with pytest.raises(StoreError) as err:
        for i in range(1000):  # until the file's pages are full
            store.insert(spans(1, start=i))
    assert "database or disk is full" in str(err.value)
    stored = store.count()
    store._db.execute("PRAGMA max_page_count = 1073741823")  # space again
    store.insert(spans(5, start=2000))
    assert store.count() == stored + 5
    store.close()


# --- store -----------------------------------------------------------------------------


def test_store_keeps_at_most_max_spans(tmp_path: Path) -> None:
    store = SpanStore(str(tmp_path / "s.db"), max_spans=100, clock=clock)
    for start in range(0, 1000, 50):
        store.insert(spans(50, start=start))
    assert store.count() == 100
    newest = {s.span_id for s in store.iter_spans()}
    assert newest == {f"{i + 1:016x}" for i in range(900, 1000)}


def test_retention_deletes_old_spans() -> None:
    now = [NOW]
    store = SpanStore(":memory:", retention_s=3600, clock=lambda: now[0])
    old = [call_span(i, end_ns=NOW_NS - 7200 * 10**9) for i in range(3)]
    fresh = [call_span(10 + i, end_ns=NOW_NS - 60 * 10**9) for i in range(2)]
    store.insert(old + fresh)
    assert {s.span_id for s in store.iter_spans()} == {f.span_id for f in fresh}
    now[0] += 3600  # the fresh spans are now 61 minutes old
    assert store.apply_retention() == 2
    assert store.count() == 0
    store.insert([call_span(20, end_ns=int(now[0] * 1e9))])
    assert store.count() == 1


def test_retention_goes_on_after_the_wall_clock_steps_back() -> None:
    """Found by probing: retention ran at most once a second by the wall clock, so after
    the clock was stepped back a day (NTP fixing a clock that booted ahead) it did not run
    for a day while spans kept coming. The once-a-second check is now on a monotonic
    clock; the cutoff still follows the (corrected) wall clock."""
    now = [NOW + 86_400]
    store = SpanStore(":memory:", retention_s=3600, clock=lambda: now[0])
    store.insert([call_span(0, end_ns=int(now[0] * 1e9))])  # retention ran, a day ahead
    now[0] = NOW  # stepped back to the right time
    stale = call_span(1, end_ns=NOW_NS - 7200 * 10**9)  # older than the retention
    store.insert([stale])
    time.sleep(1.05)  # past the once-a-second throttle (monotonic)
    store.insert([call_span(2, end_ns=NOW_NS)])
    assert stale.span_id not in {s.span_id for s in store.iter_spans()}  # before: kept


def test_jsonl_export_round_trips(store: SpanStore) -> None:
    original = traffic(20, seed=5, end_s=NOW)
    store.insert(original)
    out = io.StringIO()
    assert store.export_jsonl(out) == 20
    lines = out.getvalue().splitlines()
    assert json.loads(lines[0])["trace_id"] == original[0].trace_id
    assert read_jsonl(lines) == original


def strict_json(text: str) -> object:
    def refuse(token: str) -> object:
        raise AssertionError(f"{token} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_are_stored_and_exported_as_text(store: SpanStore) -> None:
    """Found by probing: `charter monitor export` wrote bare NaN tokens (invalid JSON)."""
    odd = call_span(1, end_ns=NOW_NS - 10**9)
    store.insert([replace(odd, attributes={**odd.attributes, semconv.CALL_MS: math.nan})])
    out = io.StringIO()
    assert store.export_jsonl(out) == 1
    line = strict_json(out.getvalue())
    assert isinstance(line, dict) and line["attributes"][semconv.CALL_MS] == "NaN"


def test_export_time_range(store: SpanStore) -> None:
    store.insert(traffic(10, seed=1, end_s=NOW, spacing_s=60))
    out = io.StringIO()
    assert store.export_jsonl(out, since_ns=NOW_NS - 4 * 60 * 10**9, until_ns=NOW_NS) == 4


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "x.jsonl:2: not JSON"),
        ('{"trace_id": "abc"}', "x.jsonl:2: not a span: trace_id"),
        ("[1, 2]", "x.jsonl:2: not a span"),
    ],
)
def test_bad_jsonl_names_the_line(line: str, problem: str) -> None:
    good = json.dumps(call_span(1, end_ns=NOW_NS).to_json_dict())
    with pytest.raises(ConfigurationError) as err:
        read_jsonl([good, line], source="x.jsonl")
    assert str(err.value).startswith(problem)
    assert "charter monitor export" in str(err.value)


def test_window_summary_and_rule_counts(store: SpanStore) -> None:
    store.insert(
        [
            call_span(
                1, end_ns=NOW_NS - 10**9, action="deny", rules=["topics.forbidden"], call_ms=100
            ),
            call_span(2, end_ns=NOW_NS - 2 * 10**9, action="allow", call_ms=300),
            call_span(
                3,
                end_ns=NOW_NS - 3 * 10**9,
                action="redact",
                rules=["privacy.pii_external"],
                call_ms=200,
                revision="rev-b",
            ),
            call_span(4, end_ns=NOW_NS - 900 * 10**9, action="deny", rules=["topics.forbidden"]),
        ]
    )
    summary = store.window_summary(NOW_NS - 60 * 10**9, NOW_NS + 1, buckets=6)
    assert summary.actions == {"deny": 1.0, "allow": 1.0, "redact": 1.0}
    assert summary.latencies_ms == (100.0, 200.0, 300.0)
    assert dict(summary.top_rules) == {"topics.forbidden": 1.0, "privacy.pii_external": 1.0}
    assert summary.timeline[-1] == 3.0 and sum(summary.timeline) == 3.0
    counts = {(c.revision, c.rule): c.count for c in store.rule_counts()}
    assert counts == {
        ("rev-a", "topics.forbidden"): 2.0,
        ("rev-b", "privacy.pii_external"): 1.0,
    }
    assert store.revisions() == ["rev-a", "rev-b"]


@pytest.mark.parametrize("recorded", ["12.5ms", [12.5], math.inf, -5.0])
def test_a_call_duration_that_is_no_number_is_ignored_by_the_summary(
    store: SpanStore, recorded: object
) -> None:
    """Found by probing: one span with `charter.call_ms` "12.5ms", a list or NaN stopped the
    Live screen loading (float() raised, or SQLite's JSON functions failed on NaN)."""
    odd = call_span(1, end_ns=NOW_NS - 10**9, call_ms=40)
    odd = replace(odd, attributes={**odd.attributes, semconv.CALL_MS: recorded})
    store.insert([odd, call_span(2, end_ns=NOW_NS - 2 * 10**9, call_ms=100)])
    summary = store.window_summary(NOW_NS - 60 * 10**9, NOW_NS + 1)
    assert summary.latencies_ms == (40.0, 100.0)  # the odd span's own duration: 40 ms
    assert summary.actions == {"allow": 2.0}


def test_a_span_that_starts_after_it_ends_has_no_negative_latency(store: SpanStore) -> None:
    """Found by probing: a span whose start was an hour after its end (the sender's clock
    stepped back mid-span) showed a latency of -3600000 ms on the Live screen, where
    `SpanRecord.duration_ms` said 0."""
    backwards = call_span(1, end_ns=NOW_NS - 10**9)
    backwards = replace(
        backwards,
        start_ns=backwards.end_ns + 3600 * 10**9,
        attributes={k: v for k, v in backwards.attributes.items() if k != semconv.CALL_MS},
    )
    store.insert([backwards, call_span(2, end_ns=NOW_NS - 2 * 10**9, call_ms=50)])
    summary = store.window_summary(NOW_NS - 60 * 10**9, NOW_NS + 1)
    assert summary.latencies_ms == (backwards.call_ms, 50.0) == (0.0, 50.0)


def test_the_summary_reads_a_store_holding_nan_from_before(tmp_path: Path) -> None:
    """Spans stored by a console that still wrote NaN into the attributes JSON."""
    path = str(tmp_path / "spans.db")
    store = SpanStore(path, clock=clock)
    store.insert([call_span(1, end_ns=NOW_NS - 10**9), call_span(2, end_ns=NOW_NS - 10**9)])
    with sqlite3.connect(path) as db:
        db.execute(f"""UPDATE spans SET attributes = '{{"{semconv.CALL_MS}":NaN}}' WHERE id = 1""")
    summary = store.window_summary(NOW_NS - 60 * 10**9, NOW_NS + 1)
    assert summary.latencies_ms == (300.0, 300.0)
    out = io.StringIO()
    assert store.export_jsonl(out) == 2
    assert [strict_json(line) for line in out.getvalue().splitlines()]
    store.close()


def test_store_location_forms(tmp_path: Path) -> None:
    SpanStore(f"sqlite:///{tmp_path}/a/b.db").close()
    assert (tmp_path / "a" / "b.db").is_file()
    with pytest.raises(ConfigurationError, match="file path or sqlite"):
        SpanStore("postgresql://localhost/x")


def test_unwritable_store_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises((StoreError, OSError)):
        SpanStore(str(blocker / "spans.db"))


def test_a_store_of_another_layout_is_refused_with_what_to_do(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE spans (id INTEGER PRIMARY KEY, trace_id TEXT)")
    with pytest.raises(StoreError) as err:
        SpanStore(str(path))
    assert "layout version 0" in str(err.value) and "--spans" in str(err.value)
    SpanStore(str(tmp_path / "new.db")).close()
    SpanStore(str(tmp_path / "new.db")).close()  # reopening its own layout is fine


def test_large_batches_are_stored_whole_and_in_order(store: SpanStore) -> None:
    from monitor_tui.ingest.store import _chunks

    assert [len(c) for c in _chunks([(i,) for i in range(3000)])] == [
        1024,
        1024,
        512,
        256,
        128,
        32,
        16,
        8,
    ]
    batch = traffic(3000, seed=9, end_s=NOW, spacing_s=0.01)
    store.insert(batch)
    assert [s.span_id for s in store.iter_spans()] == [s.span_id for s in batch]
