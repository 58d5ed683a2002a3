"""What a prompt attaches besides its text: images, audio, video, documents and files, and
whether the guard could read each one (`input.attachments`).

The guard reads text. A text file handed over inline is read like the user's words
(`charter.inline_files`); a PDF statement, a photo of an ID card or a voice note is not,
and goes to the model as it came. The policy is told what went unread so that it can
refuse to send what it cannot check to an external provider (the starter bundle's
`privacy.unread_attachment`). Only the kind and media type are told: never a file's name,
address or bytes.

Recognised: OpenAI `image_url`, `input_audio`, `file`; Responses `input_image`,
`input_file`; Anthropic `image` and `document`; Gemini `inline_data` and `file_data`;
Bedrock Converse `image`, `video` and `document`; LangChain `image`, `audio`, `video` and
`file` blocks (and what a `non_standard` block wraps); inside messages, tool results and
LangChain messages.

A content block of a type the guard does not know, outside the model's own turns, is an
unread `file` too (fail closed): it reaches the provider as it came, and the guard cannot
say what it holds (`container_upload`, a provider's new block). Blocks that hold text, and
the known ones (calls, tool results, reasoning, documents, media), are not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from charter.inline_files import inline_file, media_type_of
from charter.prompt_items import bedrock_document, plain

MAX_ATTACHMENTS = 64
"""At most this many are told to the policy (a hostile prompt cannot grow its input)."""
_MAX_DEPTH = 8
_MAX_MEDIA_CHARS = 100

_BY_TYPE = {
    "image_url": "image",
    "input_image": "image",
    "image": "image",
    "input_audio": "audio",
    "audio": "audio",
    "video": "video",
    "video_url": "video",
    "file": "file",
    "input_file": "file",
    "document": "file",
}
_KEYED = ("inline_data", "inlineData", "file_data", "fileData")
"""Gemini parts named by their one key: `{"mime_type", "data"}` or `{"mime_type", "file_uri"}`."""
_BEDROCK = {"image": "image", "video": "video", "document": "file"}
_KNOWN = frozenset(
    {
        *_BY_TYPE,
        "text",
        "tool_result",
        "search_result",
        "tool_use",
        "tool_call",
        "invalid_tool_call",
        "thinking",
        "redacted_thinking",
        "reasoning",
        "refusal",
        "non_standard",
        "json",  # LangChain tool-message blocks, read by `charter.prompt_items`
        "custom_tool_call_output",
        "server_tool_result",
    }
)
"""Block types read as text or as what they are: any other type holding no `text` is told
as an unread file (outside the model's own turns)."""
_MODEL_ROLES = frozenset({"assistant", "model", "ai", "AIMessageChunk"})


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str
    """image, audio, video, or file (PDFs, office and text files, anything else)."""
    media_type: str
    """As the prompt gave it (`application/pdf`), or empty."""
    read: bool
    """Whether the guard read its text (an inline text file, a Bedrock text document)."""

    def policy_value(self) -> dict[str, Any]:
        return {"kind": self.kind, "media_type": self.media_type, "read": self.read}


def attachments_in(prompt: Any) -> tuple[Attachment, ...]:
    """The attachments of a prompt (a message list, one message, a Responses `input`, a
    LangChain message list), in order; empty for a string."""
    if isinstance(prompt, str):
        return ()
    found: list[Attachment] = []
    for attachment in _walk(prompt, 0):
        found.append(attachment)
        if len(found) == MAX_ATTACHMENTS:
            break
    return tuple(found)


def _walk(value: Any, depth: int, blocks: bool = False) -> Iterator[Attachment]:
    """`blocks`: `value` is (or holds) the content blocks of a turn not the model's."""
    if depth > _MAX_DEPTH or isinstance(value, str | bytes):
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item, depth + 1, blocks)
        return
    content = getattr(value, "content", None)
    if isinstance(content, list) and hasattr(value, "additional_kwargs"):  # LangChain
        yield from _walk(content, depth + 1, str(getattr(value, "type", "")) not in _MODEL_ROLES)
        return
    block = plain(value)
    if block is None:
        return
    found = attachment_of(block)
    if found is None and blocks:
        found = _unknown(block)
    if found is not None:
        yield found
        return
    if "role" in block:
        blocks = str(block["role"]) not in _MODEL_ROLES
    wraps = ("value",) if block.get("type") == "non_standard" else ()  # LangChain's
    for key in ("content", "parts", "output", "source", *wraps):
        inner = block.get(key)
        if isinstance(inner, list | tuple | Mapping):
            yield from _walk(inner, depth + 1, blocks)


def _unknown(block: Mapping[str, Any]) -> Attachment | None:
    """A block of a type the guard does not know, holding no text: an unread file."""
    kind = block.get("type")
    if not isinstance(kind, str) or kind in _KNOWN or isinstance(block.get("text"), str):
        return None
    return Attachment("file", "", False)


def attachment_of(block: Mapping[str, Any]) -> Attachment | None:
    """The attachment one content block is, or None (text, a call, anything else)."""
    for key in _KEYED:
        part = block.get(key)
        if isinstance(part, Mapping):
            media = _media(part)
            return Attachment(_kind(media, "file"), media, inline_file(block) is not None)
    for key in _BEDROCK:
        part = block.get(key)
        if isinstance(part, Mapping) and isinstance(part.get("source"), Mapping):
            return _bedrock(key, part)
    kind = block.get("type")
    fallback = _BY_TYPE.get(kind) if isinstance(kind, str) else None
    if fallback is None:
        return None
    if kind == "document" and not isinstance(block.get("source"), Mapping):
        return None  # Cohere's `document` block is a tool's result, read as text
    media = _media(block)
    return Attachment(_kind(media, fallback), media, _read(block))


def _bedrock(key: str, part: Mapping[str, Any]) -> Attachment:
    """Read when `charter.prompt_items` reads its text (a text document that decodes)."""
    fmt = str(part.get("format", ""))[:_MAX_MEDIA_CHARS].lower()
    return Attachment(_BEDROCK[key], fmt, bedrock_document({key: part}) is not None)


def _read(block: Mapping[str, Any]) -> bool:
    """An inline text file, or an Anthropic document holding text (`charter.prompt_items`)."""
    source = block.get("source")
    if isinstance(source, Mapping) and source.get("type") in ("text", "content"):
        return True
    return inline_file(block) is not None


def _media(holder: Mapping[str, Any]) -> str:
    """The media type a block names: its own field, its source's, or a data URL's."""
    for where in (holder, holder.get("source"), holder.get("file")):
        if not isinstance(where, Mapping):
            continue
        named = media_type_of(where)
        if named is not None:
            return named[:_MAX_MEDIA_CHARS].lower()
        for key in ("file_data", "url", "image_url"):
            url = where.get(key)
            url = url.get("url") if isinstance(url, Mapping) else url
            if isinstance(url, str) and url.startswith("data:"):
                return url[5 : url.find(";")].lower()[:_MAX_MEDIA_CHARS] if ";" in url else ""
    return ""


def _kind(media: str, fallback: str) -> str:
    top = media.partition("/")[0]
    return top if top in ("image", "audio", "video") else fallback
