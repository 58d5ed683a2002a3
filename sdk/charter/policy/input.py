"""The policy input document (`input` in Rego), versioned by `schema`.

Text here is always the *redacted* text; PII appears only as entity types, counts and
scores, never values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from charter._canonical import valid_text
from charter.decision import Stage
from charter.policy.folded import folded_text
from charter.policy.plain import policy_text
from charter.values import PIISummary

SCHEMA_VERSION = 1
MAX_NAME_CHARS = 256
"""A proposed call's name is cut to this length in the policy input (the model writes it)."""

__all__ = [
    "SCHEMA_VERSION",
    "AttachmentRef",
    "MetadataTooDeep",
    "ModelRef",
    "PIISummary",
    "PolicyInput",
    "ProposedCall",
    "ToolRef",
    "UnreadableMetadata",
    "UserRef",
    "plain_metadata",
    "policy_document",
    "policy_text",
    "policy_view",
    "with_text",
]


class UserRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = "anonymous"
    """A pseudonym, never an e-mail address or a name."""
    roles: tuple[str, ...] = ()


class ModelRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider: str = ""
    name: str = ""


class ToolRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class AttachmentRef(BaseModel):
    """An image, audio, video or file the prompt attaches (`charter.attachments`): its kind,
    media type (or Bedrock's format) and whether the guard read its text. Never its name,
    address or bytes."""

    model_config = ConfigDict(frozen=True)

    kind: str
    media_type: str = ""
    read: bool = False


class ProposedCall(BaseModel):
    """A tool call the model's answer proposes (output stage): its name only; its argument
    strings are part of `text`, redacted like the rest."""

    model_config = ConfigDict(frozen=True)

    name: str


class PolicyInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    schema_: int = Field(default=SCHEMA_VERSION, alias="schema")
    stage: Stage = Stage.INPUT
    app: str = ""
    tenant: str = ""
    environment: str = ""
    user: UserRef = Field(default_factory=UserRef)
    model: ModelRef = Field(default_factory=ModelRef)
    text: str = ""
    user_text: str | None = None
    """Input stage of a prompt with roles (chat messages): the texts of the user's own
    messages (the roles the signals score, `Settings.unscored_roles`), so that rules about
    what the user asks (scope, special categories) do not read the app's instructions, the
    model's earlier answers or tool results. Absent when the prompt has no roles: then
    `text` is the user's."""
    pii: tuple[PIISummary, ...] = ()
    signals: dict[str, float] = Field(default_factory=dict)
    tool: ToolRef | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tool_calls: tuple[ProposedCall, ...] | None = None
    """Output stage only, when the answer proposes tool calls (streamed ones included):
    what an agent would run next, so a rule can refuse an answer that proposes a call."""
    attachments: tuple[AttachmentRef, ...] | None = None
    """Input stage only, when the prompt attaches anything: what the policy cannot read
    (`read` false) it can refuse to send (the starter's `privacy.unread_attachment`)."""
    grounding: dict[str, Any] | None = None
    """Output stage of a RAG call only: how much of the answer the retrieved passages
    support (`charter.grounding.GroundingScore.policy_input`), never the passages."""
    folded_text: str | None = None
    """Output stage: `text` as a reader sees it (`charter.policy.folded`: invisible
    characters dropped, look-alike and full-width letters as Latin, lowercased, one space
    for each run of whitespace; then the payloads decoded from it, a line each), where the
    system-prompt leak rule looks for the canary. `policy_document` fills it; a rule reads
    `text` when it is absent."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document the policy sees (`schema` key, no nulls for absent tools)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def policy_document(
    *,
    stage: Stage,
    app: str,
    tenant: str,
    environment: str,
    user: str,
    roles: tuple[str, ...],
    model: ModelRef,
    text: str,
    pii: tuple[PIISummary, ...],
    signals: dict[str, float],
    tool: tuple[str, dict[str, Any]] | None,
    metadata: dict[str, Any],
    grounding: dict[str, Any] | None = None,
    tool_calls: Sequence[str] = (),
    attachments: Sequence[Mapping[str, Any]] = (),
    user_text: str | None = None,
) -> dict[str, Any]:
    """`PolicyInput(...).to_dict()` without building the model: the guard makes two of these
    per call, and validating values it built itself would only cost time. `text` and
    `user_text` stay as sent, since the record hashes them (README "What is stored");
    the engine is given `policy_view(doc)`."""
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "stage": stage.value,
        "app": app,
        "tenant": tenant,
        "environment": environment,
        "user": {"id": user, "roles": list(roles)},
        "model": {"provider": model.provider, "name": model.name},
        "text": text,
        "pii": [{"type": p.type, "score": p.score, "count": p.count} for p in pii],
        "signals": signals,
        "metadata": metadata if not metadata else plain_metadata(metadata),
    }
    if user_text is not None:
        doc["user_text"] = user_text
    if tool is not None:
        doc["tool"] = {"name": tool[0], "arguments": tool[1]}
    if tool_calls:  # names the model wrote: valid Unicode, and bounded like any identifier
        doc["tool_calls"] = [{"name": valid_text(name[:MAX_NAME_CHARS])} for name in tool_calls]
    if attachments:  # what the prompt attaches (`charter.attachments`), input stage only
        doc["attachments"] = list(attachments)
    if grounding is not None:
        doc["grounding"] = grounding
    if stage is Stage.OUTPUT:  # what a reader sees of the answer (`charter.policy.folded`)
        doc["folded_text"] = folded_text(policy_text(text))
    return doc


def policy_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """`doc` as the engine reads it: `text` and `user_text` as `policy_text`. Only a copy:
    the record keeps the text as sent, whose SHA-256 and length it stores (hashing the
    composed text named a text nobody sent, found by review)."""
    view = dict(doc)
    for key in ("text", "user_text"):
        if isinstance(view.get(key), str):
            view[key] = policy_text(view[key])
    return view


def with_text(doc: Mapping[str, Any], text: str) -> dict[str, Any]:
    """`doc` about `text` instead (a stream's window records only the text it saw whole),
    its `folded_text` with it: a record never holds more than its text."""
    out = {**doc, "text": text}
    if "folded_text" in doc:
        out["folded_text"] = folded_text(policy_text(text))
    return out


class UnreadableMetadata(ValueError):
    """`charter.context` metadata with no JSON form; the message names a type, no content."""


class MetadataTooDeep(UnreadableMetadata):
    """Nested deeper than pydantic writes: the guarded call's depth limit denies it."""


_UNKNOWN_TYPE = re.compile(r"unknown type: <class '(?:[\w.]*\.)?(\w+)'>")


def plain_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata as the policy sees it: JSON values, dates etc. as pydantic writes them.
    What has none (a web framework's request object, bytes that are not UTF-8, a cycle)
    raises `UnreadableMetadata` rather than pydantic's own error."""
    from pydantic_core import PydanticSerializationError, to_jsonable_python

    try:
        plain: dict[str, Any] = to_jsonable_python(metadata)
    except PydanticSerializationError as exc:
        unknown = _UNKNOWN_TYPE.search(str(exc))
        what = f"a {unknown[1]} value" if unknown else "a value"
        raise UnreadableMetadata(f"{what}, which has no JSON form") from None
    except UnicodeDecodeError:
        raise UnreadableMetadata("bytes that are not UTF-8 text") from None
    except RecursionError:
        raise MetadataTooDeep("nested too deep to read") from None
    except Exception as exc:  # a cycle, too deep (pydantic's ValueError), the caller's own
        why = str(exc) if type(exc) is ValueError else type(exc).__name__
        if why == "Maximum serialization depth exceeded":
            raise MetadataTooDeep(f"nested too deep to read ({why})") from None
        raise UnreadableMetadata(f"a value with no JSON form ({why})") from None
    return plain
