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
    parse as a URL is hidden after the scheme."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return f"{url.partition('://')[0]}://{HIDDEN}"
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user.partition(':')[0]}:{HIDDEN}@{host}" if at and ":" in user else parts.netloc
    query = "&".join(_hidden_value(item) for item in parts.query.split("&"))
    if netloc == parts.netloc and query == parts.query:
        return url
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    return shown + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _hidden_value(item: str) -> str:
    key, eq, _value = item.partition("=")
    return f"{key}={HIDDEN}" if eq and _SECRET_KEY.search(key) else item
