"""An offline, deterministic stand-in for the bank's LLM: no API key, same answer for the
same prompt. `version="2025-06"` behaves like a silently updated model: longer answers and
more refusals, which is the drift the console should catch."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

_REFUSAL = "I'm sorry, I can't help with that request."

_INTENTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"refund|charged twice|iade", re.I),
        "I can start a refund for that order. Refunds above 500 EUR need a finance colleague's "
        "approval; you will get a confirmation at <EMAIL_ADDRESS_1> once it is processed.",
    ),
    (
        re.compile(r"card|kart", re.I),
        "Your card can be blocked right away from the app. A replacement arrives in 5 business "
        "days. Anything else about your card?",
    ),
    (
        re.compile(r"close|kapat", re.I),
        "Closing an account needs two approvals from our team. I have opened a request.",
    ),
    (
        re.compile(r"balance|bakiye|statement|transactions", re.I),
        "Your current balance and the last transactions are in the app under Accounts.",
    ),
    (
        re.compile(r"branch|şube|opening hours", re.I),
        "The nearest branch is open 09:00-17:00 on weekdays.",
    ),
]


class OfflineBankModel:
    """`model(prompt) -> str`; `stream(prompt)` yields the same answer in chunks."""

    name = "bank-assistant"

    def __init__(self, version: str = "2025-01") -> None:
        self.version = version

    @property
    def drifted(self) -> bool:
        return self.version >= "2025-06"

    def __call__(self, prompt: str) -> str:
        digest = int(hashlib.sha256(prompt.encode()).hexdigest(), 16)
        if self.drifted and digest % 3 == 0:
            return _REFUSAL  # the updated model is over-cautious
        answer = next(
            (text for pattern, text in _INTENTS if pattern.search(prompt)),
            "Thanks for reaching out. Could you tell me a bit more about what you need?",
        )
        if self.drifted:
            answer += (
                " Please note that, as a reminder, all information is provided for general "
                "purposes, and you should always review our terms and conditions, fee schedule "
                "and privacy notice before making any decision regarding your accounts."
            ) * (1 + digest % 3)
        return answer

    def complete(self, prompt: str) -> dict[str, Any]:
        """The answer as an OpenAI-style chat completion, with usage and the model version."""
        text = self(prompt)
        return {
            "model": f"{self.name}-{self.version}",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "content_filter" if text == _REFUSAL else "stop",
                }
            ],
            "usage": {"prompt_tokens": _tokens(prompt), "completion_tokens": _tokens(text)},
        }

    def stream(self, prompt: str, chunk: int = 12) -> Iterator[str]:
        text = self(prompt)
        for i in range(0, len(text), chunk):
            yield text[i : i + chunk]


def _tokens(text: str) -> int:
    """A rough token count (words and punctuation), enough for drift statistics."""
    return len(re.findall(r"\w+|[^\w\s]", text))
