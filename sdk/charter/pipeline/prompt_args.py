"""What a guarded LLM call sends the model: its prompt argument, read through the prompt's
adapter, and the app's instructions passed beside it.

SDKs take instructions as a parameter of their own: Anthropic's `system=`, the Responses
API's `instructions=`, Gemini's `config=` (its `system_instruction`); wrappers often name
it `system_prompt`. They reach the model with
the prompt, and a bank's instructions may well name the customer ("You are helping Jane
Doe, account ..."), so they are read with the prompt: redacted, and read by the policy
(`input.text`), but, like a system message, not scored as the user's words and not part
of `input.user_text`. An instruction that is a string, a list of text blocks or strings,
or Gemini content (`parts` holding texts, a dict or an SDK object) is read; anything else
(None, an SDK's NOT_GIVEN) is left alone. When the guarded function is a provider SDK's
own method, the end-user id and metadata it sends beside the prompt are read the same way
(`PROVIDER_FIELDS`). An iterable that is not a list or tuple (a generator), in the prompt
or an instruction, is read into a list first, and the call sends that list
(`charter._iterables`).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from charter._fields import field_of, items_of, updated
from charter._iterables import as_lists, exact
from charter._prose import prose
from charter.adapters import Adapter, adapter_for, scored_texts
from charter.errors import ConfigurationError

INSTRUCTION_PARAMS = ("system", "instructions", "system_prompt", "system_instruction")
PROVIDER_FIELDS = {
    "openai": ("user", "safety_identifier", "metadata"),
    "anthropic": ("metadata",),
    "cohere": ("documents",),
}
"""Arguments a provider SDK's own method sends the provider beside the prompt (OpenAI's
end-user id and request metadata, Anthropic's `metadata.user_id`, the `documents` Cohere's
chat grounds its answer in: strings, or `{"id", "data"}` with the texts in `data`), by the
SDK's package.
Apps fill them with an e-mail address often enough; they are read like instructions
(redacted, read by the policy, not scored) when the guarded function is that SDK's own
method, never for an app's function, whose `user` may be what it looks the user up by."""
CONFIG_INSTRUCTIONS = {"config": "system_instruction"}
"""Parameters holding a request's options, and the option that is its instructions
(google-genai's `GenerateContentConfig.system_instruction`, a dict or the SDK's object)."""


@dataclass(frozen=True)
class PromptArgs:
    param: str
    prompt: Any
    adapter: Adapter
    prompt_texts: list[str]
    instructions: dict[tuple[str, ...], Any] = field(default_factory=dict)
    """Instructions (and a provider method's `PROVIDER_FIELDS`) by where they sit: a
    parameter's name, or a parameter's and its option's (`("config",
    "system_instruction")`)."""

    @classmethod
    def read(cls, bound: inspect.BoundArguments, param: str | None, function: str) -> PromptArgs:
        """The prompt and the instructions, each iterable in them read as a list first
        (`charter._iterables`: the call then sends that list)."""
        prompt = bound.arguments.get(param) if param else None
        adapter = adapter_for(prompt)
        if param is not None and (adapter is None or isinstance(prompt, list | tuple | str)):
            prompt = _listed(bound, (param,))  # an adapter's own iterable type stays itself
            adapter = adapter_for(prompt)
        if adapter is None or param is None:
            raise ConfigurationError(
                f"{function}: cannot find the prompt in its arguments; name it with "
                "@guard(prompt='param'), or register an adapter for its type"
            )
        instructions: dict[tuple[str, ...], Any] = {}
        sent = (*INSTRUCTION_PARAMS, *PROVIDER_FIELDS.get(_package(function), ()))
        for name in list(bound.arguments):
            option = CONFIG_INSTRUCTIONS.get(name)
            if name == param or not (name in sent or option):
                continue
            path = (name, option) if option else (name,)
            value = _listed(bound, path)
            if _texts(value):
                instructions[path] = value
        # Plain `str` also from an adapter's own type (a registered one), so that the flow's
        # write-back compares texts with `str`'s own `==` (`charter._iterables`).
        texts = [exact(t) for t in adapter.texts(prompt)]
        return cls(param, prompt, adapter, texts, instructions)

    @property
    def texts(self) -> list[str]:
        """The prompt's texts, then the instructions' texts."""
        return [*self.prompt_texts, *(t for v in self.instructions.values() for t in _texts(v))]

    def scored(self, policy_texts: Sequence[str], unscored: Sequence[str]) -> list[str] | None:
        """The texts the signals score (`charter.adapters.scored_texts`, each read by
        `charter._prose`), never the instructions; None (the whole text) only when there
        are none beside the prompt."""
        own = list(policy_texts[: len(self.prompt_texts)])
        scored = scored_texts(self.adapter, self.prompt, own, unscored)
        if scored is None and self.instructions:
            return [prose("\n".join(own))]
        return None if scored is None else [*map(prose, scored)]

    def prompt_with(self, texts: Sequence[str]) -> Any:
        """The prompt with the first of `texts` (as `texts` lists them) put back."""
        return self.adapter.replace(self.prompt, list(texts[: len(self.prompt_texts)]))

    def write(self, bound: inspect.BoundArguments, texts: Sequence[str]) -> None:
        """Put `texts` (as `texts` lists them) back into the call's arguments."""
        own = len(self.prompt_texts)
        if list(texts[:own]) != self.prompt_texts:
            bound.arguments[self.param] = self.prompt_with(texts)
        rest = iter(texts[own:])
        for path, value in self.instructions.items():
            new = _with_texts(value, rest)
            if new == value:
                continue
            name, *option = path
            holder = bound.arguments[name]
            bound.arguments[name] = updated(holder, **{option[0]: new}) if option else new


def _listed(bound: inspect.BoundArguments, path: tuple[str, ...]) -> Any:
    """The argument (or its option) at `path` with its iterables read as lists, put back
    into the call's arguments when that changed it."""
    name, *option = path
    holder = bound.arguments.get(name)
    value = field_of(holder, option[0]) if option else holder
    listed = as_lists(value)
    if listed is not value:
        bound.arguments[name] = updated(holder, **{option[0]: listed}) if option else listed
    return listed


def _package(function: str) -> str:
    """The top package of a guarded function named `module:qualname`."""
    return function.partition(":")[0].partition(".")[0]


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [t for item in value for t in _item_texts(item)]
    if _is_flat(value):
        return [v for v in value.values() if isinstance(v, str) and v]
    return [t for part in _parts(value) if (t := _block_text(part)) is not None]


def _is_flat(value: Any) -> bool:
    """Request metadata (`{"user_id": "..."}`): a mapping of texts, not Gemini content."""
    return isinstance(value, Mapping) and "parts" not in value


def _parts(value: Any) -> list[Any] | tuple[Any, ...]:
    """The parts of Gemini content (`{"parts": [...]}` or the SDK's `Content`)."""
    if isinstance(value, Mapping | BaseModel):
        return items_of(value, "parts")
    return ()


def _item_texts(item: Any) -> list[str]:
    """A list item's texts: a string, a block's `text`, or a Cohere document's `data`."""
    data = _document_data(item)
    if data is not None:
        return _texts(data)
    text = _block_text(item)
    return [] if text is None else [text]


def _document_data(item: Any) -> Mapping[str, Any] | None:
    """A Cohere document's `data` (its texts by name), None for any other item."""
    data = field_of(item, "data") if isinstance(item, Mapping | BaseModel) else None
    flat = isinstance(data, Mapping) and _is_flat(data) and field_of(item, "text") is None
    return data if flat else None


def _block_text(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping | BaseModel):
        text = field_of(item, "text")
        return text if isinstance(text, str) else None
    return None


def _with_texts(value: Any, texts: Iterator[str]) -> Any:
    if isinstance(value, str):
        return next(texts) if value else value
    if _is_flat(value):
        return {k: _with_texts(v, texts) if isinstance(v, str) else v for k, v in value.items()}
    if not isinstance(value, list | tuple):
        return updated(value, parts=_with_block_texts(_parts(value), texts))
    out = _with_block_texts(value, texts)
    return tuple(out) if isinstance(value, tuple) else out


def _with_block_texts(items: Sequence[Any], texts: Iterator[str]) -> list[Any]:
    return [_with_item_texts(item, texts) for item in items]


def _with_item_texts(item: Any, texts: Iterator[str]) -> Any:
    data = _document_data(item)
    if data is not None:
        new = _with_texts(data, texts)
        return item if new == data else updated(item, data=new)
    if isinstance(item, str):
        return next(texts)
    return item if _block_text(item) is None else updated(item, text=next(texts))
