"""Helpers for your own test suite: a recording fake model, a Charter loaded with your
policies, and assertions that read like the policy they test.

    from charter.testing import RecordingModel, make_charter, assert_denied

    def test_no_investment_advice(tmp_path):
        ch = make_charter("policies", tmp_path)
        model = RecordingModel("ok")
        ask = ch.guard(model=model.name, provider="openai")(model)
        assert_denied(ask, "Which stock should I buy?", rule="topics.forbidden")
        assert model.calls == []
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from charter.config import Settings
from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.refusal import PREFIX


class RecordingModel:
    """A deterministic fake LLM that records exactly what it was sent."""

    def __init__(
        self,
        answer: str | Callable[[str], str] = "OK",
        *,
        name: str = "fake-model",
        chunk_size: int = 0,
    ) -> None:
        self.answer = answer
        self.name = name
        self.chunk_size = chunk_size
        self.calls: list[Any] = []

    def __call__(self, prompt: Any) -> str:
        self.calls.append(prompt)
        return self._answer(prompt)

    def stream(self, prompt: Any) -> Iterator[str]:
        self.calls.append(prompt)
        text = self._answer(prompt)
        size = self.chunk_size or 7
        for i in range(0, len(text), size):
            yield text[i : i + size]

    async def acall(self, prompt: Any) -> str:
        await asyncio.sleep(0)
        return self(prompt)

    @property
    def last_text(self) -> str:
        from charter.adapters import adapter_for

        last = self.calls[-1]
        adapter = adapter_for(last)
        return "\n".join(adapter.texts(last)) if adapter else str(last)

    def _answer(self, prompt: Any) -> str:
        if callable(self.answer):
            from charter.adapters import adapter_for

            adapter = adapter_for(prompt)
            text = "\n".join(adapter.texts(prompt)) if adapter else str(prompt)
            return self.answer(text)
        return self.answer


def make_charter(
    policies: str | Path, tmp_path: Path, *, signals: Any | None = None, **settings: Any
) -> Charter:
    """A `Charter` on your bundle with a throwaway SQLite store and telemetry off;
    `signals` replaces the default classifiers (e.g. your own `SignalSet`)."""
    values: dict[str, Any] = {
        "policies": str(policies),
        "store_url": f"sqlite:///{tmp_path / 'charter.db'}",
        "telemetry": False,
    }
    values.update(settings)
    return Charter(Settings.build(values), signals=signals)


def assert_denied(
    fn: Callable[..., Any], *args: Any, rule: str | None = None, **kwargs: Any
) -> PolicyViolation | str:
    """`fn(*args)` is refused (raised or returned as a refusal); optionally by `rule`."""
    try:
        result = fn(*args, **kwargs)
    except PolicyViolation as exc:
        if rule is not None and rule not in exc.decision.rules:
            raise AssertionError(f"denied, but by {exc.decision.rules}, not {rule!r}") from exc
        return exc
    text = str(result)
    if not text.startswith(PREFIX):
        raise AssertionError(f"expected a refusal, got {text[:80]!r}")
    if rule is not None and rule not in text:
        raise AssertionError(f"refused, but not citing rule {rule!r}: {text!r}")
    return text


def assert_redacted(
    fn: Callable[[str], Any], prompt: str, *, entity: str, model: RecordingModel
) -> Any:
    """Calling `fn(prompt)` sends `model` none of the `entity` values found in `prompt`."""
    from charter.pii import make_detector

    values = [
        prompt[f.start : f.end]
        for f in make_detector("pattern").detect(prompt)
        if f.entity_type == entity
    ]
    if not values:
        raise AssertionError(f"the prompt holds no {entity} to redact")
    result = fn(prompt)
    if not model.calls:
        raise AssertionError("the model was never called")
    leaked = [v for v in values if v in model.last_text]
    if leaked:
        raise AssertionError(f"{len(leaked)} raw {entity} value(s) reached the model")
    return result
