"""URLs as they may be printed. Settings hold URLs, and a URL can carry a secret: a
database password (`postgresql://user:pw@db/c`), a password for an OPA or OTLP endpoint
behind basic auth, a token or signature in the query of a bundle URL (a presigned link).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HIDDEN = "***"
_SECRET_KEY = re.compile(r"pass|secret|token|key|sig|credential|auth", re.IGNORECASE)
"""Query parameters whose values are hidden (`password=`, `X-Amz-Signature=`, `api_key=`)."""


def shown_url(url: str) -> str:
    """`url` with the password of its user part and secret-looking query values as `***`
    (as SQLAlchemy's `hide_password`, which reads database URLs only); anything it cannot
    parse as a URL is hidden after the scheme. The user part ends at the last `@`, as
    SQLAlchemy reads it: a password may hold `/`, `?` or `#`, where a URL parser ends the
    host part before the `@` and so found no password to hide (review)."""
    scheme, sep, rest = url.partition("://")
    user, at, after = rest.rpartition("@")
    if sep and at and ":" in user:
        url = f"{scheme}://{user.partition(':')[0]}:{HIDDEN}@{after}"
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return f"{scheme}://{HIDDEN}"
    query = "&".join(_hidden_value(item) for item in parts.query.split("&"))
    if query == parts.query:
        return url
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}?{query}"
    return shown + (f"#{parts.fragment}" if parts.fragment else "")


def _hidden_value(item: str) -> str:
    key, eq, _value = item.partition("=")
    return f"{key}={HIDDEN}" if eq and _SECRET_KEY.search(key) else item
