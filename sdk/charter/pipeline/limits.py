"""What a guarded call can check: size and depth limits, and the JSON view of tool data.

Every later step (PII detection, the policy input, the decision log, the approval record)
walks prompts, tool arguments and answers, several of them recursively: tool arguments
nested a few hundred levels deep raised `RecursionError` from the JSON encoder, and a
regorus input nested past 128 levels cannot even be parsed. So the flow measures first,
without recursion and stopping at the first limit crossed, and denies what is over (fail
closed, recorded, `LimitExceeded` naming the setting that raises the limit).

Tool arguments and results are then read through their JSON view (`json_view`): objects
(a dataclass, a pydantic model by every field, anything else as its text) become values PII
detection walks and the policy reads. A tool result that was an object used to skip PII detection
and reach the agent unredacted. What has no JSON view is denied unchecked, with the reason
(`Unreadable`), where it used to raise `TypeError` or `ValueError` from deep inside.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from charter._canonical import no_twins
from charter._iterables import exact
from charter.config import Settings
from charter.values import free_key


@dataclass(frozen=True, slots=True)
class Overrun:
    """Which limit was crossed, by what, and the setting that raises it."""

    setting: str
    limit: int
    found: int
    """What was seen when the walk stopped (at least this much)."""
    message: str


def measure(
    what: str,
    value: Any,
    settings: Settings,
    *,
    texts: Iterable[str] = (),
    chars: int = 0,
    credited: Iterable[str] = (),
) -> Overrun | None:
    """The first limit `value` (a JSON-like value: mappings, lists, tuples, sets; anything
    else counts as one item), the extra `texts` and `chars` already seen cross, or None.
    Keys count as text. Each of `credited` (text already bounded on its own) is left out
    once where the walk meets it: text inside an object the walk does not read is never
    counted, so it is never credited either (crediting it let the rest grow past the limit)."""
    max_depth, max_items = settings.max_json_depth, settings.max_json_items
    max_chars = settings.max_text_chars
    # `str.__len__`, and credit looked up by the plain text: a `str` subclass's own
    # `__len__` (0) let a 1.5M-character argument past `max_text_chars` (found by probing).
    chars += sum(_length(t) for t in texts)
    owed = Counter(map(exact, credited))
    items = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and chars <= max_chars:
        node, depth = stack.pop()
        if isinstance(node, str):
            text = exact(node) if owed else node
            if owed and owed[text] > 0:
                owed[text] -= 1
            else:
                chars += _length(node)
            continue
        if isinstance(node, Mapping):
            children: Any = node.values()
            chars += sum(_length(k) for k in node if isinstance(k, str))
        elif isinstance(node, list | tuple | set | frozenset):
            children = node
        elif (fields := _fields(node)) is not None:  # read as its fields (`json_view`)
            children = fields
        else:
            continue
        if depth >= max_depth:
            deeper = f"{what}: nested deeper than {max_depth} levels"
            return _overrun("max_json_depth", max_depth, depth + 1, deeper)
        items += len(children)
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


def _length(text: str) -> int:
    """The characters `text` holds, whatever its class's `__len__` says."""
    return str.__len__(text)


def too_many_scored(what: str, count: int, settings: Settings) -> Overrun | None:
    """`max_scored_texts` crossed by `count` texts the signals would score one by one."""
    limit = settings.max_scored_texts
    if count <= limit:
        return None
    message = f"{what}: more than {limit} texts to score one by one"
    return _overrun("max_scored_texts", limit, count, message)


def _fields(node: Any) -> list[Any] | None:
    """A dataclass's or pydantic model's field values, which `json_view` and the policy
    input read; else None. Measured as they are read: metadata nested deep inside a
    dataclass passed the depth limit and failed every call with a raw error (review)."""
    if isinstance(node, BaseModel):
        try:
            return [*model_fields(node).values()]
        except Unreadable:  # `json_view` refuses it, with the reason
            return []
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return [getattr(node, f.name, None) for f in dataclasses.fields(node)]
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


class Unreadable(Exception):
    """A value the guard cannot read as JSON; the message says why, naming no content."""


_VIEW_DEPTH = 200
"""Objects expanded into their fields can nest past what `measure` saw; the walk stops here
(`measure` then applies the configured depth to the view)."""


def json_view(value: Any, *, finite: bool) -> Any:
    """`value` as the JSON the checks read: mappings with text keys, lists for tuples and
    sets, pydantic models and dataclasses as their fields, other objects as their text.
    `finite` refuses NaN and infinities: the policy reads tool arguments as JSON values,
    where a parser refuses them and no comparison with them means anything."""
    try:  # plain JSON already (the common case): one round trip in C
        # Refused with twin keys (so `_view` reads it): `{1: 600, "1": 300}` dumps as two
        # "1"s and loads as one, so the policy saw 300 and the tool ran with 600 (probing).
        return json.loads(json.dumps(value, allow_nan=not finite), object_pairs_hook=no_twins)
    except (TypeError, ValueError, RecursionError):
        return _view(value, finite, 0)


def model_fields(model: BaseModel) -> dict[str, Any]:
    """Every field of a pydantic model, by name: its declared fields, those `model_dump`
    leaves out (`Field(exclude=True)`: `str(model)`, which LangChain hands the model, shows
    them), its computed and its extra fields. Read one by one, never through `model_dump`,
    which dropped the excluded ones unchecked and raised on a field it cannot write (a
    driver's row object under `arbitrary_types_allowed`), after the tool ran (probing)."""
    cls = type(model)
    out: dict[str, Any] = {}
    for name in (*cls.model_fields, *cls.model_computed_fields):
        try:
            out[name] = getattr(model, name, None)
        except Exception as exc:  # a computed field that raises
            raise Unreadable(
                f"the field {name!r} of a {cls.__name__} could not be read ({type(exc).__name__})"
            ) from None
    for name, value in (model.model_extra or {}).items():
        out[free_key(_key(name), out)] = value
    return out


def _view(node: Any, finite: bool, depth: int, leaf: Callable[[Any], Any] | None = None) -> Any:
    """`leaf`: how an object none of the cases reads is viewed (default: its text)."""
    if depth > _VIEW_DEPTH:
        raise Unreadable(f"nested deeper than {_VIEW_DEPTH} levels")
    if node is None or type(node) is bool:
        return node
    if isinstance(node, str):
        return str.__str__(node)  # a str subclass (an enum) as its value
    if isinstance(node, int):
        return _integer(node)
    if isinstance(node, float):
        if finite and not math.isfinite(node):
            raise Unreadable("NaN or infinity, which is not a JSON number")
        return float(node)
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, item in node.items():  # `1` and "1" both kept: "1" and "1 (2)"
            out[free_key(_key(key), out)] = _view(item, finite, depth + 1, leaf)
        return out
    if isinstance(node, list | tuple | set | frozenset):
        return [_view(item, finite, depth + 1, leaf) for item in node]
    if isinstance(node, BaseModel):  # its values as pydantic writes them, where it can
        return _view(model_fields(node), finite, depth + 1, _as_pydantic_writes)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        fields = {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
        return _view(fields, finite, depth + 1, leaf)
    if leaf is not None:
        return _view(leaf(node), finite, depth + 1)
    return _text(node)


def _as_pydantic_writes(node: Any) -> Any:
    """An object inside a model as `model_dump(mode="json")` wrote it (a datetime in ISO
    form, an enum as its value), so a policy reads the model as before; one pydantic has
    no JSON form for (a row object) as its text."""
    try:
        return to_jsonable_python(node)
    except Exception:  # PydanticSerializationError, or the object's own error
        return _text(node)


def _integer(number: int) -> int:
    try:
        str(number)  # what the JSON encoder will do; Python refuses over 4300 digits
    except ValueError:
        raise Unreadable("an integer too long to write as text") from None
    return int(number)


def _key(key: Any) -> str:
    """A mapping key as JSON writes it (`1` -> "1", `True` -> "true"); others as text."""
    if isinstance(key, str):
        return str.__str__(key)
    if key is None or isinstance(key, bool | float):
        return json.dumps(key)
    if isinstance(key, int):
        return str(_integer(key))
    return _text(key)


def _text(node: Any) -> str:
    try:
        return str(node)
    except Exception as exc:
        raise Unreadable(
            f"a {type(node).__name__} value that cannot be turned into text ({type(exc).__name__})"
        ) from None
