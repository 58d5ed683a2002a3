"""`guard_runnable`: any LangChain runnable (a chain, an agent, a bound model) behind Charter.

What is checked in the input: every text in it (strings, message contents, prompt values,
and the string and message values of a dict, recursively); pass `input_keys` to check only
some top-level keys of a dict input (say `["question"]`, not the retrieved `context`). An
input without any text is refused with a `ConfigurationError`: Charter does not let through
what it cannot read.

The answer is checked the same way; a refusal is an `AIMessage` when the runnable answers
with messages, otherwise the refusal text. Streaming works for runnables that stream text
(str or message chunks, or the whole `AIMessage` of a model that does not stream).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.utils.pydantic import TypeBaseModel

from charter.guard import Charter
from charter.langchain._callbacks import inner_config
from charter.langchain._caller import caller_astream, caller_stream
from charter.langchain._calls import GuardedCalls
from charter.pipeline.parts import OnDeny


class GuardedRunnable(Runnable[Any, Any]):
    """A runnable whose calls go through Charter first. Build it with `guard_runnable(...)`."""

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        *,
        charter: Charter | None = None,
        model: str = "",
        provider: str = "",
        on_deny: OnDeny | None = None,
        input_keys: Collection[str] | None = None,
        name: str | None = None,
    ) -> None:
        self.runnable = runnable
        self.name = name or f"Guarded{runnable.get_name()}"
        self._calls = GuardedCalls(
            runnable,
            charter=charter,
            key=f"runnable:{name or runnable.get_name()}",
            model=model,
            provider=provider,
            on_deny=on_deny,
            input_keys=input_keys,
        )

    # --- schema: the wrapped runnable's ----------------------------------------------------------

    @property
    def InputType(self) -> Any:
        return self.runnable.InputType

    @property
    def OutputType(self) -> Any:
        return self.runnable.OutputType

    def get_input_schema(self, config: RunnableConfig | None = None) -> TypeBaseModel:
        return self.runnable.get_input_schema(config)

    def get_output_schema(self, config: RunnableConfig | None = None) -> TypeBaseModel:
        return self.runnable.get_output_schema(config)

    # --- calls (batch and abatch come from Runnable and use these) ------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._call_with_config(self._invoke, input, config, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return await self._acall_with_config(self._ainvoke, input, config, **kwargs)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Runs as this call's caller, wherever it is read (see `charter.langchain._caller`)."""
        return caller_stream(
            lambda: self._transform_stream_with_config(
                iter([input]), self._transform, config, **kwargs
            )
        )

    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        return caller_astream(
            lambda: self._atransform_stream_with_config(
                _aiter_one(input), self._atransform, config, **kwargs
            )
        )

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        yield from self._transform_stream_with_config(input, self._transform, config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async for chunk in self._atransform_stream_with_config(
            input, self._atransform, config, **kwargs
        ):
            yield chunk

    # --- the bodies run inside our own run (callbacks, tracing) ---------------------------------

    def _invoke(
        self,
        value: Any,
        run_manager: CallbackManagerForChainRun,
        config: RunnableConfig,
        **kwargs: Any,
    ) -> Any:
        return self._calls.invoke(value, config=inner_config(config), options=kwargs)

    async def _ainvoke(
        self,
        value: Any,
        run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
        **kwargs: Any,
    ) -> Any:
        return await self._calls.ainvoke(value, config=inner_config(config), options=kwargs)

    def _transform(
        self,
        inputs: Iterator[Any],
        run_manager: CallbackManagerForChainRun,
        config: RunnableConfig,
        **kwargs: Any,
    ) -> Iterator[Any]:
        value = _whole(inputs)
        yield from self._calls.stream(value, config=inner_config(config), options=kwargs)

    async def _atransform(
        self,
        inputs: AsyncIterator[Any],
        run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        value = _whole([item async for item in inputs])
        async for chunk in self._calls.astream(value, config=inner_config(config), options=kwargs):
            yield chunk


def guard_runnable(
    runnable: Runnable[Any, Any],
    *,
    charter: Charter | None = None,
    model: str = "",
    provider: str = "",
    on_deny: OnDeny | None = None,
    input_keys: Collection[str] | None = None,
    name: str | None = None,
) -> GuardedRunnable:
    """Wrap any runnable so its input is checked before it runs and its answer after.

    `model` / `provider` are what the policy sees; an empty provider counts as external.
    `name` also keys held calls for `charter.resume` (default: the runnable's name, e.g.
    `RunnableSequence`): give each guarded runnable whose calls can be held its own name; a
    call held in another process is refused while two of the same name are alive.
    """
    return GuardedRunnable(
        runnable,
        charter=charter,
        model=model,
        provider=provider,
        on_deny=on_deny,
        input_keys=input_keys,
        name=name,
    )


def _whole(chunks: Iterator[Any] | list[Any]) -> Any:
    """The complete input from streamed input chunks (added up, as LangChain does)."""
    whole: Any = None
    started = False
    for chunk in chunks:
        if not started:
            whole, started = chunk, True
            continue
        try:
            whole = whole + chunk
        except TypeError:
            whole = chunk
    return whole


async def _aiter_one(value: Any) -> AsyncIterator[Any]:
    yield value
