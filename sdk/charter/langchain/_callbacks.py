"""The config a wrapped runnable is called with.

Its runs nest under the guarded run, so tracers still see what the model was sent (the
redacted prompt). Streaming handlers are left out: `astream_events`, `astream_log` and
LangGraph's "messages" stream would otherwise receive the wrapped model's raw tokens,
including text that the output checks withhold a moment later.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManager,
    BaseCallbackManager,
    CallbackManager,
    Callbacks,
)
from langchain_core.callbacks.manager import AsyncRunManager
from langchain_core.runnables import RunnableConfig, ensure_config, patch_config

try:  # private in langchain-core; both are what its own streaming machinery checks for
    from langchain_core.tracers._streaming import (
        _StreamingCallbackHandler,
        _V2StreamingCallbackHandler,
    )

    _STREAMING: tuple[type, ...] = (_StreamingCallbackHandler, _V2StreamingCallbackHandler)
except ImportError:  # pragma: no cover - older langchain-core: duck-type on the hook names
    _STREAMING = ()


def inner_config(run_manager: Any = None, config: RunnableConfig | None = None) -> RunnableConfig:
    """Config for the wrapped runnable: the caller's config, child callbacks of our run
    (or the ambient ones when there is no run), minus streaming handlers."""
    base = ensure_config(config)
    callbacks = child_manager(run_manager) if run_manager is not None else base.get("callbacks")
    return patch_config(base, callbacks=without_streaming(callbacks))


def child_manager(run_manager: Any) -> BaseCallbackManager:
    """Callbacks for runs nested under `run_manager`'s run. Chain and tool runs have
    `get_child()`; a chat model run (a leaf in LangChain) gets the same thing built here."""
    get_child = getattr(run_manager, "get_child", None)
    if get_child is not None:
        child: BaseCallbackManager = get_child()
        return child
    manager_type = (
        AsyncCallbackManager if isinstance(run_manager, AsyncRunManager) else CallbackManager
    )
    manager = manager_type(handlers=[], parent_run_id=run_manager.run_id)
    manager.set_handlers(run_manager.inheritable_handlers)
    manager.add_tags(run_manager.inheritable_tags)
    manager.add_metadata(run_manager.inheritable_metadata)
    return manager


def without_streaming(callbacks: Callbacks) -> BaseCallbackManager:
    """`callbacks` without the handlers that forward tokens or events as they happen. Always
    a manager, even an empty one: that stops inheritance from the ambient config."""
    if callbacks is None:
        return CallbackManager(handlers=[])
    if isinstance(callbacks, list):
        kept = [h for h in callbacks if not _streams(h)]
        return CallbackManager(handlers=kept, inheritable_handlers=kept)
    manager: BaseCallbackManager = callbacks.copy()
    for handler in [*manager.handlers, *manager.inheritable_handlers]:
        if _streams(handler):
            manager.remove_handler(handler)
    return manager


def _streams(handler: Any) -> bool:
    if _STREAMING and isinstance(handler, _STREAMING):
        return True
    return hasattr(handler, "tap_output_iter") or hasattr(handler, "tap_output_aiter")
