"""Tracing switched on by configuration: no `setup()` call in the application.

When a `Charter` first builds its telemetry it calls `from_configuration(settings)`:

* an application that already installed a tracer provider keeps it: Charter's spans go
  through the application's processors and exporters, and no second exporter is added;
* otherwise, when an OTLP endpoint is configured (`otlp_endpoint` in charter.toml or
  `CHARTER_OTLP_ENDPOINT`, else the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
  `OTEL_EXPORTER_OTLP_ENDPOINT`), `setup()` installs a batch-exporting provider there, with
  `service_name` (else `OTEL_SERVICE_NAME`, else the app's name), `telemetry_sample_rate`
  applied to allowed calls, and headers from `OTEL_EXPORTER_OTLP_HEADERS`;
* with no endpoint anywhere nothing is installed and spans stay no-ops.

It runs once per `Charter`, when its first guarded call builds the telemetry, so the hot
path is the same as with an explicit `setup()`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry import trace

from charter.config import Settings

_log = logging.getLogger("charter.telemetry")

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_warned_sampling = False


@dataclass(frozen=True)
class Plan:
    """What configuration asks for: where spans go, as whom, and how many allowed calls."""

    endpoint: str | None
    """An explicit base URL (from the settings), or None to let the OTel variables decide."""
    service_name: str
    sample_rate: float
    export_metrics: bool


def plan(settings: Settings, environ: Mapping[str, str] | None = None) -> Plan | None:
    """The exporter configuration asks for, or None when nothing is configured (or the
    standard `OTEL_SDK_DISABLED` / `OTEL_TRACES_EXPORTER=none` turn tracing off)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return None
    endpoint = settings.otlp_endpoint or None
    if endpoint is None and not any(env.get(name) for name in ENDPOINT_VARIABLES):
        return None
    return Plan(
        endpoint=endpoint,
        service_name=settings.service_name or env.get("OTEL_SERVICE_NAME") or settings.app,
        sample_rate=settings.telemetry_sample_rate,
        # The console's receiver takes traces only: metrics go out when asked for by name.
        export_metrics=bool(env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))
        or env.get("OTEL_METRICS_EXPORTER", "").strip().lower() == "otlp",
    )


def from_configuration(settings: Settings, environ: Mapping[str, str] | None = None) -> None:
    """Install exporting providers as configuration asks, unless the application (or an
    earlier `Charter`) already installed a tracer provider, which is then used as it is."""
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _note_app_provider(settings.telemetry_sample_rate)
        return
    wanted = plan(settings, environ)
    if wanted is None:
        return
    from charter.telemetry._setup import setup

    setup(
        wanted.endpoint,
        service_name=wanted.service_name,
        sample_rate=wanted.sample_rate,
        export_metrics=wanted.export_metrics,
    )


def _note_app_provider(sample_rate: float) -> None:
    """A provider is already installed: say once that Charter cannot sample in front of
    exporters it did not create (`DecisionSamplingProcessor` does it when wrapped there)."""
    global _warned_sampling
    from charter.telemetry._setup import installed_by_charter

    if sample_rate >= 1.0 or installed_by_charter() or _warned_sampling:
        return
    _warned_sampling = True
    _log.warning(
        "telemetry_sample_rate=%s is not applied: the application installed its own tracer "
        "provider, which exports every span; wrap its exporting span processor in "
        "charter.telemetry.DecisionSamplingProcessor(processor, allow_rate=%s) to keep every "
        "non-allow decision and that share of allowed calls",
        sample_rate,
        sample_rate,
    )
