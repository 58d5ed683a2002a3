"""What a revise round costs, against a plain guarded call measured in the same run.

Zero-latency fake models on the shipped policy (PII pattern mode, no audit, no telemetry),
so the figures are the guard's own work; a real model call adds its latency once more per
round, and the extra model calls are counted, not timed:

- a call whose draft makes an unqualified promise, revised once (2 model calls, 2 output
  checks) vs the same call whose first answer is already fine (the floor);
- the same two as streams (the revision streams through the same window);
- the model calls a revised call made, from `charter.reports()`, vs a plain call's;
- a RAG call with retrieved passages (the grounding score in the policy input) vs the same
  call without passages: what the grounding hook adds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import charter
from bench._timing import compare_us, row
from charter.config import DEFAULT_POLICIES
from charter.testing import make_charter

QUESTION = "Will my personal loan be approved this week?"
DRAFT = (
    "I guarantee your loan will be approved this week. Personal loans are approved after a "
    "credit check, which takes two business days."
)
FIXED = (
    "Approval depends on the credit check. Personal loans are approved after a credit check, "
    "which takes two business days."
)
PASSAGES = [
    "Personal loans are approved after a credit check. The check takes two business days.",
    "Early repayment of a personal loan costs 1 percent of the repaid amount.",
]
ASKED = "must be revised"


def _answer(prompt: str) -> str:
    return FIXED if ASKED in prompt else DRAFT


def run() -> list[dict[str, object]]:
    tmp = Path(tempfile.mkdtemp(prefix="charter-bench-revise-"))
    ch = make_charter(DEFAULT_POLICIES, tmp, pii_mode="pattern", audit=False)
    guard = ch.guard(model="gpt-4o", provider="openai")

    @guard
    def revised(prompt: str) -> str:
        return _answer(prompt)

    @guard
    def plain(prompt: str) -> str:
        return FIXED

    @guard
    def revised_stream(prompt: str) -> Iterator[str]:
        yield from _chunks(_answer(prompt))

    @guard
    def plain_stream(prompt: str) -> Iterator[str]:
        yield from _chunks(FIXED)

    assert revised(QUESTION) == FIXED and plain(QUESTION) == FIXED
    assert "".join(revised_stream(QUESTION)) == "".join(plain_stream(QUESTION)) == FIXED
    calls = _calls(lambda: revised(QUESTION)), _calls(lambda: plain(QUESTION))

    def rag() -> object:
        with charter.context(retrieved=PASSAGES):
            return plain(QUESTION)

    rows = []
    subject, floor = compare_us(lambda: revised(QUESTION), lambda: plain(QUESTION), n=50)
    rows.append(
        row(
            "call revised once (2 model calls, 2 output checks) vs a plain guarded call",
            subject,
            "µs",
            floor=floor,
            target="≈2× (one more output check)",
        )
    )
    subject, floor = compare_us(
        lambda: "".join(revised_stream(QUESTION)), lambda: "".join(plain_stream(QUESTION)), n=100
    )
    rows.append(
        row(
            "stream revised once vs a plain guarded stream",
            subject,
            "µs",
            floor=floor,
            target="≈2×",
        )
    )
    rows.append(
        row(
            "model calls of a revised call (charter.reports) vs a plain call",
            float(calls[0]),
            "calls",
            floor=float(calls[1]),
            target="1 + rounds",
        )
    )
    subject, floor = compare_us(rag, lambda: plain(QUESTION), n=50)
    rows.append(
        row(
            "call with retrieved passages (grounding scored) vs without",
            subject,
            "µs",
            floor=floor,
            target="≤1.1×",
        )
    )
    ch.close()
    return rows


def _chunks(text: str, size: int = 8) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def _calls(call: Callable[[], object]) -> int:
    with charter.reports() as reports:
        call()
    return reports[0].calls


if __name__ == "__main__":  # pragma: no cover
    for r in run():
        print(r)
