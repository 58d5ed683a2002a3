"""A guarded call's arguments by name: how they are bound, and how a resumed call passes
them again.

The guard reads the prompt (and instructions such as `system=`) by parameter name. A
function that takes them through `**kwargs` (boto3's generated client methods:
`client.converse(**kwargs)`) has no such names, so each keyword it is called with becomes
a keyword-only parameter of its own for that call (`spread`). A held call is stored as
keywords and resumed as `fn(**stored)` (`as_keywords`).
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Mapping
from typing import Any

_VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD


def takes_keywords(signature: inspect.Signature) -> bool:
    """Whether the function takes `**kwargs`."""
    return any(p.kind is _VAR_KEYWORD for p in signature.parameters.values())


def spread(signature: inspect.Signature, kwargs: Mapping[str, Any]) -> inspect.Signature:
    """`signature` with each keyword of `kwargs` that `**kwargs` would take as a keyword-only
    parameter of its own (a name that is not an identifier stays in `**kwargs`)."""
    params = list(signature.parameters.values())
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY)
        for name in kwargs
        if name not in signature.parameters and name.isidentifier() and not keyword.iskeyword(name)
    ]
    if not extra or not params or params[-1].kind is not _VAR_KEYWORD:
        return signature
    return signature.replace(parameters=[*params[:-1], *extra, params[-1]])


def as_keywords(
    bound: inspect.BoundArguments, values: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """The call's arguments (or `values`, by the same names) as keywords, as a resumed call
    passes them: what `**kwargs` took at the top level. None when one can only be passed
    by position."""
    out: dict[str, Any] = {}
    for name, value in (bound.arguments if values is None else values).items():
        kind = bound.signature.parameters[name].kind
        if kind is _VAR_KEYWORD:
            out.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif kind is inspect.Parameter.POSITIONAL_ONLY:
            return None
        else:
            out[name] = value
    return out
