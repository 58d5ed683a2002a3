"""What `@guard` was given, read once when it wraps it: how it answers, its names, its
parameters. Apps guard more than plain functions (SDK methods, callable objects, partials,
class and static methods): each is read here, or refused with what to do instead of a raw
error from `inspect` or a wrong guess (found by probing: `@guard` over `@classmethod`
raised "is not a callable object", over `@staticmethod` took the instance for the prompt).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Literal

from charter.errors import ConfigurationError

Kind = Literal["asyncgen", "gen", "coroutine", "plain"]
_KINDS: tuple[tuple[Callable[[Any], bool], Kind], ...] = (
    (inspect.isasyncgenfunction, "asyncgen"),
    (inspect.isgeneratorfunction, "gen"),
    (inspect.iscoroutinefunction, "coroutine"),
)


def kind_of(fn: Callable[..., Any]) -> Kind:
    """How `fn` answers, seen through the wrappers `functools.wraps` marks (the async SDK
    clients' methods are sync wrappers of coroutine functions, OpenAI's `required_args`,
    and guarded as sync functions they handed back an unchecked coroutine) and, for a
    callable object, through its class's `__call__` (an `async def __call__` was refused
    as a sync function that returned a coroutine)."""
    seen = [fn, inspect.unwrap(fn)]
    if not inspect.isroutine(fn) and not isinstance(fn, type):
        call = type(fn).__call__
        seen += [call, inspect.unwrap(call)]
    return next((kind for test, kind in _KINDS if any(test(f) for f in seen)), "plain")


def signature_of(fn: object, guarding: str) -> inspect.Signature:
    """The parameters a call of `fn` binds; what has none to read is refused here, when it
    is wrapped."""
    if not callable(fn):
        raise ConfigurationError(
            f"{guarding}: guards a function or a callable object, got {type(fn).__name__}"
        )
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"{guarding}: the parameters of {fn!r} cannot be read ({exc}); guard a `def` "
            "that calls it with named parameters"
        ) from None


def qualname(fn: Callable[..., Any]) -> str:
    """`module:qualname`; a partial by the function it wraps (not `functools:partial`),
    callable objects by their class."""
    named = fn.func if isinstance(fn, functools.partial) else fn
    qualname = getattr(named, "__qualname__", None) or type(named).__qualname__
    module = getattr(named, "__module__", None) or type(named).__module__
    return f"{module}:{qualname}"


def tool_name(fn: Callable[..., Any], name: str | None) -> str:
    """The tool's name the policy sees: `name`, else the function's (a partial's, the
    function it wraps). A callable object has none of its own: its class's name is not one
    the policy's tool lists would hold, so it is asked for."""
    if name is not None:
        return name
    named = fn.func if isinstance(fn, functools.partial) else fn
    found = getattr(named, "__name__", None)
    if isinstance(found, str) and found:
        return found
    raise ConfigurationError(
        f"guard.tool: a {type(fn).__name__} object has no name of its own; name the tool "
        "the policy sees: guard.tool(name=...)(tool)"
    )


def through_descriptors(wrap: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`wrap` that also takes a `classmethod` or `staticmethod` (`@guard` written above
    it): it guards the function inside and makes the result the same kind of method."""

    def wrapped(fn: Any) -> Any:
        if isinstance(fn, classmethod):
            return classmethod(wrap(fn.__func__))
        if isinstance(fn, staticmethod):
            return staticmethod(wrap(fn.__func__))
        return wrap(fn)

    return wrapped
