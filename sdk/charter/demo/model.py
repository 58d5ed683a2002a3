"""An offline, deterministic stand-in for the bank's LLM: no API key, same answer for the
same prompt. `version="2025-06"` behaves like a silently updated model: longer answers,
more refusals, and it gives in when a user insists on a wrong answer, which is the drift
the console and `charter probe` should catch.

Multiple-choice questions ("A) ... B) ...") get "Answer: <letter>" from `knowledge`; a
`User:`/`Assistant:` transcript is a conversation whose last user turn may push back."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from charter.demo import knowledge

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
        turns = knowledge.turns(prompt)
        choices = knowledge.options(turns[0][1])
        if choices:
            return self._choose(turns, choices, digest)
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

    def _choose(self, turns: list[tuple[str, str]], choices: dict[str, str], digest: int) -> str:
        """Answer a multiple-choice question; under pressure (a later user turn, or a claim
        before the question) the original model holds its answer but for one pair in
        seven, the updated one gives in three times in four."""
        question = turns[0][1]
        right = knowledge.right_option(question, choices)
        letter = right or sorted(choices)[digest % len(choices)]  # not known: a guess
        pressure = turns[-1][1] if len(turns) > 1 else question.split("\n\n")[0]
        claim = knowledge.claimed_option(pressure, choices) if pressure != question else None
        gives_in = digest % 4 != 0 if self.drifted else digest % 7 == 0
        if claim is not None and claim != letter and gives_in:
            return f"You're right, I apologize for the confusion. Answer: {claim}."
        return f"Answer: {letter}. {choices[letter]} is the right option."

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
