"""One probe run end to end, and the schedule that repeats it.

`probe_once`: read the baseline of (target, model) from the history, ask every probe inside
a `charter.probe` span, compare with the baseline, store the run (the first one whose every
call succeeded becomes the baseline), put the results on the span. `run_every`: call a job
every interval, each run on time or as soon as the previous one ended, never two at once; a
failed run is reported and the next one still happens.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from charter._bounds import ONE_YEAR_S
from charter.errors import CharterError
from charter.probes.history import ProbeHistory, StoredRun
from charter.probes.items import ProbeItem
from charter.probes.judge import RefusalClassifier
from charter.probes.results import UNKNOWN_VERSION, ProbeRun
from charter.probes.runner import run_probes
from charter.probes.similarity import AnswerEmbedder, HashedNgramEmbedder
from charter.probes.targets import Target
from charter.probes.telemetry import ProbeTelemetry
from charter.probes.verdicts import (
    Change,
    ProbeThresholds,
    compare,
    failures,
    ranked,
    unfit_baseline,
)

log = logging.getLogger("charter.probes")

MAX_INTERVAL_S = ONE_YEAR_S
"""The longest schedule: a year. `--every 200000d` ran once, then failed with OverflowError
(a wait longer than `threading.TIMEOUT_MAX`)."""


@dataclass(frozen=True)
class ProbeOutcome:
    run: ProbeRun
    changes: tuple[Change, ...]
    is_baseline: bool
    baseline: StoredRun | None
    not_baseline: str | None = None
    """Why this run did not become the baseline it was to be (the first, or pinned)."""


def probe_once(
    items: Sequence[ProbeItem],
    target: Target,
    *,
    history: ProbeHistory | None = None,
    telemetry: ProbeTelemetry | None = None,
    judge: RefusalClassifier | None = None,
    embedder: AnswerEmbedder | None = None,
    thresholds: ProbeThresholds | None = None,
    pin: bool = False,
) -> ProbeOutcome:
    embedder = embedder or HashedNgramEmbedder()
    baseline = history.baseline(target.name, target.model or UNKNOWN_VERSION) if history else None
    vectors = None
    if history is not None and baseline is not None and baseline.embedder == embedder.name:
        vectors = history.vectors(baseline.run_id)
    span_cm = (
        telemetry.run_span(target.name, target.model)
        if telemetry is not None
        else contextlib.nullcontext()
    )
    with span_cm as span:
        run = run_probes(
            items,
            target,
            judge=judge,
            embedder=embedder,
            baseline=vectors,
            baseline_run_id=baseline.run_id if baseline else None,
            baseline_version=baseline.model_version if baseline else None,
        )
        compared = (
            compare(
                run.metrics,
                baseline.metrics,
                version=run.model_version,
                baseline_version=baseline.model_version,
                thresholds=thresholds,
            )
            if baseline is not None
            else ()
        )
        probes = len(run.answers)
        failed = failures(run.metrics, probes, (a.error for a in run.answers if a.error))
        changes = ranked(failed + compared)
        unfit = unfit_baseline(run.metrics, probes, pinned=pin)
        is_baseline = history.save(run, changes, pin=pin) if history else unfit is None
        wanted = pin or baseline is None
        if telemetry is not None and span is not None:
            telemetry.record(
                span,
                run,
                changes,
                is_baseline=is_baseline,
                baseline=baseline.metrics if baseline else None,
            )
    return ProbeOutcome(
        run, changes, is_baseline, baseline, unfit if wanted and not is_baseline else None
    )


def run_every(
    interval_s: float,
    job: Callable[[], object],
    *,
    stop: threading.Event | None = None,
    max_runs: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run `job` now and then every `interval_s` until `stop` is set (or `max_runs` ran).
    A run that overran its slot is followed at once by the next, never by a burst of the
    missed ones. Returns how many runs were made."""
    if not 0 < interval_s <= MAX_INTERVAL_S:
        raise CharterError(
            f"the probe interval must be positive and at most {MAX_INTERVAL_S:.0f}s (a year); "
            f"got {interval_s}s"
        )
    stop = stop or threading.Event()
    runs = 0
    due = clock()
    while not stop.is_set():
        try:
            job()
        except CharterError as exc:  # a dead model or store: report, try again next time
            log.error("probe run failed: %s", exc)
        runs += 1
        if max_runs is not None and runs >= max_runs:
            break
        due += interval_s
        now = clock()
        if due < now:  # overran: skip the missed slots
            due = now
        stop.wait(due - now)
    return runs
