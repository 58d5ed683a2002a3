"""Size and depth limits on what a guarded call takes in and gives out.

Every later step (PII detection, the policy input, the decision log, the approval record)
walks prompts, tool arguments and answers, several of them recursively: tool arguments
nested a few hundred levels deep raised `RecursionError` from the JSON encoder, and a
regorus input nested past 128 levels cannot even be parsed. So the flow measures first,
without recursion and stopping at the first limit crossed, and denies what is over (fail
closed, recorded, `LimitExceeded` naming the setting that raises the limit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from charter.config import Settings


@dataclass(frozen=True, slots=True)
class Overrun:
    """Which limit was crossed, by what, and the setting that raises it."""

    setting: str
    limit: int
    found: int
    """What was seen when the walk stopped (at least this much)."""
    message: str


def measure(
    what: str, value: Any, settings: Settings, *, texts: Iterable[str] = (), chars: int = 0
) -> Overrun | None:
    """The first limit `value` (a JSON-like value: mappings, lists, tuples, sets; anything
    else counts as one item), the extra `texts` and `chars` already seen cross, or None.
    Keys count as text."""
    max_depth, max_items = settings.max_json_depth, settings.max_json_items
    max_chars = settings.max_text_chars
    chars += sum(len(t) for t in texts)
    items = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and chars <= max_chars:
        node, depth = stack.pop()
        if isinstance(node, str):
            chars += len(node)
            continue
        if isinstance(node, Mapping):
            children: Any = node.values()
            chars += sum(len(k) for k in node if isinstance(k, str))
        elif isinstance(node, list | tuple | set | frozenset):
            children = node
        else:
            continue
        if depth >= max_depth:
            deeper = f"{what}: nested deeper than {max_depth} levels"
            return _overrun("max_json_depth", max_depth, depth + 1, deeper)
        items += len(node)
        if items > max_items:
            return _overrun(
                "max_json_items", max_items, items, f"{what}: more than {max_items} items"
            )
        stack.extend((child, depth + 1) for child in children)
    if chars > max_chars:
        return _overrun(
            "max_text_chars", max_chars, chars, f"{what}: more than {max_chars} characters"
        )
    return None


def _overrun(setting: str, limit: int, found: int, what: str) -> Overrun:
    env = f"CHARTER_{setting.upper()}"
    return Overrun(
        setting,
        limit,
        found,
        f"{what}, over the guard's limit; denied unchecked (raise it with the setting "
        f"{setting} / {env} if such data is expected)",
    )
