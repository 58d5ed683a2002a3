"""A complete answer after the output checks, before anything is released."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from charter.adapters import Adapter
from charter.decision import Decision
from charter.privacy import Inspected


@dataclass(frozen=True)
class Checked:
    """The answer, what was read of it (`texts`: its own texts, then its reasoning, then the
    strings of its calls' arguments) and the output stage's findings and decision."""

    answer: Any
    adapter: Adapter | None
    texts: list[str]
    inspected: Inspected
    decision: Decision
    arguments: list[Any]
    """The arguments of the tool calls the answer proposes (`charter.tool_calls`)."""
    own: int = 0
    """How many of `texts` are the answer's own (its reasoning's follow)."""
    reasoning: int = 0
    """How many of `texts` are the answer's reasoning (`charter.reasoning`)."""

    @property
    def thought(self) -> range:
        """Where the reasoning sits in `texts`."""
        return range(self.own, self.own + self.reasoning)

    def draft(self, privacy: Any) -> str:
        """The answer as it may be sent back to the model for a revision: the policy's
        redactions applied, placeholders kept."""
        return "\n".join(privacy.apply(self.inspected, self.decision.redact))
