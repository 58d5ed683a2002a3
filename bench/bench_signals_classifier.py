"""The safety classifier cascade: cost per prompt, per benign corpus, in a guarded call,
and resident memory.

Floors, measured in the same run: the heuristic detector on the same text (the cheapest
signal the guard ran before), and a guarded check with the heuristic only. Targets (issue
13): stage 1 ≤ 0.3 ms p50 for a 1k-character prompt; the cascade ≤ 1 ms mean over the
benign corpus and ≤ 25 ms p99; memory ≤ +300 MB with the contextual stage, ≤ +100 MB
without. Wall-clock figures on a shared machine include time other processes take from
it, so the machine's load average and the CPU time of the same calls are reported too.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench._timing import compare_us, row
from charter.signals import HeuristicJailbreakDetector, SafetyClassifier, SignalSet

ROOT = Path(__file__).resolve().parents[1]
EVALS = ROOT / "policies" / "evals"
PROMPT = (
    "Hi, I was charged twice for my card payment at the grocery store on Monday. Could you "
    "check the transaction, tell me when the refund will arrive and whether I need to "
    "block the card? I also want to update the phone number on my account. Thanks! "
)
TURKISH = (
    "Merhaba, pazartesi günü market alışverişinde kartımdan iki kez ödeme alındı. İşlemi "
    "kontrol edip iadenin ne zaman yapılacağını ve kartı bloke etmem gerekip gerekmediğini "
    "söyler misiniz? Telefon numaramı da güncellemek istiyorum. Teşekkürler! "
)


def _text(base: str, length: int) -> str:
    return (base * (length // len(base) + 1))[:length]


def _benign_texts() -> list[str]:
    texts = []
    for path in sorted(EVALS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item["label"] == "allowed" and item.get("stage", "input") == "input":
                    texts.append(item["text"])
    return texts


def _latencies_ms(fn: object, texts: list[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of fn(text) for every text."""
    wall, cpu = [], []
    for text in texts:
        t0, c0 = time.perf_counter(), time.process_time()
        fn(text)  # type: ignore[operator]
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - t0) * 1e3)
    return wall, cpu


def _cpu_median_ms(fn: object, n: int) -> float:
    samples = []
    for _ in range(n):
        c0 = time.process_time()
        fn()  # type: ignore[operator]
        samples.append((time.process_time() - c0) * 1e3)
    return statistics.median(samples)


def _load_row() -> dict[str, object]:
    load = os.getloadavg()[0]
    return row(
        f"machine load average (1 min) over {os.cpu_count()} cores",
        load,
        "runnable",
        target="context for the wall-clock rows",
    )


_MEMORY = r"""
import json, os, sys
import numpy  # the baseline already has numpy, like any app that imports charter.signals

def resident_mb():
    # The current resident set, not ru_maxrss: on Linux a child inherits its parent's peak
    # across fork and exec, so the peak of this process started at the bench's own.
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

if sys.argv[2] == "sdk":  # the baseline is an app that already imported the SDK
    import charter.signals
before = resident_mb()
from charter.signals import SafetyClassifier
c = SafetyClassifier(context_stage=sys.argv[1] == "1")
c.score("warm up the caches with a first text")
c.probabilities("How do I kill a stuck Python process?")
print(json.dumps(resident_mb() - before))
"""


def _memory_mb(context: bool, baseline: str = "numpy") -> float:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY, "1" if context else "0", baseline],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [_load_row()]
    cascade = SafetyClassifier(memo=0)
    heuristic = HeuristicJailbreakDetector()
    for name, base in (("English", PROMPT), ("Turkish", TURKISH)):
        text = _text(base, 1000)
        subject, floor = compare_us(
            lambda t=text: cascade.stage_one(t), lambda t=text: heuristic.score(t), n=300
        )
        rows.append(
            row(
                f"stage 1 (n-grams + WordLlama), 1k chars {name}",
                subject / 1e3,
                "ms/call (median)",
                floor=floor / 1e3,
                target="≤ 0.3 ms p50 (floor: heuristic detector)",
            )
        )
        cpu = _cpu_median_ms(lambda t=text: cascade.stage_one(t), 300)
        rows.append(row(f"stage 1, 1k chars {name}, CPU time", cpu, "ms/call (median)"))
    if cascade.context_stage:
        long_text = _text(PROMPT, 4000)
        second = cascade.second_stage
        assert second is not None
        cpu = _cpu_median_ms(lambda: second.logits(long_text), 30)
        rows.append(
            row(
                f"stage 2 alone, a full window ({second.pieces.window} word pieces), CPU",
                cpu,
                "ms/call (median)",
                target="bounds the cascade's worst case",
            )
        )
    texts = _benign_texts()
    for text in texts[:50]:
        cascade.score(text)
    latencies, cpu_ms = _latencies_ms(cascade.score, texts)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    uncertain = sum(cascade.sent_to_second_stage(t) for t in texts)
    mean = statistics.fmean(latencies)
    rows.append(
        row(f"cascade mean over {len(texts)} benign prompts", mean, "ms/call", target="≤ 1 ms")
    )
    rows.append(row("cascade p99 over the benign prompts", p99, "ms/call", target="≤ 25 ms"))
    rows.append(row("cascade mean over the benign prompts, CPU", statistics.fmean(cpu_ms), "ms"))
    cpu_sorted = sorted(cpu_ms)
    rows.append(
        row(
            "cascade p99 over the benign prompts, CPU",
            cpu_sorted[min(len(cpu_sorted) - 1, int(len(cpu_sorted) * 0.99))],
            "ms",
        )
    )
    rows.append(
        row(
            "benign prompts sent to the contextual stage",
            100.0 * uncertain / len(texts),
            "%",
            target="few: stage 1 settles clear cases",
        )
    )
    with_ctx, without = _memory_mb(True), _memory_mb(False)
    rows.append(row("resident memory, both stages", with_ctx, "MB added", target="≤ +300 MB"))
    rows.append(row("resident memory, stage 1 only", without, "MB added", target="≤ +100 MB"))
    sdk_ctx, sdk_without = _memory_mb(True, "sdk"), _memory_mb(False, "sdk")
    rows.append(row("the same over an app that imported charter: both stages", sdk_ctx, "MB added"))
    rows.append(row("the same over an app that imported charter: stage 1", sdk_without, "MB added"))
    rows += _chat_turn(texts)
    rows += _guarded_call()
    rows.append(_load_row())
    return rows


def _chat_turn(texts: list[str], turns: int = 11, n: int = 30) -> list[dict[str, object]]:
    """The eleventh turn of a chat scores its eleven user messages (the history comes
    again with every turn): ten were scored at earlier turns, one is new."""
    history, new = texts[: turns - 1], texts[turns - 1 : turns - 1 + n]
    fresh, remembering = SafetyClassifier(memo=0), SafetyClassifier(memo=2048)
    for text in history:
        remembering.score(text)
    samples = {}
    for name, classifier in (("off", fresh), ("on", remembering)):
        cpu = []
        for last in new:
            c0 = time.process_time()
            for text in [*history, last]:
                classifier.score(text)
            cpu.append((time.process_time() - c0) * 1e3)
        samples[name] = statistics.median(cpu)
    return [
        row(
            f"chat turn {turns} ({turns} user messages scored), memo on, CPU",
            samples["on"],
            "ms (median)",
            floor=samples["off"],
            target="the earlier messages are not scored again (floor: memo off)",
        )
    ]


def _guarded_call() -> list[dict[str, object]]:
    import tempfile

    from charter.config import DEFAULT_POLICIES
    from charter.signals import default_signals
    from charter.testing import make_charter

    with tempfile.TemporaryDirectory() as tmp:
        full = make_charter(DEFAULT_POLICIES, Path(tmp), pii_mode="pattern", audit=False)
        bare = make_charter(
            DEFAULT_POLICIES,
            Path(tmp) / "b",
            signals=SignalSet([HeuristicJailbreakDetector()]),
            pii_mode="pattern",
            audit=False,
        )
        assert full.signals.names == default_signals().names
        try:
            subject, floor = compare_us(
                lambda: full.check(PROMPT, provider="openai"),
                lambda: bare.check(PROMPT, provider="openai"),
                n=200,
            )
        finally:
            full.close()
            bare.close()
    return [
        row(
            "guarded check (PII + signals + policy), ~250 chars",
            subject / 1e3,
            "ms/call",
            floor=floor / 1e3,
            target="what the classifier adds (floor: heuristic-only signals)",
        )
    ]
