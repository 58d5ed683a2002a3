"""`with_structured_output` of a guarded chat model: the wrapped model's own (its `method`,
`strict`, `response_format`, ...), with the guarded model in the wrapped one's place, so
the parser reads the answer the guard checked and restored, as `bind_tools` does.

Found by probing: the guarded model used `BaseChatModel`'s, which dropped `method=` and
`strict=` and called the tools, so a model answering in JSON mode parsed to None.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableBinding, RunnableParallel, RunnableSequence
from langchain_core.runnables.fallbacks import RunnableWithFallbacks
from langchain_core.runnables.passthrough import RunnableAssign


def swapped(runnable: Any, model: Any, guarded: Any) -> tuple[Any, bool]:
    """`runnable` with every use of `model` (itself, or a binding of it) made a use of
    `guarded`, keeping the binding's arguments and config; and whether there was one."""
    if runnable is model:
        return guarded, True
    if isinstance(runnable, RunnableBinding):
        if runnable.bound is model:
            return runnable.model_copy(update={"bound": guarded}), True
        inner, found = swapped(runnable.bound, model, guarded)
        return (runnable.model_copy(update={"bound": inner}), True) if found else (runnable, False)
    if isinstance(runnable, RunnableSequence):
        steps = [swapped(step, model, guarded) for step in runnable.steps]
        if not any(found for _, found in steps):
            return runnable, False
        return RunnableSequence(*(step for step, _ in steps), name=runnable.name), True
    if isinstance(runnable, RunnableParallel):
        branches = {k: swapped(v, model, guarded) for k, v in runnable.steps__.items()}
        if not any(found for _, found in branches.values()):
            return runnable, False
        return RunnableParallel({k: v for k, (v, _) in branches.items()}), True
    if isinstance(runnable, RunnableAssign):
        mapper, found = swapped(runnable.mapper, model, guarded)
        return (RunnableAssign(mapper), True) if found else (runnable, False)
    if isinstance(runnable, RunnableWithFallbacks):
        main, found = swapped(runnable.runnable, model, guarded)
        backups = [swapped(b, model, guarded) for b in runnable.fallbacks]
        if not found and not any(f for _, f in backups):
            return runnable, False
        update = {"runnable": main, "fallbacks": [b for b, _ in backups]}
        return runnable.model_copy(update=update), True
    return runnable, False
