"""An in-process HTTP server that speaks OPA's REST data API, evaluating with regorus.

This is the "remote OPA when none is running" fake: the contract (POST /v1/data/{path}
with {"input": ...} -> {"result": ...}, `result` omitted when undefined) is OPA's; the
evaluation behind it is real Rego.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from charter.errors import PolicyEvaluationError
from charter.policy.embedded import EmbeddedEngine


class FakeOpa:
    def __init__(self, engine: EmbeddedEngine, prefix: str = "") -> None:
        self.engine = engine
        self.prefix = prefix
        """Served under this path (an OPA behind a gateway): anything else is a 404."""
        self.delay_s = 0.0
        self.fail_with: int | None = None
        self.requests: list[dict[str, Any]] = []
        self.before_answer: Callable[[FakeOpa], None] | None = None
        """Called on the request's thread before it answers (to hold the answer back)."""


def _handler(opa: FakeOpa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            opa.requests.append({"path": self.path, "body": body})
            if opa.delay_s:
                time.sleep(opa.delay_s)
            if opa.before_answer is not None:
                opa.before_answer(opa)
            if opa.fail_with:
                self._send(opa.fail_with, {"code": "internal_error", "message": "boom"})
                return
            route = self.path.split("?")[0]
            if not route.startswith(opa.prefix + "/v1/data/"):
                self._send(404, {"code": "resource_not_found", "message": route})
                return
            path = route.removeprefix(opa.prefix + "/v1/data/")
            try:
                value = opa.engine.query("data." + path.replace("/", "."), body.get("input"))
            except PolicyEvaluationError as exc:  # OPA answers eval errors with 500
                self._send(500, {"code": "internal_error", "message": str(exc)})
                return
            out: dict[str, Any] = {} if value is None else {"result": value}
            if "provenance=true" in self.path:
                out["provenance"] = {"bundles": {"charter": {"revision": opa.engine.revision}}}
            self._send(200, out)

        def _send(self, code: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve_opa(engine: EmbeddedEngine, prefix: str = "") -> Iterator[tuple[str, FakeOpa]]:
    opa = FakeOpa(engine, prefix)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(opa))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}", opa
    finally:
        server.shutdown()
        server.server_close()
