"""`setup()`: a one-line way to install OpenTelemetry SDK providers exporting over OTLP/HTTP.

Applications that already configure OpenTelemetry do not need this: Charter only uses the
API and picks up whatever providers the application installed. `setup()` is for everyone
else, and points at the Charter console's receiver on 127.0.0.1:4318 by default.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from opentelemetry import metrics, trace
from opentelemetry.sdk.trace import TracerProvider

from charter.errors import ConfigurationError, TelemetryError

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider

DEFAULT_ENDPOINT = "http://127.0.0.1:4318"
"""The Charter console's OTLP/HTTP receiver."""

_log = logging.getLogger("charter.telemetry")


@dataclass(frozen=True)
class _Installed:
    provider: TracerProvider
    traces_url: str
    service_name: str
    sample_rate: float


_lock = threading.Lock()
_installed: _Installed | None = None


def installed_by_charter() -> bool:
    """Whether `setup()` installed the process-wide tracer provider."""
    return _installed is not None


def signal_url(signal: str, endpoint: str | None = None) -> str:
    """The OTLP/HTTP URL for `signal` ("traces" or "metrics"), following the OTel rules:
    an explicit endpoint or `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL that gets
    `/v1/<signal>` appended; `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` is used as it is."""
    if endpoint is None:
        specific = os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
        if specific:
            return _checked(specific, f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    source = "endpoint" if endpoint is not None else "OTEL_EXPORTER_OTLP_ENDPOINT"
    base = (
        endpoint
        if endpoint is not None
        else os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", DEFAULT_ENDPOINT)
    )
    base = _checked(base, source).rstrip("/")
    suffix = f"/v1/{signal}"
    return base if base.endswith(suffix) else base + suffix


def _checked(url: str, source: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{source} {url!r} is not an OTLP/HTTP URL; use e.g. {DEFAULT_ENDPOINT}"
        )
    return url


def build_tracer_provider(
    endpoint: str | None = None, *, service_name: str = "charter-app", sample_rate: float = 1.0
) -> TracerProvider:
    """An SDK `TracerProvider` exporting in batches over OTLP/HTTP, without installing it.

    Every call span is recorded; `sample_rate` < 1 keeps only that share of *allowed* calls
    (deny, redact and approval calls are always exported; see `charter.telemetry.sampling`).
    """
    if not 0.0 <= sample_rate <= 1.0:
        raise ConfigurationError(
            f"sample_rate must be between 0.0 and 1.0 (got {sample_rate}); it is the share "
            "of allowed calls whose traces are exported"
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    from charter.telemetry._export import ExitBoundedSpanProcessor, export_timeout
    from charter.telemetry.sampling import DecisionSamplingProcessor

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    exporter = OTLPSpanExporter(
        endpoint=signal_url("traces", endpoint), timeout=export_timeout("traces")
    )
    exporting = ExitBoundedSpanProcessor(exporter)
    if sample_rate < 1.0:
        provider.add_span_processor(DecisionSamplingProcessor(exporting, allow_rate=sample_rate))
    else:
        provider.add_span_processor(exporting)
    return provider


def build_meter_provider(
    endpoint: str | None = None, *, service_name: str = "charter-app"
) -> MeterProvider:
    """An SDK `MeterProvider` exporting every 60 s over OTLP/HTTP, without installing it."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    from charter.telemetry._export import export_timeout

    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(
            endpoint=signal_url("metrics", endpoint), timeout=export_timeout("metrics")
        )
    )
    return MeterProvider(
        metric_readers=[reader], resource=Resource.create({SERVICE_NAME: service_name})
    )


def setup(
    endpoint: str | None = None,
    *,
    service_name: str = "charter-app",
    sample_rate: float = 1.0,
    export_metrics: bool | None = None,
) -> TracerProvider:
    """Install SDK tracer (and meter) providers exporting to `endpoint`, else
    `OTEL_EXPORTER_OTLP_ENDPOINT`, else the console on http://127.0.0.1:4318. Returns the
    tracer provider. Calling it again with the same arguments returns the same provider.

    If the application already installed an SDK tracer provider, that one is returned and
    left alone: the application owns its providers.

    `export_metrics`: None exports metrics only when an OTLP endpoint is configured through
    the environment (a collector or backend); the console receiver takes traces only.
    """
    global _installed
    traces_url = signal_url("traces", endpoint)
    with _lock:
        if _installed is not None:
            wanted = (traces_url, service_name, sample_rate)
            have = (_installed.traces_url, _installed.service_name, _installed.sample_rate)
            if wanted != have:
                raise TelemetryError(
                    f"telemetry is already set up (endpoint {have[0]}, service {have[1]!r}, "
                    f"sample_rate {have[2]}); setup() installs the process-wide providers "
                    "once, so call it once with the settings you want"
                )
            return _installed.provider
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            _log.info("an SDK TracerProvider is already installed; Charter uses it as it is")
            return current
        if not isinstance(current, trace.ProxyTracerProvider):
            raise TelemetryError(
                f"a {type(current).__name__} is already installed as the tracer provider; "
                "pass it to Telemetry(tracer_provider=...) instead of calling setup()"
            )
        provider = build_tracer_provider(
            endpoint, service_name=service_name, sample_rate=sample_rate
        )
        trace.set_tracer_provider(provider)
        if export_metrics is None:
            export_metrics = any(
                os.environ.get(name)
                for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
            )
        if export_metrics:
            metrics.set_meter_provider(build_meter_provider(endpoint, service_name=service_name))
        _installed = _Installed(provider, traces_url, service_name, sample_rate)
        return provider
