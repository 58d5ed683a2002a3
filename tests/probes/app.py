"""A probe target for the CLI tests: `tests.probes.app:answer`, the fake model whose version
comes from `FAKE_MODEL_VERSION` (the provider updating it behind the same name)."""

from __future__ import annotations

import os
import threading
from typing import Any

from tests.probes.fakes import ChangingModel


def answer(prompt: str) -> dict[str, Any]:
    return ChangingModel(os.environ.get("FAKE_MODEL_VERSION", "v1")).complete(prompt)


def broken(prompt: str) -> dict[str, Any]:
    raise RuntimeError("the model server is down")


def flaky(prompt: str) -> dict[str, Any]:
    """The model, except that one probe's call always fails."""
    if "green tea" in prompt:
        raise TimeoutError("the model server did not answer")
    return answer(prompt)


RELEASE = threading.Event()


def hangs(prompt: str) -> dict[str, Any]:
    """A hung entry point: answers only once the test sets `RELEASE`."""
    RELEASE.wait(10)
    return answer(prompt)


def retitles(prompt: str) -> dict[str, Any]:
    """The model, reporting a version that holds OSC 0 (sets a terminal's title)."""
    return {**answer(prompt), "model": "fake-v1\x1b]0;PWNED\x07"}
