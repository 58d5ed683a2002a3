"""What a probe talks to: the app's own guarded entry point, or an OpenAI-compatible endpoint.

`CallableTarget` calls a function (`module:function`, e.g. the `@charter.guard`-ed function
that serves users) with the prompt: a string by default, where a multi-turn probe (a
sycophancy pushback) is written as a `User:`/`Assistant:` transcript; or, with
`shape="messages"`, the OpenAI-style message list. Whatever it returns (a string, an
OpenAI-style completion, a LangChain message, a stream of strings) is read through the
guard's adapters. `PolicyViolation` and a held approval are the guard refusing. A call that
has not returned after `timeout_s` fails (it is abandoned: `charter.probes.deadline`).

`OpenAICompatibleTarget` posts to `{base_url}/chat/completions` (temperature 0) with the
API key from the environment variable the configuration names: the model alone, no guard.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from charter.adapters import adapter_for, usage_of
from charter.config import MAX_PROBE_TIMEOUT_S
from charter.errors import ApprovalError, ConfigurationError, PolicyViolation
from charter.probes.deadline import Overdue, call_within

Message = Mapping[str, str]
"""`{"role": "user" | "assistant" | "system", "content": "..."}`."""


@dataclass(frozen=True)
class Reply:
    text: str
    blocked_by_guard: bool = False
    rules: tuple[str, ...] = ()
    """Rules of the guard's decision when it blocked."""
    model: str = ""
    """The model (and version) the answer says produced it, when it says."""
    finish_reason: str = ""
    error: str | None = None
    """The call failed (exception class, HTTP status, an answer it could not read): neither
    an answer nor a refusal."""
    latency_ms: float = 0.0


class Target(Protocol):
    @property
    def name(self) -> str:
        """How runs are keyed in the history: `module:function` or the endpoint URL."""
        ...

    @property
    def model(self) -> str:
        """The model name the target uses ("" when it cannot tell)."""
        ...

    def ask(self, messages: Sequence[Message]) -> Reply: ...


def transcript(messages: Sequence[Message]) -> str:
    """One prompt for a text-in, text-out function: the lone user message as it is, a
    conversation as `User:` / `Assistant:` turns."""
    if len(messages) == 1 and messages[0]["role"] == "user":
        return messages[0]["content"]
    return "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages)


class CallableTarget:
    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str = "",
        model: str = "",
        shape: Literal["text", "messages"] = "text",
        timeout_s: float | None = 60.0,
    ) -> None:
        self._fn = fn
        self._timeout = None if timeout_s is None else _wait_s(timeout_s)
        self._name = name or f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', fn)}"
        self._model = model or _guarded_model(fn)
        self._shape = shape

    @property
    def name(self) -> str:
        return self._name

    @property
    def model(self) -> str:
        return self._model

    def ask(self, messages: Sequence[Message]) -> Reply:
        prompt: Any = transcript(messages) if self._shape == "text" else [dict(m) for m in messages]
        started = time.perf_counter()
        try:
            answer = call_within(lambda: _resolve(self._fn(prompt)), self._timeout)
        except Overdue as exc:  # a hung entry point: this probe fails, the run goes on
            return Reply(text="", error=str(exc), latency_ms=_since(started))
        except PolicyViolation as exc:
            return Reply(
                text="",
                blocked_by_guard=True,
                rules=tuple(exc.decision.rules),
                latency_ms=_since(started),
            )
        except ApprovalError:  # held for a human (or rejected): the guard did not answer
            return Reply(text="", blocked_by_guard=True, latency_ms=_since(started))
        except Exception as exc:  # the app failed: an error, never a refusal
            return Reply(text="", error=type(exc).__name__, latency_ms=_since(started))
        return _reply(answer, _since(started))


class OpenAICompatibleTarget:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        timeout_s: float = 60.0,
        opener: Callable[..., Any] = urllib.request.urlopen,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"probe_endpoint {base_url!r} is not an http(s) URL; use the API's base URL, "
                "e.g. http://127.0.0.1:8000/v1"
            )
        if not model:
            raise ConfigurationError("probing an endpoint needs a model name: set probe_model")
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._name = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
        self._name += parts.path.rstrip("/")
        self._model = model
        self._key = api_key
        self._timeout = _wait_s(timeout_s)
        self._open = opener

    @property
    def name(self) -> str:
        return self._name  # never the key, never user:password@

    @property
    def model(self) -> str:
        return self._model

    def ask(self, messages: Sequence[Message]) -> Reply:
        body = {"model": self._model, "messages": [dict(m) for m in messages], "temperature": 0}
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(
            self._url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with self._open(request, timeout=self._timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            return Reply(text="", error=f"HTTP {exc.code}", latency_ms=_since(started))
        except (OSError, ValueError) as exc:
            return Reply(text="", error=type(exc).__name__, latency_ms=_since(started))
        if adapter_for(payload) is None:
            return Reply(text="", error="not a chat completion", latency_ms=_since(started))
        return _reply(payload, _since(started))


def _wait_s(timeout_s: float) -> float:
    """A target's timeout: positive, and at most `MAX_PROBE_TIMEOUT_S` (a year); longer is
    taken as a year. A socket cannot wait past about 9.2e9 s: `inf` or 1e10 made every
    endpoint call raise OverflowError from `ask`."""
    if not timeout_s > 0:  # also NaN
        raise ConfigurationError(f"a probe target's timeout_s must be positive, not {timeout_s}")
    return min(timeout_s, MAX_PROBE_TIMEOUT_S)


def _working_directory_importable() -> None:
    """Let `module:function` name a module in the working directory, as `python -m` does:
    the `charter` console script's path starts at its own folder instead, so `cd /srv/app
    && charter probe --target myapp.chat:answer` could not import myapp. Appended, not put
    first: the app's folder never shadows an installed package."""
    here = os.getcwd()
    if not any(p in ("", ".", here) for p in sys.path):
        sys.path.append(here)


def load_target(
    spec: str,
    *,
    model: str = "",
    shape: Literal["text", "messages"] = "text",
    timeout_s: float | None = 60.0,
) -> CallableTarget:
    """`package.module:function` -> a `CallableTarget` (imports the module)."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigurationError(
            f"probe target {spec!r} must be module:function, e.g. myapp.chat:answer"
        )
    _working_directory_importable()
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(
            f"probe target {spec!r}: cannot import {module_name}: {exc}; run from the app's "
            "folder or install it (the module must be importable here)"
        ) from None
    fn: Any = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)
    if not callable(fn):
        raise ConfigurationError(
            f"probe target {spec!r}: {attr} is not a function of {module_name}; name the "
            "guarded entry point as module:function"
        )
    return CallableTarget(fn, name=spec, model=model, shape=shape, timeout_s=timeout_s)


def _resolve(answer: Any) -> Any:
    """Await a coroutine, drain a stream (sync or async) into one string."""
    if inspect.iscoroutine(answer):
        return asyncio.run(answer)
    if inspect.isasyncgen(answer):

        async def drain() -> str:
            return "".join([str(chunk) async for chunk in answer])

        return asyncio.run(drain())
    if inspect.isgenerator(answer):
        return "".join(str(chunk) for chunk in answer)
    return answer


def _reply(answer: Any, latency_ms: float) -> Reply:
    """The answer read through the guard's adapters. One it cannot read is this probe's
    error, never the end of the run (the answers before it would be lost); the error names
    the type, never the content (it is stored)."""
    adapter = adapter_for(answer)
    kind = type(answer).__name__
    if adapter is None:
        return Reply(text="", error=f"unreadable {kind} answer: {_READABLE}", latency_ms=latency_ms)
    try:
        text = "\n".join(adapter.texts(answer))
        usage = usage_of(answer)
    except Exception as exc:  # a known shape, malformed (a completion whose content is no text)
        error = f"unreadable {kind} answer ({type(exc).__name__})"
        return Reply(text="", error=error, latency_ms=latency_ms)
    return Reply(
        text=text,
        model=usage.response_model or "",
        finish_reason=usage.finish_reasons[0] if usage.finish_reasons else "",
        latency_ms=latency_ms,
    )


_READABLE = (
    "return a string, an OpenAI-style completion or a LangChain message, or register an adapter"
)


def _guarded_model(fn: Callable[..., Any]) -> str:
    """The model a `@charter.guard(model=...)` function declared, if it is one."""
    spec = getattr(getattr(fn, "__charter__", None), "spec", None)
    name = getattr(getattr(spec, "model", None), "name", "")
    return name if isinstance(name, str) else ""


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
