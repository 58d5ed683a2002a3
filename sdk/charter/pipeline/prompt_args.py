"""What a guarded LLM call sends the model: its prompt argument, read through the prompt's
adapter, and the app's instructions passed beside it.

SDKs take instructions as a parameter of their own: Anthropic's `system=`, the Responses
API's `instructions=`; wrappers often name it `system_prompt`. They reach the model with
the prompt, and a bank's instructions may well name the customer ("You are helping Jane
Doe, account ..."), so they are read with the prompt: redacted, and read by the policy
(`input.text`), but, like a system message, not scored as the user's words and not part
of `input.user_text`. A parameter holding a string or a list of text blocks is read;
anything else (None, an SDK's NOT_GIVEN) is left alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from charter.adapters import Adapter, adapter_for, scored_texts
from charter.errors import ConfigurationError

INSTRUCTION_PARAMS = ("system", "instructions", "system_prompt", "system_instruction")


@dataclass(frozen=True)
class PromptArgs:
    param: str
    prompt: Any
    adapter: Adapter
    prompt_texts: list[str]
    instructions: dict[str, Any] = field(default_factory=dict)
    """Instruction parameters by name (a string or a list of text blocks each)."""

    @classmethod
    def read(cls, bound: inspect.BoundArguments, param: str | None, function: str) -> PromptArgs:
        prompt = bound.arguments.get(param) if param else None
        adapter = adapter_for(prompt)
        if adapter is None or param is None:
            raise ConfigurationError(
                f"{function}: cannot find the prompt in its arguments; name it with "
                "@guard(prompt='param'), or register an adapter for its type"
            )
        instructions = {
            name: value
            for name, value in bound.arguments.items()
            if name in INSTRUCTION_PARAMS and name != param and _texts(value)
        }
        return cls(param, prompt, adapter, adapter.texts(prompt), instructions)

    @property
    def texts(self) -> list[str]:
        """The prompt's texts, then the instructions' texts."""
        return [*self.prompt_texts, *(t for v in self.instructions.values() for t in _texts(v))]

    def scored(self, policy_texts: Sequence[str], unscored: Sequence[str]) -> list[str] | None:
        """The texts the signals score (`charter.adapters.scored_texts`), never the
        instructions; None (the whole text) only when there are none beside the prompt."""
        own = list(policy_texts[: len(self.prompt_texts)])
        scored = scored_texts(self.adapter, self.prompt, own, unscored)
        if scored is None and self.instructions:
            return ["\n".join(own)]
        return scored

    def prompt_with(self, texts: Sequence[str]) -> Any:
        """The prompt with the first of `texts` (as `texts` lists them) put back."""
        return self.adapter.replace(self.prompt, list(texts[: len(self.prompt_texts)]))

    def write(self, bound: inspect.BoundArguments, texts: Sequence[str]) -> None:
        """Put `texts` (as `texts` lists them) back into the call's arguments."""
        own = len(self.prompt_texts)
        if list(texts[:own]) != self.prompt_texts:
            bound.arguments[self.param] = self.prompt_with(texts)
        rest = iter(texts[own:])
        for name, value in self.instructions.items():
            new = _with_texts(value, rest)
            if new != value:
                bound.arguments[name] = new


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [t for item in value if (t := _block_text(item)) is not None]
    return []


def _block_text(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping) and isinstance(item.get("text"), str):
        return str(item["text"])
    return None


def _with_texts(value: Any, texts: Iterator[str]) -> Any:
    if isinstance(value, str):
        return next(texts) if value else value
    out: list[Any] = []
    for item in value:
        if isinstance(item, str):
            out.append(next(texts))
        elif _block_text(item) is not None:
            out.append({**item, "text": next(texts)})
        else:
            out.append(item)
    return type(value)(out) if isinstance(value, tuple) else out
