"""Policy engines and bundles. `make_engine(settings_or_source)` picks the right one."""

from __future__ import annotations

from pathlib import Path

from charter.policy.base import CAN_APPROVE_PATH, DECISION_PATH, PolicyEngine
from charter.policy.input import PolicyInput

__all__ = ["CAN_APPROVE_PATH", "DECISION_PATH", "PolicyEngine", "PolicyInput", "make_engine"]


def make_engine(source: str | Path, *, engine: str = "embedded") -> PolicyEngine:
    """`engine="embedded"` loads `source` into regorus; an http(s) URL uses that OPA server."""
    if engine == "embedded":
        from charter.policy.embedded import EmbeddedEngine

        return EmbeddedEngine(source)
    from charter.policy.opa import OpaServerEngine

    return OpaServerEngine(engine)
