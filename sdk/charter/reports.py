"""What a guarded call cost, for the code that made it: how many times the wrapped function
ran and each revision round. A `revise` decision makes the guard call the model again, so
the caller can see (and bill, and test) exactly the extra calls it made.

    with charter.reports() as calls:
        answer = ask("Will my loan be approved?")
    calls[0].calls          # 2: the draft and one revision
    calls[0].revisions[0]   # ReviseRound(round=1, rules=(...), outcome=allow, ...)

The same figures are on the call's span (`charter.revise.*`) and in its decision records
(labels `revise_round`, ...). Reports are collected only inside the block, for calls that
finish there (a stream: when it is exhausted or closed); no text is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from charter.decision import Action


@dataclass(frozen=True)
class ReviseRound:
    """One revision: the model rewrote its answer against the critiques of `rules`."""

    round: int
    rules: tuple[str, ...]
    principles: tuple[str, ...]
    outcome: Action
    """The policy's verdict on the revision: allow/redact (it was returned), revise (another
    round, or a refusal when none is left), deny."""
    latency_ms: float
    """Wall time the round added: building the revision prompt, the model call, the checks."""
    input_tokens: int | None = None
    output_tokens: int | None = None
    """Tokens of the revision's model call, when the answer reported them."""


@dataclass(frozen=True)
class CallReport:
    """One guarded call, once it finished."""

    function: str
    calls: int
    """Times the wrapped function ran: 0 when the input stage refused, 1 for the answer,
    and one more per revision round."""
    revisions: tuple[ReviseRound, ...] = ()
    refused_after_revision: bool = False
    """The rounds were spent (or the prompt could not carry a critique) and the answer was
    refused."""

    @property
    def extra_calls(self) -> int:
        """Calls the revisions added."""
        return len(self.revisions)


_SINK: ContextVar[list[CallReport] | None] = ContextVar("charter_reports", default=None)


@contextlib.contextmanager
def reports() -> Iterator[list[CallReport]]:
    """Collect a `CallReport` for each guarded call that finishes inside the block (across
    await and threads started with the context copied)."""
    sink: list[CallReport] = []
    token = _SINK.set(sink)
    try:
        yield sink
    finally:
        _SINK.reset(token)


def publish(make: Callable[[], CallReport]) -> None:
    """Hand the report `make()` builds to the innermost `reports()` block, if any (built
    only then: most calls run outside one)."""
    sink = _SINK.get()
    if sink is not None:
        sink.append(make())
