"""`Prepared`: a call after its input stage, what the flow calls the function with."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from charter.pipeline.effects import Invoke


@dataclass(frozen=True)
class Prepared:
    """After the input stage: the (redacted) arguments to call with, and the approval
    request to wait for (with the action it is bound to), if the policy asked for one.
    `bound` and `prompt_param` let a revision call the function again with another prompt
    (a resumed call has only `kwargs`)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    request: Any = None
    action: dict[str, Any] | None = None
    bound: inspect.BoundArguments | None = None
    prompt_param: str | None = None

    @property
    def invoke(self) -> Invoke:
        return Invoke(self.args, self.kwargs)

    @property
    def prompt(self) -> Any:
        """The prompt as the model is sent it (redacted)."""
        if self.prompt_param is None:
            return None
        if self.bound is not None:
            return self.bound.arguments.get(self.prompt_param)
        return self.kwargs.get(self.prompt_param)

    def invoke_with(self, prompt: Any) -> Invoke:
        """The same call with `prompt` in place of the prompt argument."""
        param = self.prompt_param or ""
        if self.bound is None:
            return Invoke(self.args, {**self.kwargs, param: prompt})
        again = inspect.BoundArguments(self.bound.signature, {**self.bound.arguments})
        again.arguments[param] = prompt
        return Invoke(again.args, again.kwargs)
