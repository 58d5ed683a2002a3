"""What a wrapped tool's argument schema says to the guard: the arguments LangChain fills
from the tool call (`InjectedToolCallId`), and a schema that refuses a value as the guard
redacted it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from langchain_core.tools import BaseTool, InjectedToolCallId
from pydantic import BaseModel, ValidationError

from charter.errors import ConfigurationError


@contextmanager
def redaction_refused(
    inner: BaseTool, arguments: dict[str, Any], chosen: Mapping[str, Any]
) -> Iterator[None]:
    """A tool whose argument schema validates a value's form (`EmailStr`, a `pattern`)
    refuses the value the guard redacted: say so, naming the arguments, instead of
    LangChain's bare `ValidationError` about `<EMAIL_ADDRESS_1>` (found by probing)."""
    try:
        yield
    except ValidationError as exc:
        changed = {k for k, v in arguments.items() if k in chosen and chosen[k] != v}
        refused = [e for e in exc.errors() if e["loc"] and e["loc"][0] in changed]
        if not refused:  # not what the guard changed: LangChain's own error
            raise
        names = ", ".join(sorted({str(e["loc"][0]) for e in refused}))
        raise ConfigurationError(
            f"tool {inner.name!r} refused its argument(s) {names} as the guard redacted them "
            f"({refused[0]['msg']}): the policy replaces personal data in a tool call's "
            "arguments (the shipped bundle: rule privacy.pii_external, as a tool call names "
            "no provider and an unknown provider counts as external). Let the tool's "
            "argument schema accept the redacted form, or take that type out of what the "
            "policy redacts (config.redact_operators)"
        ) from None


def call_id_fields(tool: BaseTool) -> frozenset[str]:
    """Arguments annotated `InjectedToolCallId`: LangChain fills them from the tool call."""
    schema = tool.args_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return frozenset()
    try:
        from langchain_core.tools.base import _is_injected_arg_type, get_all_basemodel_annotations
    except ImportError:  # pragma: no cover - older langchain-core
        return frozenset()
    return frozenset(
        name
        for name, annotation in get_all_basemodel_annotations(schema).items()
        if _is_injected_arg_type(annotation, injected_type=InjectedToolCallId)
    )
