"""Scheduled model probes: ask the live model a fixed probe set (red-team, benign,
over-caution, sycophancy pairs) and catch a model that changed under the same name.

    from charter.probes import load_probe_set, load_target, probe_once

    outcome = probe_once(load_probe_set(["policies/evals/sycophancy.jsonl"]),
                         load_target("myapp.chat:answer"))
    print(outcome.run.metrics.flip_rate, outcome.changes)

`charter probe --once` / `--every 6h` is the command line. Probes run in their own process
(or thread), never on a request's path: nothing in the guard imports this package.
"""

from __future__ import annotations

from charter.probes.history import ProbeHistory, StoredRun
from charter.probes.items import (
    PROBE_FILES,
    ProbeItem,
    ProbeKind,
    default_probe_files,
    load_probe_set,
    probe_items,
)
from charter.probes.judge import PatternRefusalJudge, RefusalClassifier, RefusedBy
from charter.probes.render import render_outcome, render_suites
from charter.probes.results import ItemAnswer, ProbeRun, RunMetrics, SuiteSummary
from charter.probes.runner import expected_calls, run_probes
from charter.probes.session import ProbeOutcome, probe_once, run_every
from charter.probes.similarity import AnswerEmbedder, HashedNgramEmbedder, distance
from charter.probes.targets import (
    CallableTarget,
    Message,
    OpenAICompatibleTarget,
    Reply,
    Target,
    load_target,
)
from charter.probes.telemetry import ProbeTelemetry
from charter.probes.verdicts import (
    Change,
    ChangeSeverity,
    ProbeThresholds,
    compare,
    failures,
    ranked,
    thresholds_from,
    unfit_baseline,
    worst,
)

__all__ = [
    "PROBE_FILES",
    "AnswerEmbedder",
    "CallableTarget",
    "Change",
    "ChangeSeverity",
    "HashedNgramEmbedder",
    "ItemAnswer",
    "Message",
    "OpenAICompatibleTarget",
    "PatternRefusalJudge",
    "ProbeHistory",
    "ProbeItem",
    "ProbeKind",
    "ProbeOutcome",
    "ProbeRun",
    "ProbeTelemetry",
    "ProbeThresholds",
    "RefusalClassifier",
    "RefusedBy",
    "Reply",
    "RunMetrics",
    "StoredRun",
    "SuiteSummary",
    "Target",
    "compare",
    "default_probe_files",
    "distance",
    "expected_calls",
    "failures",
    "load_probe_set",
    "load_target",
    "probe_items",
    "probe_once",
    "ranked",
    "render_outcome",
    "render_suites",
    "run_every",
    "run_probes",
    "thresholds_from",
    "unfit_baseline",
    "worst",
]
