"""Baseline vs current distribution of one drift feature, as two aligned bar rows on a
common scale (Textual's Sparkline scales each row on its own, which hides the shift)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from monitor_tui import format as fmt
from monitor_tui.drift import FeatureDrift
from monitor_tui.text import safe

MAX_BINS = 40


class DistributionView(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="distribution")
        self.feature: FeatureDrift | None = None

    def show(self, feature: FeatureDrift | None) -> None:
        self.feature = feature
        self.refresh(layout=True)  # the height follows the content

    def render(self) -> Text:
        f = self.feature
        if f is None:
            return Text(
                "Select a feature to see its baseline and current distribution.", style="dim"
            )
        text = Text()
        text.append(safe(f.feature, one_line=True), style="bold")
        text.append(f"  {f.kind}  {f.severity.value}\n", style=fmt.severity_style(f.severity.value))
        text.append(f"{safe(f.reason)}\n")
        if f.baseline:
            base, cur = f.baseline[:MAX_BINS], f.current[:MAX_BINS]
            top = max(max(base), max(cur))
            text.append("baseline ", style="dim")
            text.append(fmt.bars(base, top) + "\n", style="blue")
            text.append("current  ", style="dim")
            text.append(fmt.bars(cur, top) + "\n", style="magenta")
            text.append(
                safe(f"bins: {f.labels[0]} … {f.labels[min(len(f.labels), MAX_BINS) - 1]}") + "\n",
                style="dim",
            )
        if f.kind == "numeric" and f.summary:
            s = f.summary
            text.append(
                f"mean {s['baseline_mean']:.4g} → {s['current_mean']:.4g}   "
                f"p50 {s['baseline_p50']:.4g} → {s['current_p50']:.4g}   "
                f"p95 {s['baseline_p95']:.4g} → {s['current_p95']:.4g}\n"
            )
            if f.ks_statistic is not None and f.wasserstein is not None:
                text.append(
                    f"KS D={f.ks_statistic:.3f}  Wasserstein {f.wasserstein:.4g}\n", style="dim"
                )
        elif f.kind == "categorical" and f.labels:
            pairs = sorted(
                zip(f.labels, f.baseline, f.current, strict=False), key=lambda t: -max(t[1], t[2])
            )[:6]
            for label, b, c in pairs:
                text.append(f"{safe(label[:28], one_line=True):<28} {b:6.1%} → {c:6.1%}\n")
            if f.chi2 is not None:
                text.append(f"chi-square {f.chi2:.2f}\n", style="dim")
        return text
