"""The OPA engine against an in-process server speaking OPA's REST API (regorus behind it),
the shared contract test, and one real-OPA test when OPA_URL is set."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from charter.decision import Action, Decision
from charter.policy.embedded import EmbeddedEngine
from charter.policy.opa import OpaServerEngine

from .opa_server import serve_opa

CONTRACT_INPUTS = [
    {"text": "hello"},
    {"text": "I want a casino bonus"},
    {"text": "weapons and casino"},  # an eval conflict: both fail closed
    {"stage": "tool_call", "tool": {"name": "refund", "arguments": {"amount": 900}}, "text": ""},
    {"stage": "output", "text": "fine"},
]


def _comparable(d: object) -> object:
    dumped = d.model_dump(exclude={"decision_id", "eval_ms", "policy_revision", "error"})  # type: ignore[attr-defined]
    dumped["failed"] = d.error is not None  # type: ignore[attr-defined]
    return dumped


def test_same_decisions_as_embedded(minimal_engine: EmbeddedEngine) -> None:
    with serve_opa(minimal_engine) as (url, opa):
        remote = OpaServerEngine(url)
        for doc in CONTRACT_INPUTS:
            assert _comparable(remote.evaluate(doc)) == _comparable(minimal_engine.evaluate(doc))
        assert remote.revision == minimal_engine.revision
        assert opa.requests[0]["path"].startswith("/v1/data/charter/main/decision")
        assert opa.requests[0]["body"] == {"input": CONTRACT_INPUTS[0]}
        remote.close()


def test_async_client_gives_the_same_decisions(minimal_engine: EmbeddedEngine) -> None:
    with serve_opa(minimal_engine) as (url, _):
        remote = OpaServerEngine(url)

        async def run() -> list[object]:
            out = [_comparable(await remote.aevaluate(d)) for d in CONTRACT_INPUTS]
            await remote.aclose()
            return out

        assert asyncio.run(run()) == [
            _comparable(minimal_engine.evaluate(d)) for d in CONTRACT_INPUTS
        ]


@pytest.mark.parametrize("slash", ["", "/"])
def test_an_opa_behind_a_path_is_asked_under_that_path(
    minimal_engine: EmbeddedEngine, slash: str
) -> None:
    """An OPA behind a gateway (`https://gw.example/opa`) is asked at `/opa/v1/...`: the
    client once dropped the path and asked the gateway's root, which answered 404 (every
    call denied) or, worse, another service."""
    with serve_opa(minimal_engine, prefix="/policy/opa") as (url, opa):
        remote = OpaServerEngine(url + slash)
        for doc in CONTRACT_INPUTS[:2]:
            assert _comparable(remote.evaluate(doc)) == _comparable(minimal_engine.evaluate(doc))

        async def first() -> object:
            decision = await remote.aevaluate(CONTRACT_INPUTS[0])
            await remote.aclose()
            return _comparable(decision)

        assert asyncio.run(first()) == _comparable(minimal_engine.evaluate(CONTRACT_INPUTS[0]))
        assert remote.query("data.charter.main.decision", {"text": "hello"})["action"] == "allow"
        remote.close()
        assert all(r["path"].startswith("/policy/opa/v1/data/") for r in opa.requests)


def test_undefined_result_is_deny() -> None:
    engine = EmbeddedEngine.from_sources(
        {
            "m.rego": 'package charter.main\nimport rego.v1\ndecision := {"action": "allow"} if input.ok\n'
        }
    )
    with serve_opa(engine) as (url, _):
        d = OpaServerEngine(url).evaluate({"ok": False})
    assert d.action is Action.DENY
    assert "no `result`" in (d.error or "")


def test_timeout_server_error_and_dead_server_fail_closed(minimal_engine: EmbeddedEngine) -> None:
    with serve_opa(minimal_engine) as (url, opa):
        opa.delay_s = 0.5
        d = OpaServerEngine(url, timeout_s=0.1).evaluate({"text": "hello"})
        assert d.action is Action.DENY and "timeout: OPA at" in (d.error or "")
        opa.delay_s, opa.fail_with = 0.0, 500
        d = OpaServerEngine(url).evaluate({"text": "hello"})
        assert d.action is Action.DENY and "500" in (d.error or "")
    dead = OpaServerEngine(url).evaluate({"text": "hello"})  # server is gone now
    assert dead.action is Action.DENY and dead.error


def test_a_read_timeout_before_the_deadline_is_reported_as_a_timeout(
    minimal_engine: EmbeddedEngine,
) -> None:
    """`requests`' per-read timeout and the total deadline are the same length, so under load
    the read timeout can fire first (CI saw it): it is the same timeout and says so."""
    with serve_opa(minimal_engine) as (url, opa):
        opa.delay_s = 0.5
        engine = OpaServerEngine(url, timeout_s=0.3)
        engine._kwargs["timeout"] = 0.05  # the socket gives up well before the deadline
        d = engine.evaluate({"text": "hello"})
    assert d.action is Action.DENY
    assert (d.error or "").startswith("timeout: OPA at"), d.error


ALLOW = json.dumps({"result": {"action": "allow", "violations": []}}).encode()


@contextmanager
def trickling_opa(part: str) -> Iterator[str]:
    """An OPA that answers allow, but sends its headers (`part="headers"`) or its body one
    piece every 0.1 s, each gap well inside the per-read timeout, until told to stop (or
    for 5 s): only a total deadline turns this into a deny."""
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            length = b"Content-Length: %d\r\n\r\n" % len(ALLOW)
            if part == "headers":
                pads = [b"X-Pad-%d: x\r\n" % i for i in range(50)]
                chunks = [b"HTTP/1.1 200 OK\r\n", *pads, length + ALLOW]
            else:
                chunks = [b"HTTP/1.1 200 OK\r\n" + length, *(bytes([b]) for b in ALLOW)]
            for i, chunk in enumerate(chunks):
                if stop.is_set():
                    self.wfile.write(b"".join(chunks[i:]))
                    break
                self.wfile.write(chunk)
                self.wfile.flush()
                stop.wait(0.1)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickled_allow_is_denied_at_the_total_deadline(part: str) -> None:
    """Found by probing: `requests` bounds each socket read, not the request, so a server
    that keeps sending was obeyed ~8 s later. The deadline is total, on both paths."""
    with trickling_opa(part) as url:
        remote = OpaServerEngine(url, timeout_s=0.5)
        for d in (remote.evaluate({"text": "hello"}), asyncio.run(_aevaluate(remote))):
            assert d.action is Action.DENY
            assert "timeout: OPA at" in (d.error or "") and "within 500 ms" in (d.error or "")
        remote.close()


def test_a_request_given_up_on_never_holds_the_process_exit() -> None:
    """Found by review: the sync requests ran on a ThreadPoolExecutor, whose threads
    Python joins at exit, so an OPA that kept sending held the process's exit after the
    call was denied and the engine closed. The request still running is on a daemon."""
    with trickling_opa("body") as url:
        remote = OpaServerEngine(url, timeout_s=0.5)
        assert remote.evaluate({"text": "hello"}).action is Action.DENY
        remote.close()
        busy = [t for t in threading.enumerate() if t.name.startswith("charter-opa")]
        assert busy and all(t.daemon for t in busy)  # before: non-daemon pool threads


async def _aevaluate(remote: OpaServerEngine) -> Decision:
    try:
        return await remote.aevaluate({"text": "hello"})
    finally:
        await remote.aclose()


def test_each_event_loops_client_is_closed_with_it(
    minimal_engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: the async client (an aiohttp session) was kept per id(loop) and
    never closed, so 300 asyncio.run() calls left 300 sessions open (7 -> 607 file
    descriptors) and their dead loops alive. Counted here: the sessions still open."""
    from opa_client.opa_async import AsyncOpaClient

    sessions: list[Any] = []
    init = AsyncOpaClient._init_session

    async def counted(self: Any) -> None:
        await init(self)
        sessions.append(self._session)

    monkeypatch.setattr(AsyncOpaClient, "_init_session", counted)
    hello = {"text": "hello"}
    with serve_opa(minimal_engine) as (url, _):
        remote = OpaServerEngine(url)
        for _ in range(20):
            assert asyncio.run(remote.aevaluate(hello)).action is Action.ALLOW
        assert len(sessions) == 20 and all(s.closed for s in sessions)  # as each loop ended
        for _ in range(5):  # loops closed without asyncio.run's shutdown
            loop = asyncio.new_event_loop()
            assert loop.run_until_complete(remote.aevaluate(hello)).action is Action.ALLOW
            loop.close()
        assert sum(not s.closed for s in sessions) == 1  # the last one's, until the next call

        async def five() -> list[Decision]:
            return [await remote.aevaluate(hello) for _ in range(5)]

        assert all(d.action is Action.ALLOW for d in asyncio.run(five()))
        assert len(sessions) == 26 and all(s.closed for s in sessions)  # one for the 5 calls
        remote.close()


def test_fail_open_is_an_explicit_choice(minimal_engine: EmbeddedEngine) -> None:
    with serve_opa(minimal_engine) as (url, opa):
        opa.fail_with = 500
        d = OpaServerEngine(url, fail_open=True).evaluate({"text": "hello"})
    assert d.action is Action.ALLOW and "charter.fail_open" in d.rules


def test_query_reads_any_rule(minimal_engine: EmbeddedEngine) -> None:
    with serve_opa(minimal_engine) as (url, _):
        remote = OpaServerEngine(url)
        assert remote.query("data.charter.config.blocked") == ["weapons", "casino"]
        assert remote.query("data.charter.main.nothing") is None


@pytest.mark.skipif(not os.environ.get("OPA_URL"), reason="set OPA_URL to test a real OPA server")
def test_real_opa_server(minimal_dir: Path) -> None:  # pragma: no cover - needs a server
    from opa_client.opa import OpaClient

    url = os.environ["OPA_URL"]
    local = EmbeddedEngine(minimal_dir)
    remote = OpaServerEngine(url)
    host, port = url.split("//")[1].split(":")
    client = OpaClient(host=host, port=int(port.rstrip("/")))
    for path, source in local.bundle.modules:
        client.update_policy_from_string(source, path.replace("/", "_"))
    client.update_or_create_data(local.bundle.data["charter"], "charter")
    for doc in CONTRACT_INPUTS:
        assert _comparable(remote.evaluate(doc)) == _comparable(local.evaluate(doc))
