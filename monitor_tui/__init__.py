"""The Charter monitoring console: OTLP ingest, live decisions, approvals, drift.

Import name `monitor_tui`. Depends on Charter's public API and `charter.semconv` only;
Charter never imports it. Textual is loaded by `monitor_tui.app`, not here, so the ingest
side (`monitor_tui.ingest`) and the drift statistics (`monitor_tui.drift`) run headless.
"""
