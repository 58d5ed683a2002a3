"""What the guard sees of a LangChain call: the prompt (`GuardInput`) and the answer
(`GuardOutput`), with an adapter that reads and replaces their texts (see `_texts`).

The adapter matches only these two types, so registering it changes nothing for plain
`@guard` functions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from langchain_core.messages import BaseMessage
from langchain_core.prompt_values import PromptValue

from charter.adapters import (
    FollowUp,
    LangChainMessagesAdapter,
    Usage,
    adapter_for,
    register_adapter,
)
from charter.attachments import Attachment, attachments_in
from charter.langchain._record import to_record
from charter.langchain._texts import message_roles, texts_of, with_texts


class GuardInput(dict[str, Any]):
    """The prompt argument of one guarded LangChain call.

    The dict items are a JSON record of the input and call options: the guard stores them
    with an approval request (with placeholders for what it detects there, texts or not)
    and `charter.resume(ticket)` replays them. The attributes are this call's live objects;
    they never leave the process.
    """

    def __init__(
        self,
        value: Any,
        *,
        options: Mapping[str, Any],
        input_keys: Collection[str] | None,
        call: Any,
    ) -> None:
        super().__init__(input=to_record(value), options=to_record(dict(options)))
        self.value = value
        self.options = dict(options)
        self.input_keys = input_keys
        self.call = call

    def texts(self) -> list[str]:
        return texts_of(self.value, keys=self.input_keys, calls=True)

    def with_texts(self, texts: Sequence[str]) -> GuardInput:
        return self._with_value(with_texts(self.value, texts, keys=self.input_keys, calls=True))

    def follow_up(self, draft: str, request: str) -> GuardInput | None:
        """The input to ask for a revision of `draft`: a str or messages input continued
        in its own shape (a prompt value as its messages); None for other inputs (a dict
        for a chain). The draft's held-back stream parts (tool calls) go with the draft."""
        value = self.value
        if isinstance(value, PromptValue):
            value = value.to_messages()
        adapter = adapter_for(value)
        if not isinstance(adapter, FollowUp) or isinstance(adapter, LangChainShapes):
            return None
        extended = adapter.follow_up(value, draft, request)
        if extended is None:
            return None
        self.call.chunks.discard()
        return self._with_value(extended)

    def _with_value(self, value: Any) -> GuardInput:
        return GuardInput(value, options=self.options, input_keys=self.input_keys, call=self.call)


@dataclass(frozen=True)
class GuardOutput:
    """The wrapped runnable's answer, as handed to the guard's output checks."""

    value: Any
    carries_answer: ClassVar[bool] = True
    """`charter.tool_calls` reads the tool calls of `value` and wraps a changed one back."""

    def texts(self) -> list[str]:
        return texts_of(self.value)

    def with_texts(self, texts: Sequence[str]) -> GuardOutput:
        return GuardOutput(with_texts(self.value, texts))


class LangChainShapes:
    """The `charter.adapters.Adapter` for `GuardInput` and `GuardOutput`."""

    def matches(self, value: Any) -> bool:
        return isinstance(value, GuardInput | GuardOutput)

    def texts(self, value: Any) -> list[str]:
        texts: list[str] = value.texts()
        return texts

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        return value.with_texts(texts)

    def follow_up(self, prompt: Any, draft: str, request: str) -> Any:
        return prompt.follow_up(draft, request) if isinstance(prompt, GuardInput) else None

    def roles(self, value: Any) -> list[str] | None:
        """A chat input's message types (`charter.adapters.Roles`); None for other inputs."""
        messages = _chat_messages(value)
        return None if messages is None else [r for m in messages for r in message_roles(m)]

    def message_sizes(self, value: Any) -> list[int] | None:
        """How many of a chat input's texts each message holds (`charter.adapters.Messages`);
        None for other inputs."""
        messages = _chat_messages(value)
        return None if messages is None else [len(message_roles(m)) for m in messages]

    def attachments(self, value: Any) -> tuple[Attachment, ...]:
        """What a chat input's messages attach (`charter.attachments`)."""
        if not isinstance(value, GuardInput):
            return ()
        inner = value.value.to_messages() if isinstance(value.value, PromptValue) else value.value
        return attachments_in(inner)

    def usage(self, value: Any) -> Usage:
        answer = value.value if isinstance(value, GuardOutput) else None
        if isinstance(answer, BaseMessage):
            return LangChainMessagesAdapter().usage(answer)
        return Usage()


def _chat_messages(value: Any) -> list[BaseMessage] | None:
    """A chat input's messages; None for other inputs (a dict for a chain, a string)."""
    if not isinstance(value, GuardInput) or value.input_keys is not None:
        return None
    inner = value.value.to_messages() if isinstance(value.value, PromptValue) else value.value
    items = list(inner) if isinstance(inner, list | tuple) else [inner]
    return items if items and all(isinstance(m, BaseMessage) for m in items) else None


register_adapter(LangChainShapes())
