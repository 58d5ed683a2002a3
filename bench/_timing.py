"""Timing helpers shared by the bench modules: interleaved rounds, medians, percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def compare_us(
    subject: Callable[[], object], floor: Callable[[], object], *, n: int = 2000, rounds: int = 7
) -> tuple[float, float]:
    """Interleave subject and floor rounds so machine noise hits both alike."""
    for _ in range(min(n, 200)):
        subject()
        floor()
    return _interleaved(subject, floor, n, rounds, time.perf_counter)


def compare_cpu_us(
    subject: Callable[[], object], floor: Callable[[], object], *, n: int = 400, rounds: int = 7
) -> tuple[float, float]:
    """Like `compare_us`, in process CPU time (every thread's: a background writer's work
    counts), which other processes' load disturbs far less than wall-clock time."""
    return _interleaved(subject, floor, n, rounds, time.process_time)


def _interleaved(
    subject: Callable[[], object],
    floor: Callable[[], object],
    n: int,
    rounds: int,
    clock: Callable[[], float],
) -> tuple[float, float]:
    """Median µs per call of `subject` and of `floor`, `rounds` interleaved rounds of `n`."""
    s_samples, f_samples = [], []
    for _ in range(rounds):
        t0 = clock()
        for _ in range(n):
            floor()
        f_samples.append((clock() - t0) / n * 1e6)
        t0 = clock()
        for _ in range(n):
            subject()
        s_samples.append((clock() - t0) / n * 1e6)
    return statistics.median(s_samples), statistics.median(f_samples)


def percentiles_ms(samples_s: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    ordered = sorted(samples_s)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return p50 * 1e3, p95 * 1e3


def row(
    name: str, value: float, unit: str, *, floor: float | None = None, target: str = ""
) -> dict[str, object]:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "floor": floor,
        "ratio": (value / floor) if floor else None,
        "target": target,
    }
