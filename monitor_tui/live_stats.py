"""Numbers for the Live screen from a window summary of the span store (pure, no UI).

Counts are weighted by each span's sampling weight, so with `--sample-rate 0.1` the rates
still estimate the real traffic; latency percentiles use the kept spans as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from monitor_tui.ingest.pipeline import IngestStats
from monitor_tui.ingest.store import WindowSummary

ACTIONS = ("allow", "redact", "revise", "require_approval", "deny")


@dataclass(frozen=True)
class LiveStats:
    window_s: float
    summary: WindowSummary
    p50_ms: float | None
    p95_ms: float | None
    ingest: IngestStats | None

    @property
    def calls(self) -> float:
        return self.summary.calls

    @property
    def per_minute(self) -> float:
        return self.calls * 60.0 / self.window_s if self.window_s > 0 else 0.0

    def share(self, action: str) -> float:
        return self.summary.actions.get(action, 0.0) / self.calls if self.calls else 0.0


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..1) of already sorted values."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def live_stats(summary: WindowSummary, ingest: IngestStats | None = None) -> LiveStats:
    window_s = (summary.end_ns - summary.start_ns) / 1e9
    return LiveStats(
        window_s=window_s,
        summary=summary,
        p50_ms=percentile(summary.latencies_ms, 0.5),
        p95_ms=percentile(summary.latencies_ms, 0.95),
        ingest=ingest,
    )
