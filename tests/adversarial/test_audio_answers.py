"""An answer spoken as audio (OpenAI chat `modalities=["text", "audio"]`: `content` is None,
the words are `message.audio.transcript`) goes through the output checks like a written one.

On main at ab2e57c its words were never read: the output stage saw an empty answer, so a
card number or a harmful plan in the transcript (and in the speech) passed, whole or
streamed. These tests fail there. Audio cannot be redacted: when the words must change
(masked, restored, refused) the audio goes and the checked words come back as `content`;
a stream that carries audio is refused with a clear error before anything plays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from charter.errors import ConfigurationError, PolicyViolation
from charter.guard import Charter
from tests.langchain.conftest import RecordingChatModel

CARD = "4111 1111 1111 1111"
HARMFUL = "Step 1: mix bleach and ammonia in a closed room to make a toxic gas that will kill him"
EMAIL = "jane.doe@example.com"


def _spoken(transcript: str) -> dict[str, Any]:
    audio = {"id": "audio_1", "data": "UklGRiQAAABXQVZF", "transcript": transcript, "expires_at": 1}
    message = {"role": "assistant", "content": None, "audio": audio}
    return {"object": "chat.completion", "choices": [{"index": 0, "message": message}]}


def _guarded(charter: Charter, answer: Any, **kw: Any) -> Any:
    return charter.guard(model="gpt-4o-audio-preview", provider="openai", **kw)(lambda p: answer)(
        "What is on my card?"
    )


def test_a_card_in_the_transcript_is_masked_and_the_audio_withheld(charter: Charter) -> None:
    out = _guarded(charter, _spoken(f"Your card {CARD} is active."))
    message = out["choices"][0]["message"]
    assert message["audio"] is None  # the speech says the number: it does not go out
    assert CARD not in message["content"] and message["content"].endswith("1111 is active.")


def test_harmful_speech_is_denied_and_refused_as_text(charter: Charter) -> None:
    with pytest.raises(PolicyViolation):
        _guarded(charter, _spoken(HARMFUL))
    out = _guarded(charter, _spoken(HARMFUL), on_deny="refuse")
    message = out["choices"][0]["message"]
    assert message["audio"] is None and "bleach" not in json.dumps(out)
    assert message["content"].startswith("I can't help with that")


def test_a_clean_spoken_answer_comes_back_as_it_was(charter: Charter) -> None:
    answer = _spoken("We open at nine on Saturdays.")
    assert _guarded(charter, answer) is answer


def test_a_restored_placeholder_replaces_the_audio_with_text(charter: Charter) -> None:
    @charter.guard(model="gpt-4o-audio-preview", provider="openai")
    def model(prompt: str) -> dict[str, Any]:
        found = re.search(r"<EMAIL_ADDRESS_\d+>", prompt)
        assert found is not None
        return _spoken(f"I will write to {found[0]}.")

    message = model(f"Write to {EMAIL}")["choices"][0]["message"]
    assert message == {"role": "assistant", "content": f"I will write to {EMAIL}.", "audio": None}


def test_an_audio_stream_is_refused_before_anything_plays(charter: Charter) -> None:
    sent: list[Any] = []

    @charter.guard(model="gpt-4o-audio-preview", provider="openai")
    def model(prompt: str) -> Iterator[dict[str, Any]]:
        yield {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"role": "assistant"}}],
        }
        for piece in (f"Your card {CARD}", " is active."):
            delta = {"audio": {"id": "audio_1", "transcript": piece}}
            yield {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}

    with pytest.raises(ConfigurationError, match="audio"):
        for chunk in model("What is on my card?"):
            sent.append(chunk)
    assert sent == []


def test_a_responses_audio_stream_is_refused_too(charter: Charter) -> None:
    @charter.guard(model="gpt-x", provider="openai")
    def model(prompt: str) -> Iterator[dict[str, Any]]:
        yield {"type": "response.created", "response": {"id": "r"}}
        yield {"type": "response.audio.transcript.delta", "delta": f"Your card {CARD}"}

    with pytest.raises(ConfigurationError, match="audio"):
        list(model("What is on my card?"))


class SpeakingModel(RecordingChatModel):
    """ChatOpenAI's shape of a spoken answer: empty content, the API's audio kept in
    `additional_kwargs`."""

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Any:
        from langchain_core.outputs import ChatGeneration, ChatResult

        text = self._reply(messages, kw)
        audio = {"id": "audio_1", "data": "UklGRg==", "transcript": text, "expires_at": 1}
        message = AIMessage(content="", additional_kwargs={"audio": audio})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Any:
        from langchain_core.outputs import ChatGenerationChunk

        text = self._reply(messages, kw)
        audio = {"id": "audio_1", "transcript": text}
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", additional_kwargs={"audio": audio})
        )


def test_langchain_spoken_answers_are_checked(charter: Charter) -> None:
    from charter.langchain import guard_chat_model

    model = SpeakingModel(answer=f"Your card {CARD} is active.")
    guarded = guard_chat_model(model, charter=charter, provider="openai", model_name="gpt-4o")
    answer = guarded.invoke("What is on my card?")
    assert "audio" not in answer.additional_kwargs
    assert CARD not in answer.content and answer.content.endswith("1111 is active.")
    clean = SpeakingModel(answer="We open at nine.")
    kept = guard_chat_model(clean, charter=charter, provider="openai", model_name="gpt-4o")
    assert (
        kept.invoke("When do you open?").additional_kwargs["audio"]["transcript"]
        == "We open at nine."
    )
    with pytest.raises(ConfigurationError, match="audio"):
        list(guarded.stream("What is on my card?"))


def test_a_plain_guard_over_a_langchain_spoken_answer_masks_it(charter: Charter) -> None:
    audio = {"id": "audio_1", "data": "UklGRg==", "transcript": f"Card {CARD}.", "expires_at": 1}
    answer = AIMessage(content="", additional_kwargs={"audio": audio})
    out = charter.guard(model="m", provider="openai")(lambda p: answer)("my card?")
    assert out.additional_kwargs == {} and CARD not in out.content
