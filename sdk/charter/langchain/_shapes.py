"""What the guard sees of a LangChain call: the prompt (`GuardInput`) and the answer
(`GuardOutput`), with an adapter that reads and replaces their texts (see `_texts`).

The adapter matches only these two types, so registering it changes nothing for plain
`@guard` functions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage

from charter.adapters import LangChainMessagesAdapter, Usage, register_adapter
from charter.langchain._record import to_record
from charter.langchain._texts import texts_of, with_texts


class GuardInput(dict[str, Any]):
    """The prompt argument of one guarded LangChain call.

    The dict items are a JSON record of the (redacted) input and call options: the guard
    stores them with an approval request and `charter.resume(ticket)` replays them. The
    attributes are this call's live objects; they never leave the process.
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
        return texts_of(self.value, keys=self.input_keys)

    def with_texts(self, texts: Sequence[str]) -> GuardInput:
        return GuardInput(
            with_texts(self.value, texts, keys=self.input_keys),
            options=self.options,
            input_keys=self.input_keys,
            call=self.call,
        )


@dataclass(frozen=True)
class GuardOutput:
    """The wrapped runnable's answer, as handed to the guard's output checks."""

    value: Any

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

    def usage(self, value: Any) -> Usage:
        answer = value.value if isinstance(value, GuardOutput) else None
        if isinstance(answer, BaseMessage):
            return LangChainMessagesAdapter().usage(answer)
        return Usage()


register_adapter(LangChainShapes())
