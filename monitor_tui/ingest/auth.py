"""Optional bearer-token auth for both receivers, and the warning for an exposed one.

The receivers bind to loopback by default; spans describe production traffic and anyone
who can reach the port can write (and so falsify) what the console shows. Beyond loopback,
set a token (`--token`, or `CHARTER_MONITOR_TOKEN`): requests must then carry
`Authorization: Bearer <token>` (HTTP header or gRPC metadata). OTel exporters send it
from the standard `OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from urllib.parse import quote

from charter import ConfigurationError

TOKEN_ENV = "CHARTER_MONITOR_TOKEN"
MIN_TOKEN_CHARS = 16


class BearerToken:
    """Checks `Authorization` values in constant time; an unset token accepts everything."""

    def __init__(self, token: str | None) -> None:
        token = (token or "").strip()
        if token and len(token) < MIN_TOKEN_CHARS:
            raise ConfigurationError(
                f"the receiver token must be at least {MIN_TOKEN_CHARS} characters; generate "
                "one with e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        if any(c.isspace() or not c.isprintable() for c in token):
            raise ConfigurationError("the receiver token must be printable, without spaces")
        self._expected = f"Bearer {token}".encode() if token else None

    @property
    def required(self) -> bool:
        return self._expected is not None

    def accepts(self, authorization: str | None) -> bool:
        if self._expected is None:
            return True
        given = (authorization or "").strip().encode("utf-8", "replace")
        return hmac.compare_digest(given, self._expected)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, token: BearerToken) -> str | None:
    """What to tell the operator when the receivers listen beyond this machine."""
    if is_loopback(host):
        return None
    if token.required:
        return f"listening on {host}: requests need the bearer token"
    return (
        f"WARNING: listening on {host} WITHOUT a token: anyone who can reach this port can "
        f"send spans (and falsify what the console shows). Set --token or {TOKEN_ENV}, and "
        "have exporters send OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>."
    )


def sender_line(host: str, port: int, token: str | None, *, required: bool = False) -> str:
    """The one shell line an application runs to send its traces to this receiver: the
    standard OTel variables, which Charter reads without a `setup()` call. `token` is
    written URL-encoded, as the variable's format asks; `required` without it shows the
    header with a `<token>` placeholder (the console never displays the secret)."""
    shown = socket.gethostname() if host in ("", "0.0.0.0", "::") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 literal
    line = f"export OTEL_EXPORTER_OTLP_ENDPOINT=http://{shown}:{port}"
    if token or required:
        value = quote(token, safe="") if token else "<token>"
        line += f" OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20{value}"
    return line
