"""A JSON form of a LangChain call's input, kept with an approval request.

When a call waits for a human, the guard stores its (redacted) arguments; `charter.resume`
replays them later, possibly in another process. Messages and prompt values are stored with
LangChain's own message dicts so they come back as the same types. Values that have no JSON
form are marked, and resuming such a call fails with a clear error instead of replaying a
garbled input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import BaseMessage, message_to_dict, messages_from_dict
from langchain_core.prompt_values import ChatPromptValue, StringPromptValue

from charter.errors import ConfigurationError

TAG = "$lc"


def to_record(value: Any) -> Any:
    """`value` as JSON-native data that `from_record` turns back into it."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, BaseMessage):
        return {TAG: "message", "message": message_to_dict(value)}
    if isinstance(value, ChatPromptValue):
        return {TAG: "chat_prompt", "messages": [message_to_dict(m) for m in value.messages]}
    if isinstance(value, StringPromptValue):
        return {TAG: "string_prompt", "text": value.text}
    if isinstance(value, Mapping):
        items = {str(key): to_record(item) for key, item in value.items()}
        return {TAG: "dict", "items": items} if TAG in items else items
    if isinstance(value, list | tuple):
        return [to_record(item) for item in value]
    return {TAG: "unsupported", "type": f"{type(value).__module__}.{type(value).__qualname__}"}


def from_record(record: Any) -> Any:
    if isinstance(record, list):
        return [from_record(item) for item in record]
    if not isinstance(record, dict):
        return record
    tag = record.get(TAG)
    if tag is None:
        return {key: from_record(item) for key, item in record.items()}
    if tag == "message":
        return messages_from_dict([record["message"]])[0]
    if tag == "chat_prompt":
        return ChatPromptValue(messages=messages_from_dict(record["messages"]))
    if tag == "string_prompt":
        return StringPromptValue(text=record["text"])
    if tag == "dict":
        return {key: from_record(item) for key, item in record["items"].items()}
    raise ConfigurationError(
        f"this held call's input contained a {record.get('type', 'value')}, which cannot be "
        "stored with an approval, so the call cannot be resumed; send the request again"
    )
