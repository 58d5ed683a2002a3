"""A remote OPA server as the policy engine, via opa-python-client.

OPA omits `result` when a rule is undefined: that, a transport error and a timeout all
become a fail-closed deny that says why. OPA cannot tell us the rule's METADATA, so whether
errors fail open is the deployer's explicit choice (`fail_open=`), off by default.

`timeout_s` is a total deadline per request (connect to last byte). `requests` only bounds
each socket read, so a server that keeps sending a byte now and then would be waited for
indefinitely; the sync calls therefore run on a few daemon worker threads and the caller
waits at most `timeout_s` (aiohttp, on the async path, has a total timeout of its own). A
request given up on finishes, or hits `requests`' per-read timeout, on its worker, which
never holds the process's exit.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlparse

from charter._urls import shown_url
from charter.decision import Decision, Stage
from charter.errors import ConfigurationError, PolicyEvaluationError
from charter.policy._loop_clients import LoopClients
from charter.policy._workers import DaemonWorkers
from charter.policy.base import as_input_dict, stage_of
from charter.policy.decode import decode_decision
from charter.policy.error_text import withhold_input
from charter.policy.input import PolicyInput

_WORKERS = 16
"""Sync requests in flight at once per engine; more wait their turn within their deadline."""


def _rule_path(path: str) -> tuple[str, str]:
    """`data.charter.main.decision` -> ("charter/main", "decision")."""
    parts = path.removeprefix("data.").split(".")
    return "/".join(parts[:-1]), parts[-1]


def check_opa_url(url: str) -> int:
    """The port `url` names (default: 443 over https, else 8181); `ConfigurationError` for
    anything but an http(s) URL with a host and a port from 0 to 65535, so a mistyped port
    (`:81810`) is said when the engine is configured, not raised at the first call."""
    parsed = urlparse(url)
    try:
        port = parsed.port
    except ValueError:  # not a number, or out of range
        raise ConfigurationError(
            f"engine {shown_url(url)!r}: the port is not a number from 0 to 65535; use an OPA URL "
            "like http://127.0.0.1:8181"
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigurationError(
            f"engine {shown_url(url)!r} is neither `embedded` nor an OPA URL like "
            "http://127.0.0.1:8181"
        )
    return port or (443 if parsed.scheme == "https" else 8181)


class OpaServerEngine:
    """`PolicyEngine` backed by `POST {url}/v1/data/charter/main/decision`."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 1.5,
        token: str | None = None,
        fail_open: bool = False,
    ) -> None:
        port = check_opa_url(url)
        parsed = urlparse(url)
        self.url = shown_url(url).rstrip("/")  # for messages, which decisions record
        # An OPA behind a gateway lives under a path: the client puts `version` after the
        # port, so the path goes there (`opa/v1`), or every query would ask the gateway root.
        prefix = parsed.path.strip("/")
        self._kwargs: dict[str, Any] = {
            "version": f"{prefix}/v1" if prefix else "v1",
            "host": parsed.hostname,
            "port": port,
            "ssl": parsed.scheme == "https",
            "timeout": timeout_s,
            "token": token,
            "retries": 0,
        }
        self._fail_open = fail_open
        self._timeout_s = timeout_s
        self._local = threading.local()
        self._clients: list[Any] = []
        self._pool: DaemonWorkers | None = None
        self._pool_lock = threading.Lock()
        self._revision = f"opa:{parsed.hostname}:{self._kwargs['port']}" + (
            f"/{prefix}" if prefix else ""
        )
        self._async_clients: LoopClients[Any] = LoopClients(self._new_async_client, _close_async)

    @property
    def revision(self) -> str:
        return self._revision

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            from opa_client.opa import OpaClient

            client = self._local.client = OpaClient(**self._kwargs)
            with self._pool_lock:
                self._clients.append(client)
        return client

    def _query_rule(
        self, doc: Mapping[str, Any], package: str, rule: str, params: dict[str, Any] | None
    ) -> Any:
        """`query_rule` on a worker thread, given up on after `timeout_s` in all."""
        deadline = time.monotonic() + self._timeout_s

        def call() -> Any:
            if time.monotonic() >= deadline:  # waited its turn past the deadline
                raise self._timed_out()
            from requests.exceptions import Timeout

            try:
                return self._client().query_rule(dict(doc), package, rule, query_params=params)
            except Timeout:  # `requests`' per-read timeout can fire before our deadline
                raise self._timed_out() from None

        context = contextvars.copy_context()
        future = self._workers().submit(lambda: context.run(call))
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            future.cancel()
            raise self._timed_out() from None

    def _timed_out(self) -> PolicyEvaluationError:
        return PolicyEvaluationError(
            f"timeout: OPA at {self.url} did not answer within "
            f"{self._timeout_s * 1e3:g} ms (its total deadline)"
        )

    def _workers(self) -> DaemonWorkers:
        with self._pool_lock:
            if self._pool is None:
                self._pool = DaemonWorkers(_WORKERS, "charter-opa")
            return self._pool

    def evaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision:
        doc = as_input_dict(input)
        stage = stage_of(doc)
        started = time.perf_counter()
        try:
            response = self._query_rule(doc, "charter/main", "decision", {"provenance": "true"})
            return self._decode(response, stage, started)
        except Exception as exc:
            return self._on_error(exc, doc, stage, started)

    async def aevaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision:
        doc = as_input_dict(input)
        stage = stage_of(doc)
        started = time.perf_counter()
        try:
            client = await self._async_clients.get()
            response = await client.query_rule(
                doc, "charter/main", "decision", query_params={"provenance": "true"}
            )
            return self._decode(response, stage, started)
        except TimeoutError:  # aiohttp's total timeout: say so as the sync path does
            return self._on_error(self._timed_out(), doc, stage, started)
        except Exception as exc:
            return self._on_error(exc, doc, stage, started)

    def query(self, path: str, input: Mapping[str, Any] | None = None) -> Any:
        package, rule = _rule_path(path)
        try:
            response = self._query_rule(input or {}, package, rule, None)
        except Exception as exc:
            said = withhold_input(str(exc), input)
            raise PolicyEvaluationError(f"OPA query {path} at {self.url} failed: {said}") from None
        return response.get("result") if isinstance(response, dict) else None

    def reload(self) -> None:
        """OPA reloads bundles itself (bundle polling); nothing to do client-side."""

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
            clients, self._clients = self._clients, []
        if pool is not None:
            pool.shutdown()
        for client in clients:
            client.close_connection()

    async def aclose(self) -> None:
        """Closes the running loop's client (another loop's closes as that loop ends)."""
        await self._async_clients.aclose()

    # --- internals -----------------------------------------------------------------------

    async def _new_async_client(self) -> Any:
        from opa_client.opa_async import AsyncOpaClient

        client = AsyncOpaClient(**self._kwargs)
        await client._init_session()
        return client

    def _decode(self, response: Any, stage: Stage, started: float) -> Decision:
        if not isinstance(response, dict):
            raise PolicyEvaluationError("OPA answered with something other than a JSON object")
        self._note_revision(response)
        if "result" not in response:
            raise PolicyEvaluationError(
                "data.charter.main.decision is undefined on the OPA server "
                "(no `result` in the response); is the bundle loaded?"
            )
        return decode_decision(
            response["result"],
            stage=stage,
            revision=self._revision,
            eval_ms=(time.perf_counter() - started) * 1e3,
        )

    def _note_revision(self, response: Mapping[str, Any]) -> None:
        bundles = (response.get("provenance") or {}).get("bundles") or {}
        revisions = [str(b.get("revision", "")) for b in bundles.values() if isinstance(b, dict)]
        if any(revisions):
            self._revision = ",".join(r for r in revisions if r)

    def _on_error(self, exc: Exception, doc: Any, stage: Stage, started: float) -> Decision:
        """A fail-closed (or fail-open) decision citing why. The HTTP clients' errors name the
        status and URL, not OPA's message; any of the input's strings they repeat is withheld
        all the same (the reason is stored)."""
        if isinstance(exc, PolicyEvaluationError):
            reason = str(exc)
        else:
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            reason = f"OPA at {self.url} failed: {type(exc).__name__}: {first_line}"
        reason = withhold_input(reason, doc)
        maker = Decision.fail_open if self._fail_open else Decision.fail_closed
        return maker(
            reason,
            stage=stage,
            policy_revision=self._revision,
            eval_ms=(time.perf_counter() - started) * 1e3,
        )


async def _close_async(client: Any) -> None:
    await client.close_connection()
