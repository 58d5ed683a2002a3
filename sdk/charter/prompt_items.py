"""The texts inside a prompt's messages and items, with their roles, and how to write them
back: what `OpenAIMessagesAdapter` reads of OpenAI chat messages, Anthropic messages and
a Responses API `input` list.

A message's text is its `content` string, or the strings and the blocks that carry `text`
(OpenAI's `text` / `input_text` parts, Anthropic's `text` blocks) of its `content` list or
tuple (the SDKs send any iterable as a list: `charter._iterables` reads one as a list
before this module does, and a tuple used to go to the model unread). Some texts sit
one level down, and they reach the model as surely as the user's own words:

- Anthropic `tool_result` blocks (what a tool returned in an agent loop, `content` as a
  string or as blocks) and `search_result` blocks (an application's own search results)
  are read with role `tool`, like an OpenAI `tool` message or a Responses
  `function_call_output`: redacted and read by the policy, not scored as the user's words
  (indirect injection is judged at a guarded tool's `tool_result` stage);
- an Anthropic `document` (a file the user hands over: plain text in `source.data`, or
  blocks in `source.content`; its `title` and `context` reach the model too) is read with
  its message's role, so an upload is scored like the user's words (a jailbreak moved into
  a document, or into its title, is still the user's);
- **the calls the model proposed earlier**, sent back as history: an OpenAI assistant
  message's `tool_calls[].function.arguments` (and the legacy `function_call`), an
  Anthropic `tool_use` block's `input`, a Responses `function_call` item's `arguments`
  (`custom_tool_call`: `input`). The output stage restores placeholders in a proposed
  call so that the application can run it with the real values; the application then
  appends that call to the history, and the next turn would send the real values to the
  model. Each string in them is read with role `assistant` (redacted, not scored), and
  JSON arguments are written back as JSON.

The same holds for Amazon Bedrock's Converse messages (`toolResult` blocks as tool output,
`toolUse` blocks as earlier calls, a `document` as the user's upload when it holds text:
`source.text`, `source.content`, or the `bytes` of a txt, md, csv or html file; an earlier answer's
`citationsContent`), Google
Gemini's `contents` (items of `role` and `parts`: `function_response` parts as tool output,
`function_call` parts as earlier calls) and Cohere v2 (a `document` block's `data` as tool
output). An OpenAI assistant's earlier `refusal` part is read as its text, and LangChain's
tool blocks (`json`, `custom_tool_call_output`, `server_tool_result`) as tool output.
Blocks without text (images, audio, PDFs as base64) pass unread, and so do the reasoning
parts (`thought: true`) of the model's own turns: its earlier reasoning is sent back as it
was signed. A part marked `thought` in any other turn (the user's) is read: probing found
one skipped whatever its role, neither scored nor redacted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from charter._fields import kind_of
from charter._leaves import argument_leaves, with_argument_leaves
from charter.inline_files import inline_file

TOOL_ROLE = "tool"
CALLER_ROLE = "assistant"

RESPONSES_ITEMS = frozenset(
    {
        "message",
        "function_call",
        "function_call_output",
        "custom_tool_call",
        "custom_tool_call_output",
        "reasoning",
        "item_reference",
    }
)
"""Items of a Responses API `input` besides messages: an agent loop sends back the calls
the model proposed and their results (`function_call_output.output`, a tool's text)."""
_RESPONSES_CALL_FIELD = {"function_call": "arguments", "custom_tool_call": "input"}
_NESTED_TOOL = frozenset({"tool_result", "search_result"})
_KEYED = {
    "toolResult": ("content", TOOL_ROLE),  # Bedrock Converse: a tool's result
    "toolUse": ("input", CALLER_ROLE),  # Bedrock Converse: a call the model proposed
    "function_response": ("response", TOOL_ROLE),  # Gemini
    "functionResponse": ("response", TOOL_ROLE),
    "function_call": ("args", CALLER_ROLE),
    "functionCall": ("args", CALLER_ROLE),
    "document": ("data", TOOL_ROLE),  # Cohere v2: a document a tool returned
    "citationsContent": ("content", CALLER_ROLE),  # Bedrock: an earlier cited answer
}
"""Blocks named by their one key rather than a `type`: every string under the field is
read (a tool result's text and JSON, a call's arguments)."""
_OWN_FIELD = {"refusal": "refusal"}
"""Blocks whose text sits in a field named by their type: an OpenAI assistant message's
earlier `refusal` part, sent back as history."""
_TOOL_OUTPUTS = dict.fromkeys(("custom_tool_call_output", "server_tool_result"), "output")
_TOOL_OUTPUTS["json"] = "json"
"""LangChain tool blocks: a `json` block's value (each string, as a JSON value's), another's
`output` (text, blocks, or a JSON value's strings), read as a tool's output."""
_MODEL_TURNS = frozenset({"model", CALLER_ROLE})
"""Roles of the model's own turns (Gemini's `model`), whose `thought` parts are skipped."""
_DOCUMENT_NAMES = ("title", "context")
"""An Anthropic document's texts beside its source."""
TEXT_FORMATS = frozenset({"txt", "md", "csv", "html"})
"""Bedrock Converse document formats whose `bytes` are text (read as UTF-8)."""

Pairs = list[tuple[str, str]]


def is_message_dict(item: Any) -> bool:
    """A chat message: `role` and `content` (Gemini's `contents` items: `role` and
    `parts`), a dict or an SDK object."""
    item = plain(item)
    return item is not None and "role" in item and ("content" in item or "parts" in item)


def is_responses_item(item: Any) -> bool:
    item = plain(item)
    return item is not None and kind_of(item) in RESPONSES_ITEMS


def plain(value: Any) -> Mapping[str, Any] | None:
    """A message, item or block as a dict: itself, or an SDK object's dict form (pydantic's
    `model_dump`). Agent loops append the SDK's own objects to the history: OpenAI's
    `completion.choices[0].message`, the Responses API's `response.output`, Anthropic's
    `response.content` blocks. None for anything else; a LangChain message is LangChain's."""
    if isinstance(value, Mapping):
        return value
    dump = getattr(value, "model_dump", None)
    if not callable(dump) or hasattr(value, "additional_kwargs"):
        return None
    try:
        dumped = dump(exclude_none=True)
    except Exception:  # a model that cannot dump itself is not read
        return None
    if not isinstance(dumped, Mapping):
        return None
    if "role" in dumped and "content" not in dumped and hasattr(value, "content"):
        return {**dumped, "content": None}  # OpenAI's message that only calls tools
    return dumped


def item_texts(item: Any) -> Pairs:
    """(role, text) of every text in one message or item, in the order `with_item_texts`
    writes them: its content, then the strings of the calls it carries."""
    item = plain(item)
    if item is None:
        return []
    key = _text_key(item)
    out: Pairs = []
    if key is not None:
        role = _role(item)
        content = item[key]
        if isinstance(content, str):
            out.append((role, content))
        elif isinstance(content, list | tuple):  # any other iterable: `charter._iterables`
            out.extend(pair for block in content for pair in block_texts(block, role))
    out.extend(
        (CALLER_ROLE, leaf) for raw in _call_arguments(item) for leaf in argument_leaves(raw)
    )
    return out


def with_item_texts(item: Any, texts: Iterator[str]) -> Any:
    """`item` with its texts (as `item_texts` lists them) taken from `texts`: the item
    itself when none changed, else a new dict (an SDK object's too: the SDKs take dicts)."""
    found = plain(item)
    if found is None:
        return item
    key = _text_key(found)
    out: Any = found
    if key is not None:
        content = found[key]
        if isinstance(content, str):
            out = {**found, key: next(texts)}
        elif isinstance(content, list | tuple):  # written back as a list: every SDK takes one
            role = _role(found)
            out = {**found, key: [with_block_texts(block, texts, role) for block in content]}
    out = _with_call_arguments(out, texts)
    return item if out == found else out


# --- where an item keeps its text --------------------------------------------------------------


def _text_key(item: Any) -> str | None:
    """A message's `content`, a tool result's `output`."""
    if is_message_dict(item):
        return "content" if "content" in item else "parts"
    if is_responses_item(item):
        return "output" if str(item["type"]).endswith("_output") else None
    return None


def _role(item: Mapping[str, Any]) -> str:
    return str(item["role"]) if "role" in item else TOOL_ROLE


def _keyed(block: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """A block named by its one key (Bedrock's, Gemini's): (key, field, role)."""
    for key, (field, role) in _KEYED.items():
        if isinstance(block.get(key), Mapping) and field in block[key]:
            return key, field, role
    return None


def _kind(block: Mapping[str, Any]) -> str | None:
    """A block's `type`; None when it has none, or one that is not a string (a broken
    block: read for what else it holds, never a crash)."""
    kind = block.get("type")
    return kind if isinstance(kind, str) else None


def block_texts(block: Any, role: str) -> Pairs:
    """(role, text) of every text one content block holds, in the order `with_block_texts`
    writes them: `role` is its message's; a tool's output inside is read as `tool`, an
    earlier call's arguments as `assistant`. A LangChain message's blocks are read here too
    (`charter.lc_messages`)."""
    if isinstance(block, str):  # a bare string among the parts: text all the same
        return [(role, block)]
    block = plain(block)
    if block is None or (block.get("thought") is True and role in _MODEL_TURNS):
        return []
    if isinstance(block.get("text"), str):
        return [(role, block["text"])]
    keyed = _keyed(block)
    if keyed is not None:
        key, field, keyed_role = keyed
        return [(keyed_role, leaf) for leaf in argument_leaves(block[key][field])]
    kind = _kind(block)
    own = _OWN_FIELD.get(kind or "")
    if own is not None and isinstance(block.get(own), str):
        return [(role, block[own])]
    out = _TOOL_OUTPUTS.get(kind or "")
    if out is not None:
        if kind != "json" and isinstance(block.get(out), list | tuple):
            return _content_texts(block[out], TOOL_ROLE)
        return [(TOOL_ROLE, leaf) for leaf in argument_leaves(block.get(out))]
    document = bedrock_document(block)
    if document is not None:
        return [(role, text) for text in document[1]]
    if kind in _NESTED_TOOL:
        return _content_texts(block.get("content"), TOOL_ROLE)
    if kind == "tool_use":
        return [(CALLER_ROLE, leaf) for leaf in argument_leaves(block.get("input"))]
    named = [(role, block[f]) for f in _DOCUMENT_NAMES if isinstance(block.get(f), str)]
    named = named if kind == "document" else []
    source = block.get("source") if kind == "document" else None
    if isinstance(source, Mapping):
        if source.get("type") == "text" and isinstance(source.get("data"), str):
            return [*named, (role, source["data"])]
        if source.get("type") == "content":
            return [*named, *_content_texts(source.get("content"), role)]
    upload = inline_file(block)
    return [*named, (role, upload.text)] if upload is not None else named


def with_block_texts(block: Any, texts: Iterator[str], role: str) -> Any:
    if isinstance(block, str):
        return next(texts)
    found = plain(block)
    if found is None:
        return block
    out = _with_plain_block_texts(found, texts, role)
    return block if out == found else out


def _with_plain_block_texts(block: Mapping[str, Any], texts: Iterator[str], role: str) -> Any:
    if block.get("thought") is True and role in _MODEL_TURNS:
        return block
    if isinstance(block.get("text"), str):
        return {**block, "text": next(texts)}
    keyed = _keyed(block)
    if keyed is not None:
        key, field, _ = keyed
        return {**block, key: {**block[key], field: with_argument_leaves(block[key][field], texts)}}
    kind = _kind(block)
    own = _OWN_FIELD.get(kind or "")
    if own is not None and isinstance(block.get(own), str):
        return {**block, own: next(texts)}
    out = _TOOL_OUTPUTS.get(kind or "")
    if out is not None and out in block:
        if kind != "json" and isinstance(block[out], list | tuple):
            blocks = [with_block_texts(inner, texts, TOOL_ROLE) for inner in block[out]]
            return {**block, out: blocks}
        return {**block, out: with_argument_leaves(block[out], texts)}
    document = bedrock_document(block)
    if document is not None:
        new = _with_source_texts(document[0], texts)
        return {**block, "document": {**block["document"], "source": new}}
    if kind in _NESTED_TOOL:
        return _with_content(block, texts, TOOL_ROLE)
    if kind == "tool_use" and "input" in block:
        return {**block, "input": with_argument_leaves(block["input"], texts)}
    if kind == "document":
        names = {f: next(texts) for f in _DOCUMENT_NAMES if isinstance(block.get(f), str)}
        block = {**block, **names}
    source = block.get("source") if kind == "document" else None
    if isinstance(source, Mapping):
        if source.get("type") == "text" and isinstance(source.get("data"), str):
            return {**block, "source": {**source, "data": next(texts)}}
        if source.get("type") == "content":
            return {**block, "source": _with_content(source, texts, role)}
    upload = inline_file(block)
    if upload is not None:
        text = next(texts)
        return block if text == upload.text else upload.written(block, text)
    return block


def _content_texts(content: Any, role: str) -> Pairs:
    if isinstance(content, str):
        return [(role, content)]
    if isinstance(content, list | tuple):
        return [pair for block in content for pair in block_texts(block, role)]
    return []


def _with_content(holder: Mapping[str, Any], texts: Iterator[str], role: str) -> Any:
    content = holder.get("content")
    if isinstance(content, str):
        return {**holder, "content": next(texts)}
    if isinstance(content, list | tuple):
        blocks = [with_block_texts(block, texts, role) for block in content]
        return {**holder, "content": blocks}
    return holder


def bedrock_document(block: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[str]] | None:
    """A Bedrock Converse document's `source` and its texts when it holds text: `text`,
    `content` blocks, or the `bytes` of a text format (decoded once); None otherwise (a
    PDF, an S3 location, bytes that are not UTF-8)."""
    document = block.get("document")
    if not isinstance(document, Mapping) or not isinstance(document.get("source"), Mapping):
        return None
    source: Mapping[str, Any] = document["source"]
    if isinstance(source.get("text"), str):
        return source, [source["text"]]
    if isinstance(source.get("content"), list | tuple):
        return source, [text for _, text in _content_texts(source["content"], TOOL_ROLE)]
    data = source.get("bytes")
    if str(document.get("format", "")).lower() in TEXT_FORMATS and isinstance(data, bytes):
        try:
            return source, [data.decode("utf-8")]
        except UnicodeDecodeError:
            return None
    return None


def _with_source_texts(source: Mapping[str, Any], texts: Iterator[str]) -> Mapping[str, Any]:
    if isinstance(source.get("text"), str):
        return {**source, "text": next(texts)}
    if isinstance(source.get("bytes"), bytes):
        return {**source, "bytes": next(texts).encode("utf-8")}
    content: Mapping[str, Any] = _with_content(source, texts, TOOL_ROLE)  # as read
    return content


# --- the calls an item carries -----------------------------------------------------------------


def _functions(item: Any) -> list[Any]:
    """An OpenAI message's `function` parts: each of `tool_calls`, then `function_call`."""
    if not is_message_dict(item):
        return []
    calls = item.get("tool_calls")
    out = (
        [c.get("function") for c in calls if isinstance(c, Mapping)]
        if isinstance(calls, list | tuple)
        else []
    )
    out.append(item.get("function_call"))
    return [f for f in out if isinstance(f, Mapping) and "arguments" in f]


def _call_arguments(item: Any) -> list[Any]:
    if is_responses_item(item):
        field = _RESPONSES_CALL_FIELD.get(item["type"])
        return [item[field]] if field is not None and field in item else []
    return [function["arguments"] for function in _functions(item)]


def _with_call_arguments(item: Any, texts: Iterator[str]) -> Any:
    if is_responses_item(item):
        field = _RESPONSES_CALL_FIELD.get(item["type"])
        if field is None or field not in item:
            return item
        return {**item, field: with_argument_leaves(item[field], texts)}
    if not _functions(item):
        return item
    out = dict(item)
    calls = item.get("tool_calls")
    if isinstance(calls, list | tuple):
        out["tool_calls"] = [_with_function(call, texts) for call in calls]
    legacy = item.get("function_call")
    if isinstance(legacy, Mapping) and "arguments" in legacy:
        out["function_call"] = {
            **legacy,
            "arguments": with_argument_leaves(legacy["arguments"], texts),
        }
    return out


def _with_function(call: Any, texts: Iterator[str]) -> Any:
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping) or "arguments" not in function:
        return call
    return {
        **call,
        "function": {**function, "arguments": with_argument_leaves(function["arguments"], texts)},
    }
