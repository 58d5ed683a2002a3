"""What every screen of the console reads from: the stores, the receiver, who is deciding,
and the settings. One object, handed to `ConsoleApp`, so screens stay free of wiring."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from charter.probes import ProbeThresholds
from monitor_tui.drift import DriftConfig
from monitor_tui.drift_features import Window
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from monitor_tui.policies import PolicyCatalog

if TYPE_CHECKING:
    from charter.approvals import ApprovalQueue


@dataclass
class ConsoleContext:
    store: SpanStore
    receiver: Receiver | None = None
    queue: ApprovalQueue | None = None
    reviewer: str | None = None
    """Who approves/rejects from this console; None keeps the inbox read-only."""
    policies_source: str | None = None
    """Bundle to read rule metadata from (directory, .tar.gz or URL), loaded on demand."""
    catalog: PolicyCatalog | None = None
    clock: Callable[[], float] = time.time
    refresh_s: float = 1.0
    live_window_s: float = 300.0
    stream_rows: int = 200
    drift_window_s: float = 900.0
    drift_baseline_windows: int = 4
    drift_refresh_s: float = 10.0
    drift_max_spans: int = 50_000
    drift_config: DriftConfig = field(default_factory=DriftConfig)
    drift_baseline: Window | None = None
    """A baseline given from outside (the demo's seeded traffic), set at any time: the Drift
    screen compares against it until the operator pins another (`p`) or goes trailing (`t`),
    and its current window starts after it."""
    probe_thresholds: ProbeThresholds = field(default_factory=ProbeThresholds)
    probe_runs: int = 500
    """Newest probe runs the Probes screen reads."""

    def now_ns(self) -> int:
        return int(self.clock() * 1e9)


class HasContext(Protocol):
    context: ConsoleContext
