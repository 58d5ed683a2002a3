"""Make docs/console-probes.svg: real `charter probe` runs against the demo model, sent over
OTLP to the console's receiver, shown on the Probes screen.

    .venv/bin/python docs/probe_screenshot.py

Four runs of the original model (the first is the baseline), then two after the provider's
silent update (BANK_MODEL_VERSION=2025-06 behind the same entry point). Runs follow each
other seconds apart here; in production they are hours apart (`--every 6h`).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from charter import Charter, Settings
from charter.demo.model import OfflineBankModel
from charter.probes import (
    CallableTarget,
    ProbeHistory,
    ProbeTelemetry,
    default_probe_files,
    load_probe_set,
    probe_once,
)
from charter.telemetry import Telemetry, build_tracer_provider
from monitor_tui.app import ConsoleApp
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore

OUT = Path(__file__).resolve().parent / "console-probes.svg"
VERSIONS = ["2025-01"] * 4 + ["2025-06"] * 2


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="charter-probe-shot-"))
    store = SpanStore(str(work / "spans.db"))
    receiver = Receiver(store, http_port=0, grpc_port=None)
    receiver.start()
    provider = build_tracer_provider(receiver.http.endpoint, service_name="support-bot")
    settings = Settings.build(
        {"store_url": f"sqlite:///{work / 'charter.db'}", "app": "support-bot", "audit": False}
    )
    telemetry = Telemetry(
        tracer_provider=provider, app="support-bot", tenant="anka", environment="probe"
    )
    charter = Charter(settings, telemetry=telemetry)

    @charter.guard(model="bank-assistant", provider="openai")
    def ask(prompt: str) -> dict[str, object]:
        return OfflineBankModel(os.environ["BANK_MODEL_VERSION"]).complete(prompt)

    target = CallableTarget(ask, name="support_bot.app:answer")
    items = load_probe_set(default_probe_files(settings.policies_source))
    history = ProbeHistory(settings.store_url)
    probes = ProbeTelemetry(app="support-bot", tracer_provider=provider)
    for version in VERSIONS:
        os.environ["BANK_MODEL_VERSION"] = version
        probe_once(items, target, history=history, telemetry=probes)
        print(f"probe run with model version {version} done")
    provider.force_flush()
    receiver.pipeline.flush()
    history.close()
    charter.close()
    asyncio.run(_shoot(store))
    receiver.stop()
    print(f"wrote {OUT}")


async def _shoot(store: SpanStore) -> None:
    app = ConsoleApp(store)
    async with app.run_test(size=(140, 36)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        app.save_screenshot(filename=OUT.name, path=str(OUT.parent))


if __name__ == "__main__":
    main()
