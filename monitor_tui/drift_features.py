"""Features of guarded-call spans for drift detection: numbers (token counts, latencies,
signal scores of the request and of the response) and categories (decision, rules, finish
reasons, ...), from the span attributes Charter emits (`charter.semconv`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from charter import semconv
from monitor_tui.drift_stats import (
    Float64Array,
    effective_counts,
    effective_size,
    equal_weight_sample,
)
from monitor_tui.ingest.records import SpanRecord

NONE = "(none)"
UNKNOWN = "(unknown)"


# --- features ----------------------------------------------------------------------------


@dataclass
class FeatureTable:
    """Per-feature samples of one set of spans, with the spans' sampling weights (what
    each stands for: `SpanRecord.weight`). Tests read them through `sample` and `counts`,
    which weigh them (`drift_stats`: the weighted mix at the effective sample size)."""

    spans: int = 0
    numeric: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    numeric_weights: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """The weight of each numeric sample; none recorded for a feature: each weighs 1."""
    categorical: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Weighted counts per category."""
    samples: Counter[str] = field(default_factory=Counter)
    """Spans that contributed to each categorical feature."""
    sample_weights: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Their weights; none recorded for a feature: each weighs 1."""

    def sample(self, name: str) -> Float64Array:
        values = np.asarray(self.numeric.get(name, ()), dtype=np.float64)
        return equal_weight_sample(values, _weights(self.numeric_weights, name, values.size))

    def calls(self) -> int:
        """The calls at the effective size: what `min_samples` is held against."""
        return self.counts("decision")[1]

    def counts(self, name: str) -> tuple[dict[str, float], int]:
        """Category counts and the sample size, both at the effective size."""
        counts = self.categorical.get(name, Counter())
        weights = _weights(self.sample_weights, name, self.samples[name])
        labels = list(counts)
        scaled = effective_counts(np.array([float(counts[k]) for k in labels]), weights)
        return dict(zip(labels, scaled.tolist(), strict=True)), round(effective_size(weights))


def _weights(weights: Mapping[str, list[float]], name: str, size: int) -> Float64Array:
    recorded = weights.get(name)
    return np.asarray(recorded, dtype=np.float64) if recorded else np.ones(size)


_NUMERIC_ATTRS = {
    "input_tokens": semconv.GEN_AI_USAGE_INPUT_TOKENS,
    "output_tokens": semconv.GEN_AI_USAGE_OUTPUT_TOKENS,
    "guard_overhead_ms": semconv.LATENCY_MS,
    "approval_wait_ms": semconv.APPROVAL_WAIT_MS,
    "pii_count": semconv.PII_COUNT,
}
_SIGNAL_FEATURES = (
    (semconv.SIGNAL_PREFIX, "signal."),
    (semconv.RESPONSE_SIGNAL_PREFIX, "response_signal."),
)
"""Scores of what the traffic sent (`signal.<name>`: a change in the users) apart from
scores of what came back (`response_signal.<name>`: a change in the model or the tools)."""


def extract_features(spans: Iterable[SpanRecord]) -> FeatureTable:
    """Numeric and categorical samples from guarded-call spans (others are skipped)."""
    table = FeatureTable()
    for span in spans:
        if not span.is_call:
            continue
        table.spans += 1
        weight = span.weight
        values = {name: span.number(key) for name, key in _NUMERIC_ATTRS.items()}
        values["latency_ms"] = span.model_ms
        if values["latency_ms"] is None:
            # Its guard time covers the input stage alone: only calls that reached the
            # model are compared, or more denials would read as a faster guard.
            values["guard_overhead_ms"] = None
        for key in span.attributes:
            for prefix, feature in _SIGNAL_FEATURES:
                if key.startswith(prefix):
                    values[feature + key.removeprefix(prefix)] = span.number(key)
        for name, value in values.items():
            if value is not None:
                table.numeric[name].append(value)
                table.numeric_weights[name].append(weight)
        for name, counts in _categories(span).items():
            table.categorical[name].update({k: n * weight for k, n in counts.items()})
            table.samples[name] += 1
            table.sample_weights[name].append(weight)
    return table


def _categories(span: SpanRecord) -> dict[str, Counter[str]]:
    attrs = span.attributes
    out: dict[str, Counter[str]] = {
        "decision": Counter([span.action or NONE]),
        "error": Counter(["error" if span.is_error else "ok"]),
        "rules": Counter(span.rules or (NONE,)),
        "approval": Counter([str(attrs.get(semconv.APPROVAL_STATE) or NONE)]),
    }
    reasons = span.strings(semconv.GEN_AI_RESPONSE_FINISH_REASONS)
    if reasons:
        out["finish_reason"] = Counter(reasons)
    version = attrs.get(semconv.GEN_AI_RESPONSE_MODEL)
    if version is not None:
        out["model_version"] = Counter([str(version)])
    # Spans with each entity type (not occurrences: one long prompt full of e-mail
    # addresses is one event, and counting it many times would make the test overconfident).
    types = {
        key.removeprefix(semconv.PII_COUNT_PREFIX)
        for key, value in attrs.items()
        if key.startswith(semconv.PII_COUNT_PREFIX) and isinstance(value, int | float) and value
    }
    types.update(span.strings(semconv.PII_TYPES))
    out["redactions"] = Counter(types or (NONE,))
    return out


# --- sources: who a feature's change points at -----------------------------------------

SOURCES = ("traffic", "model", "decisions", "service")
"""What changed when a feature drifts: what the users send, what the model (or a tool) sends
back, what the guard decides, or how the service runs (its own overhead, errors)."""
_SOURCE = {
    "input_tokens": "traffic",
    "pii_count": "traffic",
    "redactions": "traffic",
    "output_tokens": "model",
    "finish_reason": "model",
    "model_version": "model",
    "model_change": "model",
    "latency_ms": "model",
    "decision": "decisions",
    "rules": "decisions",
    "approval": "decisions",
    "approval_wait_ms": "decisions",
    "revision_change": "decisions",
    "guard_overhead_ms": "service",
    "error": "service",
}


def is_score(feature: str) -> bool:
    """A signal score (request or response side), a number in [0, 1]."""
    return feature.startswith(tuple(name for _, name in _SIGNAL_FEATURES))


def source_of(feature: str) -> str:
    """The `SOURCES` entry of a feature name as `extract_features` writes it."""
    for prefix, name in _SIGNAL_FEATURES:
        if feature.startswith(name):
            return "model" if prefix == semconv.RESPONSE_SIGNAL_PREFIX else "traffic"
    return _SOURCE.get(feature, "service")


# --- windows: which spans a comparison looks at ----------------------------------------


@dataclass(frozen=True)
class Window:
    start_ns: int
    end_ns: int

    def contains(self, span: SpanRecord) -> bool:
        return self.start_ns <= span.end_ns < self.end_ns


def current_window(now_s: float, window_s: float) -> Window:
    end = int(now_s * 1e9)
    return Window(end - int(window_s * 1e9), end)


def trailing_baseline(now_s: float, window_s: float, windows: int = 4) -> Window:
    """The `windows` window lengths right before the current window."""
    current = current_window(now_s, window_s)
    return Window(current.start_ns - int(windows * window_s * 1e9), current.start_ns)
