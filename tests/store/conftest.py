from __future__ import annotations

from tests.support.postgres import postgres_server, postgres_url, store_url

__all__ = ["postgres_server", "postgres_url", "store_url"]
