"""OpenTelemetry traces and metrics for guarded calls, without PII.

One span per guarded call following the GenAI semantic conventions, child spans per stage,
`charter.*` attributes (see `charter.semconv`) and metrics. Only the OpenTelemetry *API* is
imported here; the SDK loads when `setup()` or the sampling processor is used, or when
configuration names an OTLP endpoint (`from_configuration`, called as a `Charter` builds
its telemetry: `OTEL_EXPORTER_OTLP_ENDPOINT` alone turns tracing on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from charter.telemetry._call import MAX_CONTENT_CHARS, CallSpan
from charter.telemetry._telemetry import Telemetry, safe_user

if TYPE_CHECKING:
    from charter.telemetry._auto import from_configuration
    from charter.telemetry._setup import (
        DEFAULT_ENDPOINT,
        build_meter_provider,
        build_tracer_provider,
        setup,
        signal_url,
    )
    from charter.telemetry.sampling import DecisionSamplingProcessor

__all__ = [
    "DEFAULT_ENDPOINT",
    "MAX_CONTENT_CHARS",
    "CallSpan",
    "DecisionSamplingProcessor",
    "Telemetry",
    "build_meter_provider",
    "build_tracer_provider",
    "from_configuration",
    "safe_user",
    "setup",
    "signal_url",
]

_LAZY = {
    "DEFAULT_ENDPOINT": "charter.telemetry._setup",
    "build_meter_provider": "charter.telemetry._setup",
    "from_configuration": "charter.telemetry._auto",
    "build_tracer_provider": "charter.telemetry._setup",
    "setup": "charter.telemetry._setup",
    "signal_url": "charter.telemetry._setup",
    "DecisionSamplingProcessor": "charter.telemetry.sampling",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'charter.telemetry' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
