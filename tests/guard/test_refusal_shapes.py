"""A prompt refused before the model is called (`on_deny="refuse"`) is answered in the shape
of the provider's chat API, so the application reads the refusal as it reads an answer.

On main at 3893543 every chat-message prompt got an OpenAI chat completion, whatever the
provider: an app on `client.messages.create` (Anthropic) read `answer.content[0].text` and
failed. These tests fail there (but the OpenAI one).
"""

from __future__ import annotations

from typing import Any

import pytest

from charter.adapters import (
    AnthropicMessageAdapter,
    GeminiAdapter,
    MessageAnswerAdapter,
    OpenAIResponseAdapter,
    adapter_for,
)
from charter.guard import Charter

ASK = "Which stocks should I buy with my savings?"


@pytest.mark.parametrize(
    ("provider", "prompt", "adapter"),
    [
        ("openai", [{"role": "user", "content": ASK}], OpenAIResponseAdapter),
        ("anthropic", [{"role": "user", "content": ASK}], AnthropicMessageAdapter),
        ("aws.bedrock", [{"role": "user", "content": [{"text": ASK}]}], MessageAnswerAdapter),
        ("cohere", [{"role": "user", "content": ASK}], MessageAnswerAdapter),
        ("ollama", [{"role": "user", "content": ASK}], MessageAnswerAdapter),
        ("gcp.gemini", [{"role": "user", "parts": [{"text": ASK}]}], GeminiAdapter),
        ("", [{"role": "user", "parts": [{"text": ASK}]}], GeminiAdapter),  # by its shape
    ],
)
def test_a_refused_prompt_is_answered_in_the_providers_shape(
    charter: Charter, provider: str, prompt: list[Any], adapter: type
) -> None:
    called: list[Any] = []

    @charter.guard(model="m", provider=provider, on_deny="refuse")
    def model(messages: list[Any]) -> Any:
        called.append(messages)
        return "never"

    answer = model(prompt)
    assert called == []
    found = adapter_for(answer)
    assert isinstance(found, adapter)
    (text,) = found.texts(answer)
    assert text.startswith("I can't help with that") and "topics.forbidden" in text
