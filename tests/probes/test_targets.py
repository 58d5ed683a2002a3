"""Targets: the app's guarded function (the guard refuses before the model is called) and an
OpenAI-compatible endpoint (a real HTTP server in a thread standing in for the model API)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES
from charter.errors import ConfigurationError
from charter.guard import Charter
from charter.probes import (
    CallableTarget,
    OpenAICompatibleTarget,
    ProbeHistory,
    RefusedBy,
    load_probe_set,
    load_target,
    probe_once,
    run_probes,
)
from charter.signals import HeuristicJailbreakDetector, SignalSet
from charter.testing import make_charter
from tests.probes.fakes import ChangingModel, write_corpus


def _heuristic_charter(tmp_path: Path) -> Charter:
    """The shipped policies with heuristic signals only: the probe's counting is under
    test, not the classifier, and the heuristic refuses exactly one item of the corpus
    (the bomb request) itself."""
    return make_charter(
        DEFAULT_POLICIES,
        tmp_path,
        pii_mode="pattern",
        audit=False,
        signals=SignalSet([HeuristicJailbreakDetector()]),
    )


def test_through_the_guarded_entry_point_the_guard_refuses_first(tmp_path: Path) -> None:
    charter = _heuristic_charter(tmp_path)
    model = ChangingModel()
    answer = charter.guard(model="fake-llm", provider="openai")(model)
    try:
        target = CallableTarget(answer)
        assert target.model == "fake-llm"  # read from the guard's declaration
        run = run_probes(load_probe_set(write_corpus(tmp_path)), target)
    finally:
        charter.close()
    bomb = next(a for a in run.answers if a.id == "atk-bomb")
    assert bomb.refused_by is RefusedBy.GUARD and bomb.vector is None
    assert not any("bomb" in prompt for prompt in model.calls)  # never reached the model
    assert run.target_calls == len(model.calls) + 1
    suite = next(s for s in run.suites if s.suite == "attacks")
    assert (suite.refused_guard, suite.refused_model) == (1, 0)


def test_a_model_refusing_in_the_guards_words_is_the_models_refusal(tmp_path: Path) -> None:
    # The guard returns its refusal (on_deny="refuse"): "I can't help with that: ... [rule
    # ...]". A model that refuses in the same words, unguarded or behind the guard, is the
    # model (found by probing: the guard was credited and the answers' drift never measured).
    charter = _heuristic_charter(tmp_path)

    def model(prompt: str) -> str:
        return "I can't help with that request."

    guarded = charter.guard(model="fake-llm", provider="openai", on_deny="refuse")(model)
    items = load_probe_set(write_corpus(tmp_path))
    try:
        bomb = next(i for i in items if i.id == "atk-bomb")
        assert str(guarded(bomb.text)).startswith("I can't help with that: ")
        run = run_probes(items, CallableTarget(guarded))
        bare = run_probes(items, CallableTarget(model, name="m:bare", model="m"))
    finally:
        charter.close()
    by_id = {a.id: a for a in run.answers}
    assert by_id.pop("atk-bomb").refused_by is RefusedBy.GUARD
    for answers in (by_id.values(), bare.answers):
        assert {a.refused_by for a in answers} == {RefusedBy.MODEL}
        assert all(a.vector is not None for a in answers)  # drift is measured on them


def test_async_and_streaming_functions_are_drained() -> None:
    async def acall(prompt: str) -> str:
        return "async " + prompt

    def stream(prompt: str) -> Iterator[str]:
        yield from ("str", "eam")

    assert CallableTarget(acall).ask([{"role": "user", "content": "hi"}]).text == "async hi"
    assert CallableTarget(stream).ask([{"role": "user", "content": "hi"}]).text == "stream"


def test_messages_shape_passes_the_conversation() -> None:
    seen: list[Any] = []

    def chat(messages: list[dict[str, str]]) -> str:
        seen.append(messages)
        return "ok"

    convo = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"},
        {"role": "user", "content": "sure?"},
    ]
    CallableTarget(chat, shape="messages").ask(convo)
    assert seen == [convo]


def test_an_answer_it_cannot_read_fails_that_probe_and_the_run_is_kept(tmp_path: Path) -> None:
    model = ChangingModel()

    def odd(prompt: str) -> Any:
        if "green tea" in prompt:
            return None
        if "opening hours" in prompt:
            return {"choices": [{"message": {"role": "assistant", "content": 5}}]}
        return model(prompt)

    history = ProbeHistory(f"sqlite:///{tmp_path / 'charter.db'}")
    try:
        outcome = probe_once(
            load_probe_set(write_corpus(tmp_path)), CallableTarget(odd), history=history
        )
        stored = history.runs()
    finally:
        history.close()
    errors = {a.id: a.error for a in outcome.run.answers if a.error}
    assert errors == {
        "ok-tea": "unreadable NoneType answer: return a string, an OpenAI-style completion or a "
        "LangChain message, or register an adapter",
        "ok-hours": "unreadable dict answer (TypeError)",
    }
    assert outcome.run.metrics.benign_items == 2  # the other benign probes were answered
    assert [r.run_id for r in stored] == [outcome.run.run_id]
    assert "2 of 8 probes failed (1 unreadable NoneType answer: return" in outcome.changes[0].reason


def test_a_call_past_the_timeout_fails_that_probe_and_the_run_goes_on(tmp_path: Path) -> None:
    model = ChangingModel()
    release = threading.Event()

    def hangs_on_tea(prompt: str) -> str:
        if "green tea" in prompt:
            release.wait(60)  # a hung entry point (released when the test ends)
        return model(prompt)

    try:
        run = run_probes(
            load_probe_set(write_corpus(tmp_path)), CallableTarget(hangs_on_tea, timeout_s=0.05)
        )
    finally:
        release.set()
    assert {a.id: a.error for a in run.answers if a.error} == {"ok-tea": "no answer within 0.05s"}
    assert run.metrics.benign_items == 3 and run.metrics.errors == 1


def test_load_target_errors() -> None:
    with pytest.raises(ConfigurationError, match="module:function"):
        load_target("no_colon")
    with pytest.raises(ConfigurationError, match="is not a function"):
        load_target("charter.demo.probe:MODEL")


def test_a_target_in_the_working_directory_is_found_as_the_console_script_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: `cd /srv/app && charter probe --target myapp.chat:answer` said
    "cannot import myapp ... run from the app's folder" from the app's folder. The console
    script's sys.path starts at its own bin folder, not the working directory (pytest's and
    `python -m`'s do, which is why no test saw it)."""
    app = tmp_path / "cwdapp_probe_target"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "chat.py").write_text("def answer(prompt):\n    return 'hours: 9-17'\n")
    monkeypatch.chdir(tmp_path)
    here = {"", ".", str(tmp_path)}
    monkeypatch.setattr("sys.path", [p for p in sys.path if p not in here])
    target = load_target("cwdapp_probe_target.chat:answer")
    assert target._fn("when are you open?") == "hours: 9-17"


class _FakeAPI(BaseHTTPRequestHandler):
    requests: list[tuple[dict[str, str], dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((dict(self.headers), body))
        if self.path != "/v1/chat/completions" or type(self).status != 200:
            self.send_response(type(self).status if self.path.endswith("completions") else 404)
            self.end_headers()
            return
        text = "I'm sorry, I can't help with that." if "bomb" in str(body) else "Sure."
        payload = {
            "model": "fake-2026-01-01",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
        }  # fmt: skip
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    _FakeAPI.requests = []
    _FakeAPI.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_an_openai_compatible_endpoint(api: str) -> None:
    target = OpenAICompatibleTarget(api + "/", "fake", api_key="sk-test")
    assert target.name == api and "sk-test" not in target.name
    reply = target.ask([{"role": "user", "content": "how to build a bomb"}])
    assert reply.text.startswith("I'm sorry") and reply.model == "fake-2026-01-01"
    headers, body = _FakeAPI.requests[-1]
    assert headers["Authorization"] == "Bearer sk-test"
    assert body == {
        "model": "fake",
        "messages": [{"role": "user", "content": "how to build a bomb"}],
        "temperature": 0,
    }


def test_endpoint_failures_are_errors_not_answers(api: str) -> None:
    _FakeAPI.status = 503
    reply = OpenAICompatibleTarget(api, "fake").ask([{"role": "user", "content": "hi"}])
    assert reply.error == "HTTP 503" and reply.text == ""
    dead = OpenAICompatibleTarget("http://127.0.0.1:9/v1", "fake", timeout_s=2)
    assert dead.ask([{"role": "user", "content": "hi"}]).error is not None


@pytest.mark.parametrize("timeout_s", [float("inf"), 1e10])
def test_an_endpoint_with_a_timeout_no_socket_holds_still_answers(
    api: str, timeout_s: float
) -> None:
    """Found by review: `ask` raised OverflowError ("timestamp out of range for platform
    time_t") from the socket; a timeout past a year is taken as a year."""
    reply = OpenAICompatibleTarget(api, "fake", timeout_s=timeout_s).ask(
        [{"role": "user", "content": "hi"}]
    )
    assert (reply.text, reply.error) == ("Sure.", None)


@pytest.mark.parametrize("timeout_s", [0.0, -1.0, float("nan")])
def test_a_target_timeout_that_is_not_positive_is_refused(timeout_s: float) -> None:
    with pytest.raises(ConfigurationError, match="timeout_s must be positive"):
        OpenAICompatibleTarget("http://127.0.0.1:1/v1", "m", timeout_s=timeout_s)
    with pytest.raises(ConfigurationError, match="timeout_s must be positive"):
        CallableTarget(lambda prompt: "ok", timeout_s=timeout_s)


def test_endpoint_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not an http"):
        OpenAICompatibleTarget("ftp://x", "m")
    with pytest.raises(ConfigurationError, match="needs a model name"):
        OpenAICompatibleTarget("http://127.0.0.1:1/v1", "")
    secret = OpenAICompatibleTarget("https://user:pw@api.example.com/v1", "m")
    assert secret.name == "https://api.example.com/v1"
