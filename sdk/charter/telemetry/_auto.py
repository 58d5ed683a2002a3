"""Tracing switched on by configuration: no `setup()` call in the application.

When a `Charter` first builds its telemetry it calls `from_configuration(settings)`:

* an application that already installed a tracer provider keeps it: Charter's spans go
  through the application's processors and exporters, and no second exporter is added;
* otherwise, when an OTLP endpoint is configured (`otlp_endpoint` in charter.toml or
  `CHARTER_OTLP_ENDPOINT`, else the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
  `OTEL_EXPORTER_OTLP_ENDPOINT`), the Charter gets batch-exporting providers of its own
  (shared by the Charters asking for the same export), with `service_name` (else
  `OTEL_SERVICE_NAME`, else the app's name), `telemetry_sample_rate` applied to allowed
  calls, and headers from `OTEL_EXPORTER_OTLP_HEADERS`. They are not installed as the
  process-wide ones: two Charters of one process (two apps, two tenants) each export where
  and as whom they are configured to (found by probing: the first Charter's provider
  carried every Charter's spans, to its endpoint under its service name);
* with no endpoint anywhere nothing is built and spans stay no-ops.

It runs once per `Charter`, when its first guarded call builds the telemetry, so the hot
path is the same as with an explicit `setup()`.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opentelemetry import trace

from charter.config import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider

    from charter.telemetry._export import OpenSpans

_log = logging.getLogger("charter.telemetry")

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_warned_sampling = False
_warned_own: set[tuple[str, str]] = set()


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


@dataclass(eq=False)
class Exporting:
    """Providers built for one export (traces URL, service, sample rate, metrics), shared
    by the Charters that ask for it; shut down, flushing what is batched, once the last of
    them lets go (`release`) and the spans still open have ended."""

    key: tuple[str, str, float, bool]
    tracer: TracerProvider
    meter: MeterProvider | None
    open_spans: OpenSpans
    users: int = 0

    def release(self) -> None:
        """Returns at once: the shutdown runs on its own thread once the calls still
        running end (shut down under them, their spans were lost), and its flush never
        holds up `close()` or `configure()` on a collector that is down (1-2 s each, both
        found by review). At exit the providers' own bounded exit flush sends the rest."""
        with _lock:
            self.users -= 1
            if self.users > 0:
                return
            if _shared.get(self.key) is self:
                del _shared[self.key]
        name = "charter-telemetry-release"
        thread = threading.Thread(target=self._shut_down_when_idle, name=name, daemon=True)
        with _lock:
            _releasing[self] = thread
        thread.start()

    def _shut_down_when_idle(self) -> None:
        from charter.telemetry._export import RELEASE_WAIT_S

        try:
            self.open_spans.wait_idle(RELEASE_WAIT_S)
            if not self.open_spans.given_up:  # at exit the providers' own flush did it
                self.tracer.shutdown()
                if self.meter is not None:
                    self.meter.shutdown()
        finally:
            with _lock:
                _releasing.pop(self, None)


def _finish_releases() -> None:
    """At exit, after the providers' own exit flush (registered later, run earlier): let
    the releases under way end their export, bounded, rather than die with the process."""
    from charter.telemetry._export import EXIT_FLUSH_S, EXPORT_TIMEOUT_S

    with _lock:
        pending = list(_releasing.items())
    for exporting, _ in pending:
        exporting.open_spans.give_up()
    deadline = time.monotonic() + EXIT_FLUSH_S + EXPORT_TIMEOUT_S
    for _, thread in pending:
        thread.join(max(0.0, deadline - time.monotonic()))


_lock = threading.Lock()
_shared: dict[tuple[str, str, float, bool], Exporting] = {}
_releasing: dict[Exporting, threading.Thread] = {}
atexit.register(_finish_releases)


def from_configuration(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> Exporting | None:
    """The providers a Charter with these settings exports through, taken for it (hand
    them back with `release()`); None: the process-wide ones, which are the application's
    own, or none at all (spans are no-ops). Never another Charter's."""
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _note_app_provider(settings)
        return None
    wanted = plan(settings, environ)
    if wanted is None:
        return None
    from charter.telemetry._setup import (
        build_meter_provider,
        build_tracer_provider,
        signal_url,
    )

    traces_url = signal_url("traces", wanted.endpoint)
    key = (traces_url, wanted.service_name, wanted.sample_rate, wanted.export_metrics)
    with _lock:
        exporting = _shared.get(key)
        if exporting is None:
            tracer = build_tracer_provider(
                wanted.endpoint, service_name=wanted.service_name, sample_rate=wanted.sample_rate
            )
            meter = (
                build_meter_provider(wanted.endpoint, service_name=wanted.service_name)
                if wanted.export_metrics
                else None
            )
            from charter.telemetry._export import OpenSpans

            open_spans = OpenSpans()
            tracer.add_span_processor(open_spans)  # after the exporting one: see OpenSpans
            exporting = _shared[key] = Exporting(key, tracer, meter, open_spans)
        exporting.users += 1
    return exporting


def _note_app_provider(settings: Settings) -> None:
    """A provider is already installed: say once that a Charter's own endpoint and service
    name are not used, and that Charter cannot sample in front of exporters it did not
    create (`DecisionSamplingProcessor` does it when wrapped there)."""
    global _warned_sampling
    from charter.telemetry._setup import installed_by_charter

    own = (settings.otlp_endpoint, settings.service_name)
    if any(own) and own not in _warned_own:
        _warned_own.add(own)
        _log.warning(
            "otlp_endpoint %r and service_name %r (app %r) are not used: the application "
            "installed its own tracer provider, and Charter's spans go through it",
            *own,
            settings.app,
        )
    sample_rate = settings.telemetry_sample_rate
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
