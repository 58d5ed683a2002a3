"""The safety classifier cascade: cost per prompt, per benign corpus, in a guarded call,
and resident memory.

Floors, measured in the same run: the heuristic detector on the same text (the cheapest
signal the guard ran before), and a guarded check with the heuristic only. Targets (issue
13): stage 1 ≤ 0.3 ms p50 for a 1k-character prompt; the cascade ≤ 1 ms mean over the
benign corpus and ≤ 25 ms p99; memory ≤ +300 MB with the contextual stage, ≤ +100 MB
without.
"""

from __future__ import annotations

import json
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


def _latencies_ms(fn: object, texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        t0 = time.perf_counter()
        fn(text)  # type: ignore[operator]
        out.append((time.perf_counter() - t0) * 1e3)
    return out


_MEMORY = r"""
import json, resource, sys
import numpy  # the baseline already has numpy, like any app that imports charter.signals
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from charter.signals import SafetyClassifier
c = SafetyClassifier(context_stage=sys.argv[1] == "1")
c.score("warm up the caches with a first text")
c.probabilities("How do I kill a stuck Python process?")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps((after - before) / 1024))
"""


def _memory_mb(context: bool) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY, "1" if context else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    cascade = SafetyClassifier()
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
    texts = _benign_texts()
    for text in texts[:50]:
        cascade.score(text)
    latencies = _latencies_ms(cascade.score, texts)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    uncertain = sum(cascade.sent_to_second_stage(t) for t in texts)
    mean = statistics.fmean(latencies)
    rows.append(
        row(f"cascade mean over {len(texts)} benign prompts", mean, "ms/call", target="≤ 1 ms")
    )
    rows.append(row("cascade p99 over the benign prompts", p99, "ms/call", target="≤ 25 ms"))
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
    rows += _guarded_call()
    return rows


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
