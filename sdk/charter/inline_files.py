"""Text files a prompt hands over inline, encoded: read as the text they hold, and written
back encoded as they came.

An upload reaches the model as surely as the user's own words, and a text file is the
likeliest upload to hold a customer list or a ticket export. The SDKs carry one as:

- OpenAI chat: a `file` part, `{"file": {"file_data": "data:text/plain;base64,..."}}`;
- the Responses API: an `input_file` part with `file_data` (a data URL);
- Gemini: an `inline_data` (`inlineData`) part, `{"mime_type", "data"}` (base64, or bytes
  from the SDK's own `Part`);
- Anthropic: a `document` whose `source` is `base64` with a text `media_type`;
- LangChain: a `file` block with `base64` (v1) or `source_type: "base64"` and `data`.

A payload is read when its media type (or, without one, its file name) says text and it
decodes as UTF-8; a PDF, an image or bytes that are not UTF-8 are not read and go out as
they came (`charter.prompt_items` says what else is not read).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

_TEXT_APPLICATION = frozenset(
    {
        "application/json",
        "application/x-ndjson",
        "application/jsonl",
        "application/xml",
        "application/yaml",
        "application/x-yaml",
        "application/csv",
        "application/javascript",
        "application/x-sh",
        "application/sql",
        "application/x-tex",
        "application/rtf",
    }
)
_TEXT_SUFFIXES = frozenset(
    {
        ".txt",
        ".text",
        ".md",
        ".markdown",
        ".csv",
        ".tsv",
        ".json",
        ".jsonl",
        ".ndjson",
        ".xml",
        ".html",
        ".htm",
        ".yaml",
        ".yml",
        ".log",
        ".ini",
        ".cfg",
        ".toml",
        ".sql",
        ".py",
        ".js",
        ".ts",
        ".java",
        ".c",
        ".h",
        ".cpp",
        ".go",
        ".rs",
        ".rb",
        ".php",
        ".sh",
        ".tex",
        ".rst",
    }
)
_UNTYPED = frozenset({"", "application/octet-stream"})

_PLACES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("file",), "file_data"),  # OpenAI chat `file` part
    ((), "file_data"),  # Responses `input_file`
    (("inline_data",), "data"),  # Gemini
    (("inlineData",), "data"),
    (("source",), "data"),  # Anthropic `document` with a base64 source
    ((), "base64"),  # LangChain v1 `file` block
    ((), "data"),  # LangChain `source_type: "base64"`
)
"""Where a block keeps its payload: keys down to the dict that holds it, and its field."""


@dataclass(frozen=True, slots=True)
class InlineFile:
    """One inline text file: where its payload sits in the block, how it was encoded, and
    the text it holds."""

    path: tuple[str, ...]
    field: str
    prefix: str
    """`data:<type>;base64,` when the payload was a data URL, else empty."""
    as_bytes: bool
    text: str

    def written(self, block: Mapping[str, Any], text: str) -> Mapping[str, Any]:
        """`block` holding `text` instead, encoded as the payload came."""
        raw = text.encode("utf-8")
        value: str | bytes = raw if self.as_bytes else self.prefix + base64.b64encode(raw).decode()
        return _replaced(block, self.path, {self.field: value})


def inline_file(block: Mapping[str, Any]) -> InlineFile | None:
    """The inline text file `block` carries, or None (no payload, not text, not UTF-8)."""
    for path, field in _PLACES:
        holder = _at(block, path)
        if holder is None or not isinstance(holder.get(field), str | bytes):
            continue
        if path == ("source",) and holder.get("type") != "base64":
            return None
        return _decoded(block, holder, path, field)
    return None


def _decoded(
    block: Mapping[str, Any], holder: Mapping[str, Any], path: tuple[str, ...], field: str
) -> InlineFile | None:
    value = holder[field]
    prefix, media, payload = "", media_type_of(holder) or "", value
    if isinstance(value, str) and value.startswith("data:"):
        head, comma, rest = value.partition(",")
        if not comma or not head.endswith(";base64"):
            return None
        prefix, media, payload = head + ",", head[5:].split(";")[0], rest
    name = holder.get("filename") or block.get("filename") or block.get("name")
    if not _is_text(media.strip().lower(), name):
        return None
    try:
        raw = payload if isinstance(payload, bytes) else base64.b64decode(payload, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):  # not base64, or not UTF-8 (a UnicodeDecodeError)
        return None
    return InlineFile(path, field, prefix, isinstance(payload, bytes), text)


def media_type_of(holder: Mapping[str, Any]) -> str | None:
    """The media type a block or its payload names (`mime_type`, Gemini's `mimeType`,
    Anthropic's `media_type`), as written; None when it names none."""
    for key in ("mime_type", "mimeType", "media_type"):
        if isinstance(holder.get(key), str):
            return str(holder[key])
    return None


def _is_text(media: str, name: Any) -> bool:
    if media.startswith("text/") or media in _TEXT_APPLICATION:
        return True
    if media.endswith(("+json", "+xml")):
        return True
    return media in _UNTYPED and isinstance(name, str) and _suffix(name) in _TEXT_SUFFIXES


def _suffix(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _at(block: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any] | None:
    holder: Any = block
    for key in path:
        holder = holder.get(key) if isinstance(holder, Mapping) else None
    return holder if isinstance(holder, Mapping) else None


def _replaced(
    block: Mapping[str, Any], path: tuple[str, ...], update: dict[str, Any]
) -> dict[str, Any]:
    if not path:
        return {**block, **update}
    return {**block, path[0]: _replaced(block[path[0]], path[1:], update)}
