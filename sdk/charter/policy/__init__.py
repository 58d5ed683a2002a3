"""Policy engines and bundles. `make_engine(source)` picks the right engine.

Layers, each importing only those above it in this list: `base`, `input`, `decode` (the
contract) -> `bundle`, `metadata` (the bundle format) -> `remote` (where bundles come
from) -> `_regorus`, `analysis` (regorus) -> `embedded`, `opa` (engines) -> `runner`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from charter.policy.base import CAN_APPROVE_PATH, DECISION_PATH, PolicyEngine
from charter.policy.bundle import PolicyBundle
from charter.policy.input import PolicyInput
from charter.policy.metadata import RuleMeta, collect_metadata
from charter.policy.remote import load_bundle

if TYPE_CHECKING:
    from charter.config import Settings

__all__ = [
    "CAN_APPROVE_PATH",
    "DECISION_PATH",
    "PolicyBundle",
    "PolicyEngine",
    "PolicyInput",
    "RuleMeta",
    "collect_metadata",
    "engine_from_settings",
    "load_bundle",
    "make_engine",
]


def make_engine(
    source: str | Path | PolicyBundle, *, engine: str = "embedded", **options: object
) -> PolicyEngine:
    """`engine="embedded"` loads `source` into regorus; an http(s) URL uses that OPA server.
    `options` go to the engine (e.g. `timeout_ms`, or `timeout_s` for an OPA server)."""
    if engine == "embedded":
        from charter.policy.embedded import EmbeddedEngine

        return EmbeddedEngine(source, **options)  # type: ignore[arg-type]
    from charter.policy.opa import OpaServerEngine

    return OpaServerEngine(engine, **options)  # type: ignore[arg-type]


def engine_from_settings(settings: Settings, *, policies: str | None = None) -> PolicyEngine:
    """The engine `settings` configure, as the SDK evaluates with: the OPA server `engine`
    names, else regorus over `policies_source` with the settings' timeout and isolation.
    Whoever authorizes approvals needs this same engine: a local bundle instead let a
    reviewer the OPA server refuses approve (found by probing). `policies`, a local bundle a
    command was given on purpose (`--policies`), wins over both."""
    if policies is None and settings.engine != "embedded":
        return make_engine(settings.policies_source, engine=settings.engine)
    return make_engine(
        policies or settings.policies_source,
        timeout_ms=settings.policy_timeout_ms,
        isolation=settings.policy_isolation,
    )
