"""The one flow of a guarded call and the thin drivers that run it.

- `flow`: the steps in order, as a generator of effects (`effects`);
- `stages`: the operations of one call (`CallRun`): inspect, evaluate, enforce, finish;
- `tool_results`: stage `tool_result` on what a tool returns whole or yields;
- `limits`: what a call can check (size and depth limits, the JSON view of tool data);
- `holds`: holding a call for approval (the bound action, submit, consume);
- `held_calls`: the live arguments of held calls only this process can complete;
- `parts`: the narrow protocols of what the flow is made of (`Parts`), which `Charter`
  builds;
- `drivers`: sync, async, stream, async stream and resume, a loop each.
"""

from __future__ import annotations

from charter.pipeline.drivers import (
    run_async,
    run_async_stream,
    run_resumed,
    run_stream,
    run_sync,
)
from charter.pipeline.flow import check, guarded, resumed
from charter.pipeline.parts import CallSpec, Parts, call_spec, signal_revisions
from charter.pipeline.stages import CallRun, Refused

__all__ = [
    "CallRun",
    "CallSpec",
    "Parts",
    "Refused",
    "call_spec",
    "check",
    "guarded",
    "resumed",
    "run_async",
    "run_async_stream",
    "run_resumed",
    "run_stream",
    "run_sync",
    "signal_revisions",
]
