"""`charter demo` (a command the console adds): drive the support bot with realistic
traffic, let simulated reviewers decide the held requests, switch the model to a
"silently updated" version half-way, and report what Charter saw — or show it live in
the console on a terminal.

Everything runs on the embedded defaults, in one process: regorus, the pattern PII
detector, SQLite for approvals and the decision log, and the console's own OTLP receiver
on a free loopback port.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter import ApprovalPending, Charter, ConfigurationError, PolicyViolation, Settings, context
from charter.demo import OfflineBankModel, SupportBot, Turn, generate

if TYPE_CHECKING:
    from monitor_tui.drift_features import Window

DRIFTED_VERSION = "2025-06"


MIN_SAMPLES = 100
"""Calls a side the demo's drift verdicts need (its traffic is short); `charter drift
report` needs 200 unless given `--min-samples`, so the report names it."""

MAX_DRIFT_LINES = 8
"""Alerts the report lists; the rest are counted (and summed up in "what changed")."""


@dataclass
class DemoReport:
    calls: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    redactions: Counter[str] = field(default_factory=Counter)
    approvals: Counter[str] = field(default_factory=Counter)
    drift: list[str] = field(default_factory=list)
    drift_severity: str = "ok"
    drift_sources: str = ""
    """`traffic ok · model ALERT · ...` (`DriftReport.sources_line`)."""
    audit_ok: bool = False
    audit_records: int = 0
    spans: int = 0
    workdir: Path = Path(".")
    seconds: float = 0.0

    def render(self) -> str:
        def block(title: str, counts: Counter[str]) -> list[str]:
            lines = [title]
            lines += [f"  {name:<34} {n:>5}" for name, n in counts.most_common()] or ["  (none)"]
            return lines

        out = [f"Charter demo: {self.calls} guarded calls in {self.seconds:.1f}s", ""]
        out += block("decisions by action (final action of each call span):", self.actions)
        out += block("rules that fired:", self.rules)
        out += block("PII entity types redacted or detected:", self.redactions)
        out += block("approval requests by final state:", self.approvals)
        out.append(
            f"drift (baseline: first half, current: after the model update; min {MIN_SAMPLES} "
            f"calls per side, `charter drift report --min-samples {MIN_SAMPLES}`): "
            f"{self.drift_severity.upper()}"
        )
        if self.drift_sources:
            out.append(f"  what changed: {self.drift_sources}")
        shown = self.drift[:MAX_DRIFT_LINES]
        out += [f"  {line}" for line in shown] or ["  no drift alert"]
        if len(self.drift) > len(shown):
            out.append(f"  ... and {len(self.drift) - len(shown)} more alerts")
        out.append(
            f"audit log: {self.audit_records} records, hash chain "
            + ("verified" if self.audit_ok else "BROKEN")
        )
        out += [
            "",
            "where the data is:",
            f"  approvals + decision log  {self.workdir / 'charter.db'}",
            f"  spans (console store)     {self.workdir / 'spans.db'} ({self.spans} spans)",
            f"  inspect: charter approvals list --store sqlite:///{self.workdir / 'charter.db'}",
            f"           charter audit verify --store sqlite:///{self.workdir / 'charter.db'}",
        ]
        return "\n".join(out)


MARKER = ".charter-demo"
"""Written into the demo's folder: only a folder carrying it (or an empty one) is reused."""


def prepare_workdir(workdir: Path) -> None:
    """Start from an empty folder without ever deleting what the demo did not create."""
    if workdir.exists() and not workdir.is_dir():
        raise ConfigurationError(f"--workdir {workdir} is a file; give the demo a folder")
    if workdir.is_dir() and any(workdir.iterdir()):
        if not (workdir / MARKER).is_file():
            raise ConfigurationError(
                f"--workdir {workdir} is not empty and was not made by `charter demo`; "
                "the demo will not delete it: choose a new or empty folder"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by `charter demo`; it deletes this folder on reuse\n")


class Demo:
    """The wiring shared by the headless run and the console run."""

    def __init__(self, workdir: Path, *, sample_rate: float = 1.0) -> None:
        from charter.telemetry import Telemetry, build_tracer_provider
        from monitor_tui.ingest.receiver import Receiver
        from monitor_tui.ingest.store import SpanStore

        prepare_workdir(workdir)
        self.workdir = workdir
        self.store = SpanStore(str(workdir / "spans.db"))
        self.receiver = Receiver(self.store, http_port=0, grpc_port=None)
        self.receiver.start()
        self.provider = build_tracer_provider(
            self.receiver.http.endpoint, service_name="support-bot", sample_rate=sample_rate
        )
        settings = Settings.build(
            {
                "store_url": f"sqlite:///{workdir / 'charter.db'}",
                "app": "support-bot",
                "tenant": "anka",
                "environment": "demo",
                "pii_mode": "pattern",
                "approval_mode": "raise",
                "on_deny": "raise",
            }
        )
        telemetry = Telemetry(
            tracer_provider=self.provider,
            app=settings.app,
            tenant=settings.tenant,
            environment=settings.environment,
        )
        self.charter = Charter(settings, telemetry=telemetry)
        self.model = OfflineBankModel("2025-01")
        self.bot = SupportBot(self.charter, self.model)
        self.report = DemoReport(workdir=workdir)
        self.pending: list[tuple[str, Turn]] = []
        self.switch_ns = 0

    # --- traffic -----------------------------------------------------------------------------

    def drive(self, turn: Turn) -> None:
        """One turn; outcomes are counted from the decisions themselves."""
        self.report.calls += 1
        try:
            with context(user=turn.user):
                if turn.kind == "chat":
                    self.bot.ask(turn.text)
                else:
                    self.bot.tools[turn.tool](**dict(turn.arguments))
        except PolicyViolation:
            pass  # counted from the spans in finish()
        except ApprovalPending as exc:
            self.pending.append((exc.ticket, turn))

    def update_model(self) -> None:
        """The "silent" model update: longer answers and more refusals from here on."""
        self.model.version = DRIFTED_VERSION
        self.switch_ns = time.time_ns()

    def review(self) -> None:
        """Simulated reviewers: finance approves refunds up to 1,000 and rejects larger ones,
        two leads approve account closures, security rejects suspected jailbreaks."""
        queue = self.charter.queue
        for ticket, turn in self.pending:
            request = queue.get(ticket)
            args = dict(turn.arguments)
            if request.rule == "tools.refund_over_limit":
                if float(args.get("amount", 0)) <= 1000:  # type: ignore[arg-type]
                    queue.approve(ticket, "alice", reason="order verified")
                else:
                    queue.reject(ticket, "bob", reason="above what support may refund")
            elif request.rule == "tools.close_account":
                queue.approve(ticket, "carol", reason="identity checked")
                queue.approve(ticket, "dave", reason="no open loans")
            else:
                queue.reject(ticket, "erin", reason="looks like a jailbreak attempt")
            if queue.get(ticket).state.value == "approved":
                with contextlib.suppress(PolicyViolation):  # counted from the spans
                    self.charter.resume(ticket)
        self.pending.clear()

    # --- results -----------------------------------------------------------------------------

    def finish(self) -> DemoReport:
        from charter.audit import verify
        from monitor_tui.drift import DriftConfig, compare

        for request in self.charter.queue.list(limit=10_000):
            self.report.approvals[request.state.value] += 1
        # Closing the Charter writes the audit checkpoint and emits its span: it must reach
        # the receiver before the receiver stops, or the exporter retries into a closed port.
        self.charter.close()
        self.provider.force_flush()
        self.receiver.stop()
        spans = list(self.store.iter_spans())
        calls = [s for s in spans if s.is_call]
        self.report.spans = len(spans)
        self.report.actions.clear()
        self.report.rules.clear()
        for span in calls:  # what the console saw, from the traces themselves
            self.report.actions[span.action or "none"] += 1
            self.report.rules.update(span.rules)
            self.report.redactions.update(span.strings("charter.pii.types"))
        baseline = [s for s in calls if s.start_ns < self.switch_ns]
        current = [s for s in calls if s.start_ns >= self.switch_ns]
        drift = compare(baseline, current, DriftConfig(min_samples=MIN_SAMPLES))
        self.report.drift_severity = drift.severity.value
        self.report.drift_sources = drift.sources_line()
        alerts = sorted(drift.alerts(), key=_reading_order)
        width = max((len(feature.feature) for _, feature in alerts), default=0)
        self.report.drift = [
            f"{feature.feature:<{width}} {feature.severity.value:<6} {feature.reason} "
            f"[{segment.label}]"
            for segment, feature in alerts
        ]
        result = verify(self.charter.settings.store_url)
        self.report.audit_ok, self.report.audit_records = result.ok, result.checked
        self.store.close()
        return self.report


def _reading_order(alert: tuple[Any, Any]) -> tuple[int, bool]:
    """Alerts by source (traffic, model, decisions, service), direct evidence first (a new
    model version, longer answers) and signal scores after: sorted by effect size alone,
    shifts of near-zero classifier scores would head the list. Stable: worst first within."""
    from monitor_tui.drift_features import SOURCES, source_of

    name = alert[1].feature
    return SOURCES.index(source_of(name)), "signal." in name


def run_headless(calls: int = 600, workdir: Path = Path(".charter/demo")) -> DemoReport:
    started = time.perf_counter()
    demo = Demo(workdir)
    turns = generate(calls)
    half = len(turns) // 2
    for i, turn in enumerate(turns):
        if i == half:
            demo.review()
            demo.update_model()
        demo.drive(turn)
    demo.review()
    report = demo.finish()
    report.seconds = time.perf_counter() - started
    return report


SEED_CALLS = 250
"""Calls the console demo makes on the model before its update, at full speed: the drift
baseline (with trailing 15-minute windows the console would need an hour of traffic).
About 150 of them reach the model (the rest are denied, held or tool calls), enough for
the features of the model's answers to be judged at 100 a side."""


def seed_baseline(demo: Demo, calls: int = SEED_CALLS, *, seed: int = 5) -> Window:
    """Drive `calls` turns as fast as they run and return the window their spans fill."""
    from monitor_tui.drift_features import Window

    start = time.time_ns()
    for turn in generate(calls, seed=seed):
        with contextlib.suppress(Exception):  # errors show in the console's spans
            demo.drive(turn)
    demo.pending.clear()  # reviewers decide in the console
    demo.provider.force_flush()
    return Window(start, time.time_ns())


def console_app(demo: Demo) -> Any:
    """The console on the demo's stores, tuned for a session of minutes: 30-second drift
    windows refreshed every 5 s, 100 samples a side (`charter console` keeps 15 minutes)."""
    from monitor_tui.app import ConsoleApp
    from monitor_tui.drift import DriftConfig

    return ConsoleApp(
        demo.store,
        receiver=demo.receiver,
        queue=demo.charter.queue,
        reviewer="alice",
        policies=str(demo.charter.settings.policies_source),
        drift_window_s=30.0,
        drift_refresh_s=5.0,
        drift_config=DriftConfig(min_samples=MIN_SAMPLES),
    )


def run_console(workdir: Path = Path(".charter/demo"), *, rate_per_s: float = 8.0) -> None:
    """Open the console on live demo traffic: a seeded baseline first, then the model
    silently updates and the Drift screen alerts within about a minute."""
    import threading

    demo = Demo(workdir)
    app = console_app(demo)
    stop = threading.Event()

    def traffic() -> None:
        app.context.drift_baseline = seed_baseline(demo)
        demo.update_model()
        for turn in generate(1_000_000, seed=11):
            if stop.is_set():
                return
            with contextlib.suppress(Exception):  # errors show in the console's spans
                demo.drive(turn)
            demo.pending.clear()  # reviewers decide in the console
            stop.wait(1.0 / rate_per_s)

    worker = threading.Thread(target=traffic, name="charter-demo-traffic", daemon=True)
    worker.start()
    try:
        app.run()
    finally:
        stop.set()
        worker.join(timeout=5)
        demo.finish()
