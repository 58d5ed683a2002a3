"""`make bench`: run every bench/bench_*.py module in one process and print one table.

Each module exposes `run() -> list[dict]` with name, value, unit, floor, ratio, target.
Results also go to bench/results.md (the table the README quotes).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).parent
KEEP_MARKER = "<!-- sections below are kept by make bench -->"


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def main(argv: list[str]) -> int:
    wanted = set(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    rows: list[dict[str, object]] = []
    failed = []
    for name in names:
        if wanted and name.removeprefix("bench_") not in wanted and name not in wanted:
            continue
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            for r in module.run():
                rows.append({"module": name.removeprefix("bench_"), **r})
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"  {name}: {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    header = "| area | measure | value | unit | floor | ratio | target |"
    lines = [header, "|---|---|---:|---|---:|---:|---|"]
    for r in rows:
        ratio = r.get("ratio")
        lines.append(
            f"| {r['module']} | {r['name']} | {_fmt(r['value'])} | {r['unit']} | "
            f"{_fmt(r.get('floor'))} | {_fmt(ratio) + '×' if ratio else ''} | "
            f"{r.get('target', '')} |"
        )
    table = "\n".join(lines)
    print(table)
    if not wanted:
        results = HERE / "results.md"
        # Sections after the marker (the safety eval report, produced by `charter eval run`
        # and bench/external_eval.py, not by timing) survive a re-run of the benchmarks.
        kept = results.read_text().partition(KEEP_MARKER)[2] if results.exists() else ""
        results.write_text(
            "# Benchmark results\n\nProduced by `make bench` on this machine "
            "(2 cores); ratios are against floors measured in the same run.\n\n"
            + table
            + "\n"
            + (f"\n{KEEP_MARKER}{kept}" if kept else "")
        )
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
