"""LangChain messages as prompts and answers of a plain guarded function: one text per
message (its text parts joined, or the transcript of an answer spoken as audio), then, in
a prompt's history, the inline text files its content hands over and the strings of the
calls it carries."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from charter._fields import Usage, spoken
from charter._positions import split_like
from charter.inline_files import InlineFile, inline_file
from charter.lc_calls import lc_call_leaves, lc_with_call_leaves


class LangChainMessagesAdapter:
    """A LangChain `BaseMessage` or a list of them (duck-typed: `.type` and `.content`)."""

    def matches(self, value: Any) -> bool:
        items = value if isinstance(value, list | tuple) else [value]
        return bool(items) and all(is_lc_message(m) for m in items)

    def texts(self, value: Any) -> list[str]:
        return [text for _, text in self._texts(value)]

    def roles(self, value: Any) -> list[str]:
        return [role for role, _ in self._texts(value)]

    def _texts(self, value: Any) -> list[tuple[str, str]]:
        """Each message's text; in a list (a prompt's history), then the strings of the
        calls a message carries: an earlier proposed call holds the values the output stage
        restored (read as the model's, `ai`: redacted, not scored). A lone message is an
        answer, whose calls the output stage reads itself (`charter.tool_calls`)."""
        history = isinstance(value, list | tuple)
        out: list[tuple[str, str]] = []
        for message in _listed(value):
            role = str(message.type)
            out.append((role, _lc_text(message)))
            out.extend((role, upload.text) for _, upload in _uploads(message))
            if history:
                out.extend(("ai", leaf) for leaf in lc_call_leaves(message))
        return out

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        it = iter(texts)
        if not isinstance(value, list | tuple):
            return _with_uploads(_lc_with_text(value, next(it)), it)
        return [
            lc_with_call_leaves(_with_uploads(_lc_with_text(m, next(it)), it), it) for m in value
        ]

    def follow_up(self, prompt: Any, draft: str, request: str) -> Any:
        from langchain_core.messages import AIMessage, HumanMessage  # LangChain messages: installed

        items = list(prompt) if isinstance(prompt, list | tuple) else [prompt]
        return [*items, AIMessage(content=draft), HumanMessage(content=request)]

    def usage(self, value: Any) -> Usage:
        meta = getattr(value, "usage_metadata", None) or {}
        response = getattr(value, "response_metadata", None) or {}
        reason = response.get("finish_reason") or response.get("stop_reason")
        return Usage(
            input_tokens=meta.get("input_tokens"),
            output_tokens=meta.get("output_tokens"),
            finish_reasons=(str(reason),) if reason else (),
            response_model=response.get("model_name") or response.get("model"),
        )


def _uploads(message: Any) -> list[tuple[int, InlineFile]]:
    """The inline text files of a message's content blocks (`charter.inline_files`), by
    their place in it: read with the message's role, like an Anthropic document."""
    content = message.content
    if not isinstance(content, list):
        return []
    found = ((i, inline_file(p)) for i, p in enumerate(content) if isinstance(p, Mapping))
    return [(i, upload) for i, upload in found if upload is not None]


def _with_uploads(message: Any, texts: Iterator[str]) -> Any:
    changed = {}
    for i, upload in _uploads(message):
        text = next(texts)
        if text != upload.text:
            changed[i] = upload.written(message.content[i], text)
    if not changed:
        return message
    content = [changed.get(i, part) for i, part in enumerate(message.content)]
    return message.model_copy(update={"content": content})


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def is_lc_message(value: Any) -> bool:
    return hasattr(value, "content") and hasattr(value, "type") and hasattr(value, "model_copy")


def lc_spoken(message: Any) -> str | None:
    """The transcript of a LangChain answer spoken as audio (ChatOpenAI keeps the API's
    `audio` in `additional_kwargs`; the content is empty), else None."""
    extra = getattr(message, "additional_kwargs", None)
    if message.content or not isinstance(extra, Mapping):
        return None
    return spoken({"content": None, "audio": extra.get("audio")})


def lc_with_spoken(message: Any, text: str) -> Any:
    """`message` saying `text`: unchanged when it is the transcript, else `text` as its
    content and the audio gone (it cannot be redacted)."""
    if text == lc_spoken(message):
        return message
    extra = {k: v for k, v in message.additional_kwargs.items() if k != "audio"}
    return message.model_copy(update={"content": text, "additional_kwargs": extra})


def _lc_text(message: Any) -> str:
    content = message.content
    said = lc_spoken(message)
    if said is not None:
        return said
    if isinstance(content, str):
        return content
    return "".join(_lc_part_text(p) for p in content if is_lc_text_part(p))


def _lc_with_text(message: Any, text: str) -> Any:
    """Content blocks stay blocks (thinking, tool use): the new text is cut back into the
    text parts where they were cut, each keeping its other fields (citations); a text part
    it leaves empty goes, but the first."""
    content = message.content
    if lc_spoken(message) is not None:
        return lc_with_spoken(message, text)
    if not isinstance(content, list):
        return message.model_copy(update={"content": text})
    at = [i for i, p in enumerate(content) if is_lc_text_part(p)]
    if not at:
        return message.model_copy(update={"content": [*content, {"type": "text", "text": text}]})
    pieces = dict(zip(at, split_like([_lc_part_text(content[i]) for i in at], text), strict=True))
    kept = []
    for i, part in enumerate(content):
        if i not in pieces:
            kept.append(part)
        elif pieces[i] or i == at[0]:
            kept.append(pieces[i] if isinstance(part, str) else {**part, "text": pieces[i]})
    return message.model_copy(update={"content": kept})


def is_lc_text_part(part: Any) -> bool:
    """A part of LangChain message content that holds text: a str, or a block whose `text`
    is a string, whatever its type (`text`, `text-plain` for an attached document, a
    provider's `output_text`). Read by one type and written by another, a document block's
    text was redacted for the policy and sent to the model as it came."""
    return isinstance(part, str) or (
        isinstance(part, Mapping) and isinstance(part.get("text"), str)
    )


def _lc_part_text(part: Any) -> str:
    return part if isinstance(part, str) else str(part["text"])
