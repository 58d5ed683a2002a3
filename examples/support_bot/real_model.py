"""A real model for the support bot when OPENAI_API_KEY is set and the `langchain` extra
plus `langchain-openai` are installed; otherwise None (the offline model is used)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from charter.demo.bot import SYSTEM


class OpenAIChat:
    def __init__(self, chat: Any) -> None:
        self.chat = chat

    def complete(self, prompt: str) -> dict[str, Any]:
        message = self.chat.invoke([("system", SYSTEM), ("user", prompt)])
        return {
            "choices": [
                {
                    "message": {"role": "assistant", "content": str(message.content)},
                    "finish_reason": "stop",
                }
            ]
        }

    def stream(self, prompt: str) -> Iterator[str]:
        for chunk in self.chat.stream([("system", SYSTEM), ("user", prompt)]):
            yield str(chunk.content)


def real_model_from_env() -> OpenAIChat | None:
    if not os.environ.get("OPENAI_API_KEY"):
        return None
    try:
        from langchain_openai import ChatOpenAI  # type: ignore[import-not-found]
    except ImportError:
        return None
    return OpenAIChat(ChatOpenAI(model="gpt-4o-mini"))
