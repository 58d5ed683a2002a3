"""The config and tracing context a wrapped runnable runs in.

Its runs report to none of the application's callback handlers: a tracer (LangSmith,
Langfuse) would get the wrapped model's unchecked answer in `on_llm_end` (a card number
the output checks mask, a leaked system prompt they withhold), and a streaming handler
(`astream_events`, `astream_log`, LangGraph's "messages" stream) its raw tokens. The
guarded run the application called (the chat model, runnable or tool) reports what the
application gets: its own input and the checked output. LangSmith tracing switched on by
the environment (`LANGSMITH_TRACING`) or `tracing_v2_enabled()` is off while the wrapped
runnable runs, for the same reason: it would trace the inner run on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.callbacks import CallbackManager
from langchain_core.runnables import RunnableConfig, ensure_config, patch_config
from langchain_core.tracers.context import tracing_v2_callback_var
from langsmith.run_helpers import tracing_context


def inner_config(config: RunnableConfig | None = None) -> RunnableConfig:
    """The caller's config (or the ambient one) with no callbacks. An empty manager, not
    None: None would let the wrapped runnable inherit the ambient config's handlers."""
    return patch_config(ensure_config(config), callbacks=CallbackManager(handlers=[]))


@contextmanager
def untraced() -> Iterator[None]:
    """LangSmith tracing off for one step of the wrapped runnable (a call, or one chunk of
    a stream: runs nested in it start lazily, while it is pulled)."""
    token = tracing_v2_callback_var.set(None)
    try:
        with tracing_context(enabled=False):
            yield
    finally:
        tracing_v2_callback_var.reset(token)
