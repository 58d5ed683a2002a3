"""What the adversarial tests read back from the guard they attack."""

from __future__ import annotations

from typing import Any

from charter.audit import iter_records
from charter.guard import Charter


def recorded(charter: Charter) -> list[Any]:
    """Every decision record written so far (the log flushed first)."""
    assert charter.audit is not None
    charter.audit.flush(timeout=30)
    return list(iter_records(charter.settings.store_url))
