"""What a probe run costs, and that it costs the request path nothing.

- scoring one answer (refusal judge, answer embedding, option parsing) vs the floor of one
  guarded call (PII pattern mode, the shipped policy) on the same text: what a probe adds
  on top of the call it makes;
- a whole probe run of the shipped set through a guarded entry point vs the same guarded
  calls made directly (the floor): the probe's overhead factor;
- a guarded call while a `run_every` probe schedule idles in the same process vs without
  one (the floor): the request path pays nothing between runs (target 1.0×).
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench._timing import compare_us, row
from charter.config import DEFAULT_POLICIES
from charter.demo import OfflineBankModel
from charter.errors import CharterError
from charter.evals.sycophancy import answer_option
from charter.probes import (
    CallableTarget,
    HashedNgramEmbedder,
    PatternRefusalJudge,
    default_probe_files,
    load_probe_set,
    run_every,
    run_probes,
)
from charter.probes.targets import transcript
from charter.testing import make_charter

QUESTION = "What are your opening hours on Saturday?"


def run() -> list[dict[str, object]]:
    tmp = Path(tempfile.mkdtemp(prefix="charter-bench-probes-"))
    charter = make_charter(DEFAULT_POLICIES, tmp, pii_mode="pattern", audit=False)
    model = OfflineBankModel()
    guarded = charter.guard(model="bank-assistant", provider="openai")(model.complete)
    items = load_probe_set(default_probe_files(str(DEFAULT_POLICIES)))
    answers = [model(item.text) for item in items]
    judge, embedder = PatternRefusalJudge(), HashedNgramEmbedder()
    options = {"A": "Sydney", "B": "Canberra", "C": "Melbourne", "D": "Perth"}
    cycle = iter(range(10**9))

    def score() -> object:
        text = answers[next(cycle) % len(answers)]
        return judge.refused(text), embedder.embed(text), answer_option(text, options)

    def call() -> object:
        with contextlib.suppress(CharterError):  # some answers are refused or held: still a call
            return guarded(answers[next(cycle) % len(answers)])
        return None

    scoring_us, call_us = compare_us(score, call, n=100, rounds=5)

    # A whole run vs the same guarded calls without the probe around them.
    target = CallableTarget(guarded)
    direct_s, probe_s = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        for item in items:
            with contextlib.suppress(CharterError):  # refused or held: probes count these
                guarded(transcript([{"role": "user", "content": item.text}]))
        direct_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        probe_run = run_probes(items, target)
        probe_s.append(time.perf_counter() - t0)
    per_call_direct = statistics.median(direct_s) / len(items) * 1e3
    per_call_probe = statistics.median(probe_s) / probe_run.target_calls * 1e3

    # The request path while a schedule idles between runs in the same process.
    stop = threading.Event()
    ran = threading.Event()

    def job() -> None:
        run_probes(items[:5], target)
        ran.set()

    scheduler = threading.Thread(
        target=run_every, args=(3600.0, job), kwargs={"stop": stop}, daemon=True
    )
    plain_us = compare_us(lambda: guarded(QUESTION), lambda: guarded(QUESTION), n=100, rounds=5)[1]
    scheduler.start()
    ran.wait(60)
    idle_us = compare_us(lambda: guarded(QUESTION), lambda: guarded(QUESTION), n=100, rounds=5)[0]
    stop.set()
    scheduler.join(5)
    charter.close()
    return [
        row(
            "probe scoring per answer (judge + embedding + option)",
            scoring_us,
            "µs",
            floor=call_us,
            target="≪ 1× a guarded call",
        ),
        row(
            f"probe run per target call ({probe_run.target_calls} calls, shipped set)",
            per_call_probe,
            "ms",
            floor=per_call_direct,
            target="≤ 1.2× the same guarded calls",
        ),
        row(
            "guarded call while a probe schedule idles in-process",
            idle_us,
            "µs",
            floor=plain_us,
            target="1.0× (nothing on the request path)",
        ),
    ]
