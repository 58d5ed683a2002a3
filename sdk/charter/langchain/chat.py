"""`guard_chat_model`: a chat model that runs Charter's checks before and after every call.

The result is itself a `BaseChatModel`, so it composes in LCEL (`prompt | model | parser`),
works with agents that require a chat model, and supports `bind_tools` and
`with_structured_output` (the wrapped model's own, its `method` and `strict` too) when the
wrapped model does. `invoke`, `ainvoke`, `stream`,
`astream`, `batch` and `abatch` all go through `_generate` / `_stream` (and their async
twins), where the guard runs before the wrapped model is called; `stream` and `astream` take
the caller's context when called, not when first read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, Self

from langchain_core.caches import BaseCache
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableBinding, RunnableConfig
from langchain_core.tools import BaseTool
from pydantic import Field, PrivateAttr, model_validator

from charter.errors import ConfigurationError
from charter.guard import Charter
from charter.langchain._callbacks import inner_config
from charter.langchain._caller import caller_astream, caller_stream
from charter.langchain._calls import GuardedCalls
from charter.langchain._structured import swapped
from charter.pipeline.parts import OnDeny


class GuardedChatModel(BaseChatModel):
    """A chat model wrapped by Charter. Build it with `guard_chat_model(...)`."""

    model: BaseChatModel
    """The wrapped chat model; it only ever receives checked, redacted messages."""
    charter: Charter | None = Field(default=None, exclude=True)
    """The `Charter` to enforce with; None: `charter.get_charter()` at call time."""
    provider: str = ""
    """The provider the policy sees (`openai`, `ollama`, ...); inferred when empty."""
    model_name: str = ""
    """The model name the policy sees; inferred from the wrapped model when empty."""
    on_deny: Literal["raise", "refuse"] | None = None
    """`raise` PolicyViolation, or answer with an explainable refusal; None: the Charter's."""
    cache: BaseCache | bool | None = Field(default=False, exclude=True)
    """Off: a cache in front of the guard would answer without checking."""

    _calls: GuardedCalls = PrivateAttr()

    @model_validator(mode="after")
    def _wire(self) -> Self:
        self._connect()
        return self

    def _connect(self) -> None:
        """Fill in the provider and model name, and build the guarded entry points."""
        if not self.provider or not self.model_name:
            params = _ls_params(self.model)
            self.provider = self.provider or str(params.get("ls_provider") or "")
            self.model_name = self.model_name or str(params.get("ls_model_name") or "")
        self._calls = GuardedCalls(
            self.model,
            charter=self.charter,
            key=f"chat_model:{self.provider or '-'}/{self.model_name or '-'}",
            model=self.model_name,
            provider=self.provider,
            on_deny=self.on_deny,
            messages=True,
        )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy whose guard matches its (possibly updated) fields."""
        copy = super().model_copy(update=update, deep=deep)
        if update:
            copy._connect()
        return copy

    @property
    def _llm_type(self) -> str:
        return "charter-guarded-chat-model"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"provider": self.provider, "model_name": self.model_name}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return self.model._get_ls_params(stop=stop, **kwargs)

    # --- streams: started in the caller's context, wherever they are read ------------------------

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """LangChain's stream, run as this call's caller (see `charter.langchain._caller`)."""
        return caller_stream(
            lambda: super(GuardedChatModel, self).stream(input, config, stop=stop, **kwargs)
        )

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """LangChain's astream, run as this call's caller."""
        return caller_astream(
            lambda: super(GuardedChatModel, self).astream(input, config, stop=stop, **kwargs)
        )

    # --- the four hooks every BaseChatModel entry point ends in ----------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        answer = self._calls.invoke(messages, config=inner_config(), options=_options(stop, kwargs))
        return ChatResult(generations=[ChatGeneration(message=answer)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        answer = await self._calls.ainvoke(
            messages, config=inner_config(), options=_options(stop, kwargs)
        )
        return ChatResult(generations=[ChatGeneration(message=answer)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._calls.stream(
            messages, config=inner_config(), options=_options(stop, kwargs)
        ):
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        async for chunk in self._calls.astream(
            messages, config=inner_config(), options=_options(stop, kwargs)
        ):
            yield ChatGenerationChunk(message=chunk)

    # --- tools -----------------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the way the wrapped model does; calls still go through the guard.
        (Guard the tools themselves with `guard_tool`: this only tells the model about them.)"""
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        bound = self.model.bind_tools(tools, **kwargs)
        if isinstance(bound, RunnableBinding) and bound.bound is self.model:
            guarded: Runnable[LanguageModelInput, AIMessage] = self.bind(**bound.kwargs)
            return guarded.with_config(bound.config) if bound.config else guarded
        from charter.langchain.runnable import GuardedRunnable

        return GuardedRunnable(
            bound,
            charter=self.charter,
            model=self.model_name,
            provider=self.provider,
            on_deny=self.on_deny,
            name=f"chat_model:{self.provider or '-'}/{self.model_name or '-'}:tools",
        )

    def with_structured_output(
        self, schema: dict[str, Any] | type, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[LanguageModelInput, Any]:
        """The wrapped model's own structured output (`method=`, `strict=`, whatever it
        takes), with this guarded model in its place: the parser reads the answer the guard
        checked and restored (`charter.langchain._structured`). When the wrapped model's
        runnable does not call the model itself, that runnable is guarded whole: its parsed
        output is checked and restored field by field, after a schema validated it."""
        structured = self.model.with_structured_output(schema, include_raw=include_raw, **kwargs)
        guarded, found = swapped(structured, self.model, self)
        if found:
            return guarded  # type: ignore[no-any-return]
        from charter.langchain.runnable import GuardedRunnable

        return GuardedRunnable(
            structured,
            charter=self.charter,
            model=self.model_name,
            provider=self.provider,
            on_deny=self.on_deny,
            name=f"chat_model:{self.provider or '-'}/{self.model_name or '-'}:structured",
        )


def guard_chat_model(
    model: BaseChatModel,
    *,
    charter: Charter | None = None,
    provider: str = "",
    model_name: str = "",
    on_deny: OnDeny | None = None,
) -> GuardedChatModel:
    """Wrap `model` so every call is checked by Charter before it reaches the model.

    `provider` / `model_name` are what the policy sees (e.g. external providers get PII
    redacted); both default to what the model reports to LangSmith, and an unknown provider
    counts as external. `charter` defaults to `charter.get_charter()` at call time.
    """
    if not isinstance(model, BaseChatModel):
        raise ConfigurationError(
            f"guard_chat_model needs a LangChain BaseChatModel, got {type(model).__name__}; "
            "guard the model before binding tools (guard_chat_model(llm).bind_tools(tools)), "
            "or use guard_runnable() for other runnables"
        )
    return GuardedChatModel(
        model=model, charter=charter, provider=provider, model_name=model_name, on_deny=on_deny
    )


def _options(stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**({"stop": stop} if stop is not None else {}), **kwargs}


def _ls_params(model: BaseChatModel) -> dict[str, Any]:
    try:
        return dict(model._get_ls_params())
    except Exception:  # a model that cannot describe itself: the policy sees no provider
        return {}
