"""Web and file search citations that point into the answer by position still point at
the same words after the guard changes the text (found by probing, stop 40).

OpenAI's search answers carry annotations with character positions in the answer (a chat
completion's `url_citation.start_index` / `end_index`, a Responses `output_text` part's
`start_index` / `end_index` or a file citation's `index`). When the guard restored a
placeholder the model copied, the text grew by the difference between the value and the
placeholder, and every citation after it pointed at the wrong words.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel

from charter.guard import Charter

EMAIL = "jane.doe@example.com"
PLACEHOLDER = re.compile(r"<EMAIL_ADDRESS_\d+>")
CITED = "the Saturday opening hours"


def _text(placeholder: str) -> str:
    return f"Yes, {placeholder} can visit: see {CITED} of the branch."


def _span(text: str) -> tuple[int, int]:
    start = text.index(CITED)
    return start, start + len(CITED)


def _ask(charter: Charter, answer: Any) -> Any:
    """The guarded answer to a prompt holding the e-mail address; `answer(placeholder)`
    builds what the model says, quoting the placeholder it was shown."""

    @charter.guard(model="gpt-4o-search-preview", provider="openai")
    def create(messages: list[dict[str, str]]) -> Any:
        return answer(PLACEHOLDER.search(messages[0]["content"]).group())

    return create([{"role": "user", "content": f"Can {EMAIL} visit on Saturday?"}])


def test_a_chat_completions_url_citation_moves_with_the_restored_text(charter: Charter) -> None:
    def answer(placeholder: str) -> dict[str, Any]:
        text = _text(placeholder)
        start, end = _span(text)
        url = {"start_index": start, "end_index": end, "url": "https://example.com/b"}
        message = {"role": "assistant", "content": text}
        message["annotations"] = [{"type": "url_citation", "url_citation": url}]
        return {"choices": [{"index": 0, "message": message}]}

    released = _ask(charter, answer)["choices"][0]["message"]
    assert EMAIL in released["content"]
    url = released["annotations"][0]["url_citation"]
    assert released["content"][url["start_index"] : url["end_index"]] == CITED  # main: shifted
    assert url["url"] == "https://example.com/b"


class URLCitation(BaseModel):  # openai.types.chat's shapes, not installed here
    start_index: int
    end_index: int
    url: str


class Annotation(BaseModel):
    type: str = "url_citation"
    url_citation: URLCitation


def test_an_sdk_chat_completions_citation_moves_too(charter: Charter) -> None:
    def answer(placeholder: str) -> Any:
        text = _text(placeholder)
        start, end = _span(text)
        note = Annotation(url_citation=URLCitation(start_index=start, end_index=end, url="u"))
        message = SimpleNamespace(role="assistant", content=text, audio=None, annotations=[note])
        return SimpleNamespace(choices=[SimpleNamespace(index=0, message=message)])

    message = _ask(charter, answer).choices[0].message
    [note] = message.annotations
    assert isinstance(note, Annotation) and note.url_citation.url == "u"
    span = message.content[note.url_citation.start_index : note.url_citation.end_index]
    assert span == CITED


def test_a_responses_url_and_file_citation_move_with_the_restored_text(charter: Charter) -> None:
    def answer(placeholder: str) -> dict[str, Any]:
        text = _text(placeholder)
        start, end = _span(text)
        notes = [
            {"type": "url_citation", "start_index": start, "end_index": end, "url": "u"},
            {"type": "file_citation", "index": end, "file_id": "f"},
        ]
        part = {"type": "output_text", "text": text, "annotations": notes}
        message = {"type": "message", "role": "assistant", "content": [part]}
        return {"object": "response", "output": [message]}

    part = _ask(charter, answer)["output"][0]["content"][0]
    url, file = part["annotations"]
    assert EMAIL in part["text"] and part["text"][url["start_index"] : url["end_index"]] == CITED
    assert file["index"] == url["end_index"]


def test_positions_inside_a_change_go_to_its_edges() -> None:
    from charter._positions import moved_annotations, position_in

    old, new = "ab <P1> cd", "ab jane@x.org cd"
    at = position_in(old, new)
    assert (at(0, False), at(8, False), at(len(old), True)) == (0, 14, len(new))  # unchanged
    assert at(3, False) == 3 and at(7, True) == 13  # the placeholder's span: the value's
    assert at(5, False) == 3 and at(5, True) == 13  # inside it: its start or its end
    # A broken shape is left as it is (fuzzing: `annotations` set to a number or a dict).
    assert moved_annotations(1, old, new) == 1
    assert moved_annotations({"start_index": 3}, old, new) == {"start_index": 3}


def test_a_cohere_citation_span_moves_with_the_restored_text(charter: Charter) -> None:
    """Cohere v2's `message.citations` give `start` / `end` in the message's text and the
    `text` they span (stop 41)."""

    def answer(placeholder: str) -> dict[str, Any]:
        text = _text(placeholder)
        start, end = _span(text)
        cite = {"start": start, "end": end, "text": CITED, "sources": [{"id": "doc_0"}]}
        content = [{"type": "text", "text": text}]
        message = {"role": "assistant", "content": content, "citations": [cite]}
        return {"id": "r1", "message": message, "finish_reason": "COMPLETE"}

    message = _ask(charter, answer)["message"]
    text = message["content"][0]["text"]
    assert EMAIL in text
    cite = message["citations"][0]
    assert text[cite["start"] : cite["end"]] == cite["text"] == CITED  # main: shifted
    assert cite["sources"] == [{"id": "doc_0"}]
