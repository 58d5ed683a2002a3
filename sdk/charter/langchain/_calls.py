"""The guarded entry points around one runnable: invoke, ainvoke, stream and astream.

Each one is a function wrapped by `charter.guard`, so the pipeline (input checks, PII
redaction, approvals, output checks, restoring placeholders, audit, telemetry) is the plain
guard's, not a copy. The functions receive a `GuardInput` and call the wrapped runnable with
its (redacted) value; the runnable is never called when the input stage denies.

The guard always raises on a deny here; `GuardedCalls` turns the `PolicyViolation` into a
refusal shaped for LangChain (an `AIMessage` without tool calls, or text) when the caller
asked for refusals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.runnables import Runnable, RunnableConfig

from charter.decorator import resumed_with
from charter.errors import ConfigurationError, PolicyViolation
from charter.guard import get_charter
from charter.guard import guard as default_guard
from charter.langchain._callbacks import inner_config, untraced
from charter.langchain._chunks import ChunkKind, ChunkSplitter
from charter.langchain._record import from_record
from charter.langchain._shapes import GuardInput, GuardOutput
from charter.pipeline.parts import OnDeny, checked_on_deny
from charter.refusal import refusal_text

if TYPE_CHECKING:
    from charter.guard import Charter

REFUSAL_METADATA = {"finish_reason": "content_filter"}
MODULE = "charter.langchain"
_END = object()


@dataclass
class LangChainCall:
    """What one call needs besides its prompt: the config for the wrapped runnable, the
    stream splitter, and the raw answer (to shape a refusal like it)."""

    config: RunnableConfig | None
    chunks: ChunkSplitter
    answer: Any = field(default=None)


class GuardedCalls:
    def __init__(
        self,
        target: Runnable[Any, Any],
        *,
        charter: Charter | None,
        key: str,
        model: str = "",
        provider: str = "",
        on_deny: OnDeny | None = None,
        input_keys: Collection[str] | None = None,
        messages: bool = False,
    ) -> None:
        """`key` names the wrapped runnable for `charter.resume` (`charter.langchain:<key>`).
        `messages=True` for chat models: input and output are always messages."""
        self.target = target
        self.charter = charter
        self.on_deny = checked_on_deny("charter.langchain", on_deny)
        self.input_keys = frozenset(input_keys) if input_keys is not None else None
        self.messages = messages
        self.message_output = messages or _outputs_messages(target)
        decorate = (charter.guard if charter is not None else default_guard)(
            prompt="prompt", model=model, provider=provider, on_deny="raise"
        )
        invoke, ainvoke, stream, astream = _entry_points(target)
        self._astream = decorate(_named(astream, key))
        self._stream = decorate(_named(stream, key))
        self._ainvoke = decorate(_named(ainvoke, key))
        self._invoke = decorate(_named(invoke, key))
        # `charter.resume(ticket)` replays a call any of them held with the sync invoke.
        resumed_with(self._invoke, self._ainvoke, self._stream, self._astream)

    # --- calls ----------------------------------------------------------------------------

    def invoke(self, value: Any, *, config: RunnableConfig, options: Mapping[str, Any]) -> Any:
        state = self._state(config)
        prompt = self._prompt(value, options, state)
        try:
            return _unwrap(self._invoke(prompt))
        except PolicyViolation as exc:
            return self._refuse(exc, state, stream=False)

    async def ainvoke(
        self, value: Any, *, config: RunnableConfig, options: Mapping[str, Any]
    ) -> Any:
        state = self._state(config)
        prompt = self._prompt(value, options, state)
        try:
            return _unwrap(await self._ainvoke(prompt))
        except PolicyViolation as exc:
            return self._refuse(exc, state, stream=False)

    def stream(
        self, value: Any, *, config: RunnableConfig, options: Mapping[str, Any]
    ) -> Iterator[Any]:
        state = self._state(config)
        prompt = self._prompt(value, options, state)
        released = self._stream(prompt)
        try:
            for text in released:
                if isinstance(text, BaseMessageChunk):  # the held parts, checked at the end
                    yield text
                elif text:
                    yield state.chunks.released(text)
        except PolicyViolation as exc:
            yield self._refuse(exc, state, stream=True)
            return
        finally:
            released.close()

    async def astream(
        self, value: Any, *, config: RunnableConfig, options: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        state = self._state(config)
        prompt = self._prompt(value, options, state)
        released = self._astream(prompt)
        try:
            async for text in released:
                if isinstance(text, BaseMessageChunk):  # the held parts, checked at the end
                    yield text
                elif text:
                    yield state.chunks.released(text)
        except PolicyViolation as exc:
            yield self._refuse(exc, state, stream=True)
            return
        finally:
            await released.aclose()

    # --- helpers -------------------------------------------------------------------------------

    def _state(self, config: RunnableConfig) -> LangChainCall:
        kind: ChunkKind | None = "message" if self.messages else None
        return LangChainCall(config=config, chunks=ChunkSplitter(kind))

    def _prompt(self, value: Any, options: Mapping[str, Any], state: LangChainCall) -> GuardInput:
        prompt = GuardInput(value, options=options, input_keys=self.input_keys, call=state)
        if not self.messages and not prompt.texts():
            where = f" under the keys {sorted(self.input_keys)}" if self.input_keys else ""
            raise ConfigurationError(
                f"Charter found no text to check in this {type(value).__name__} input{where}; "
                "pass a str, messages, a prompt value or a dict holding them (and set "
                "input_keys to the keys that hold the user's text)"
            )
        return prompt

    def _refuse(self, exc: PolicyViolation, state: LangChainCall, *, stream: bool) -> Any:
        """The refusal to return for a deny, or re-raise when the caller wants errors."""
        charter = self.charter if self.charter is not None else get_charter()
        if (self.on_deny or charter.settings.on_deny) == "raise":
            raise exc
        text = refusal_text(exc.decision)
        as_message = (
            state.chunks.kind == "message"
            if stream and state.chunks.kind is not None
            else isinstance(state.answer, BaseMessage) or self.message_output
        )
        if not as_message:
            return text
        if stream:
            return AIMessageChunk(content=text, response_metadata=dict(REFUSAL_METADATA))
        return AIMessage(content=text, response_metadata=dict(REFUSAL_METADATA))


def _entry_points(
    target: Runnable[Any, Any],
) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    """The functions the guard wraps. On `charter.resume` they get the stored JSON record
    instead of a `GuardInput`, and return the plain answer."""

    def invoke(prompt: Any) -> Any:
        value, config, options, state = _unpack(prompt)
        with untraced():
            answer = target.invoke(value, config, **options)
        return _wrap(answer, state)

    async def ainvoke(prompt: Any) -> Any:
        value, config, options, state = _unpack(prompt)
        with untraced():
            answer = await target.ainvoke(value, config, **options)
        return _wrap(answer, state)

    def stream(prompt: Any) -> Iterator[str | BaseMessageChunk]:
        value, config, options, state = _unpack(prompt)
        splitter = state.chunks if state is not None else ChunkSplitter()
        with untraced():
            chunks = iter(target.stream(value, config, **options))
        while True:
            with untraced():  # a step at a time: the consumer's code runs between them
                chunk = next(chunks, _END)
            if chunk is _END:
                break
            yield splitter.split(chunk)
        rest = splitter.take_rest()
        if rest is not None:  # tool calls, usage: into the guard's last check
            yield rest

    async def astream(prompt: Any) -> AsyncIterator[str | BaseMessageChunk]:
        value, config, options, state = _unpack(prompt)
        splitter = state.chunks if state is not None else ChunkSplitter()
        with untraced():
            chunks = aiter(target.astream(value, config, **options))
        while True:
            with untraced():
                chunk = await anext(chunks, _END)
            if chunk is _END:
                break
            yield splitter.split(chunk)
        rest = splitter.take_rest()
        if rest is not None:
            yield rest

    return invoke, ainvoke, stream, astream


def _unpack(prompt: Any) -> tuple[Any, RunnableConfig | None, dict[str, Any], LangChainCall | None]:
    if isinstance(prompt, GuardInput):
        state: LangChainCall = prompt.call
        return prompt.value, state.config, prompt.options, state
    # charter.resume(ticket): the JSON record stored with the approval request
    options = from_record(prompt.get("options") or {})
    return from_record(prompt["input"]), inner_config(), dict(options), None


def _wrap(answer: Any, state: LangChainCall | None) -> Any:
    if state is None:
        return answer
    state.answer = answer
    return GuardOutput(answer)


def _unwrap(result: Any) -> Any:
    return result.value if isinstance(result, GuardOutput) else result


def _named(fn: Callable[..., Any], key: str) -> Callable[..., Any]:
    """Give `fn` the stable name the guard registers it under for `charter.resume`."""
    fn.__module__ = MODULE
    fn.__qualname__ = key
    fn.__name__ = key
    return fn


def _outputs_messages(runnable: Runnable[Any, Any]) -> bool:
    """Whether `runnable` answers with messages (so a refusal should be an AIMessage)."""
    try:
        output_type = runnable.OutputType
    except Exception:  # some runnables cannot tell before they run
        return False
    return _is_message_type(output_type)


def _is_message_type(tp: Any) -> bool:
    if isinstance(tp, type):
        return issubclass(tp, BaseMessage)
    return any(_is_message_type(arg) for arg in get_args(tp))
