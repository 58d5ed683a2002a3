"""Offline evals: run a labelled corpus through the guard (no model call) and report
detection, false refusals, misses and rule hits. `charter eval run` is the CLI.

    from charter.evals import eval_charter, load_corpus, run_eval

    report = run_eval(load_corpus(["policies/evals"]), eval_charter())
    print(report.detection_rate, report.false_refusal_rate)
"""

from __future__ import annotations

from collections.abc import Iterable

from charter.evals.corpus import EvalItem, Label, corpus_files, load_corpus
from charter.evals.render import render_text
from charter.evals.report import EvalReport, summarize
from charter.evals.revise import ReviseEvalReport, render_revise, run_revise_eval
from charter.evals.revise_cases import ReviseCase, load_revise_cases
from charter.evals.runner import Checker, ItemResult, Outcome, eval_charter, run_items
from charter.evals.splits import SliceStats, trained_families

__all__ = [
    "Checker",
    "EvalItem",
    "EvalReport",
    "ItemResult",
    "Label",
    "Outcome",
    "ReviseCase",
    "ReviseEvalReport",
    "SliceStats",
    "corpus_files",
    "eval_charter",
    "load_corpus",
    "load_revise_cases",
    "render_revise",
    "render_text",
    "run_eval",
    "run_items",
    "run_revise_eval",
    "summarize",
    "trained_families",
]


def run_eval(
    items: Iterable[EvalItem],
    guard: Checker,
    *,
    provider: str = "openai",
    model: str = "",
    redaction_counts_as_block: bool = False,
) -> EvalReport:
    """Check every item with `guard` (a `Charter`) and summarise the decisions."""
    results = run_items(items, guard, provider=provider, model=model)
    return summarize(
        results,
        policy_revision=guard.engine.revision,
        provider=provider,
        redaction_counts_as_block=redaction_counts_as_block,
        trained_families=trained_families(getattr(guard, "signals", None)),
    )
