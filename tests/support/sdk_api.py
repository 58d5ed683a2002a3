"""A provider's API in memory: the real SDK clients talk to it over their own HTTP
package's `MockTransport` (`httpx`, or the `httpx2` Anthropic's SDK uses), and it keeps
what it received. Only the model is faked."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Reply = tuple[bytes, str]
"""A response body and its content type."""
Handler = Callable[[dict[str, Any]], Reply]


def sse(events: list[tuple[str | None, dict[str, Any] | str]]) -> Reply:
    """Server-sent events (`stream=True`): each an optional event name and its data."""
    lines = []
    for name, data in events:
        if name is not None:
            lines.append(f"event: {name}")
        lines.append("data: " + (data if isinstance(data, str) else json.dumps(data)))
        lines.append("")
    return ("\n".join(lines) + "\n").encode(), "text/event-stream"


def json_reply(value: dict[str, Any]) -> Reply:
    return json.dumps(value).encode(), "application/json"


class Api:
    """What the API received, and a transport of the SDK's own HTTP package that answers
    with `handler`."""

    def __init__(self, handler: Handler, http: Any = httpx) -> None:
        self.received: list[dict[str, Any]] = []
        self.handler = handler
        self.http = http

    def _answer(self, request: Any) -> Any:
        self.received.append(json.loads(request.content))
        body, content_type = self.handler(self.received[-1])
        return self.http.Response(200, content=body, headers={"content-type": content_type})

    def client(self) -> Any:
        return self.http.Client(transport=self.http.MockTransport(self._answer))

    def async_client(self) -> Any:
        return self.http.AsyncClient(transport=self.http.MockTransport(self._answer))
