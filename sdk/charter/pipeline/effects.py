"""What the flow asks its driver to do. The flow is a generator that yields these and is
sent the outcome; a driver is the loop that performs them: calling where the sync driver
calls and awaiting where the async one awaits. Nothing else differs between the modes."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Invoke:
    """Call the wrapped function; send back its result (for a stream: the iterator)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AwaitApproval:
    """Wait for a reviewer's decision on `request_id`; send back the request as it stands."""

    request_id: str
    timeout_s: float


@dataclass(frozen=True, slots=True)
class Pull:
    """Take the next chunk from the stream `source`; send back `END` when it is exhausted."""

    source: Any


@dataclass(frozen=True, slots=True)
class Emit:
    """Hand `value` to the caller of a stream (only text that passed every check)."""

    value: Any


class _End:
    def __repr__(self) -> str:
        return "END"


END = _End()
"""Sent back for `Pull` when the stream has no more chunks."""

Effect = Invoke | AwaitApproval | Pull | Emit


def timed(took_ms: Callable[[float], None], effect: Invoke | Pull) -> Generator[Effect, Any, Any]:
    """Perform `effect` and pass its time to `took_ms`, whether it returned or raised: the
    model's time (`charter.call_ms`) is what its calls and a stream's pulls took (a stream's
    reader holding a chunk is not the model), and a model that timed out spent it too."""
    started = time.perf_counter()
    try:
        return (yield effect)
    finally:
        took_ms((time.perf_counter() - started) * 1e3)
