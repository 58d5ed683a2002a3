"""What the wheel ships of the starter bundle (`policies/` as `charter/_bundle`), checked on
pyproject's hatch config with hatch's own matcher (pathspec's gitignore rules).

Found by probing the built wheel: `policies` was force-included, and hatch applies neither
.gitignore nor `exclude` to force-included files, so the classifier's research
(signals/experiments, 20 MB with third-party data sets, a gitignored data folder too) and its
training sets (signals/train, read only from a checkout by `charter signals train --data`)
went into every install, and so would a `policies/.charter/` store (a decision log).
Not a real build: that needs `build` and hatchling from the package index (neither is a dev
dependency) and about 10 s; building the wheel before and after showed the same files
leave as this test says.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from pathspec import GitIgnoreSpec

ROOT = Path(__file__).resolve().parents[1]
WHEEL = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]["build"][
    "targets"
]["wheel"]
BUNDLE = "charter/_bundle/"


def _shipped_as(relative: str) -> str | None:
    """Where hatch puts project file `relative` in the wheel, or None when it leaves it out:
    only-include picks the trees, .gitignore and `exclude` drop files, sources rename."""
    forced = WHEEL.get("force-include", {})
    if any(relative == src or relative.startswith(f"{src}/") for src in forced):
        raise AssertionError(f"{relative} is force-included: .gitignore and exclude skipped")
    if not any(relative.startswith(f"{top}/") for top in WHEEL["only-include"]):
        return None
    ignored = (ROOT / ".gitignore").read_text("utf-8").splitlines()
    if GitIgnoreSpec.from_lines([*ignored, *WHEEL.get("exclude", [])]).match_file(relative):
        return None
    for source, target in WHEEL["sources"].items():
        if relative.startswith(f"{source}/"):
            rest = relative.removeprefix(f"{source}/")
            return f"{target.rstrip('/')}/{rest}" if target else rest
    return relative


def _tracked(folder: str) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", folder], capture_output=True, text=True, check=True
    ).stdout
    assert out, f"git lists no files in {folder}"
    return out.splitlines()


def test_the_wheel_ships_what_run_time_reads_of_the_bundle() -> None:
    """The policy engine (Rego, data.json), `charter init` (README, bank evals), eval and probe
    defaults (evals/), the signals' files and the classifier (signals/*.json, model/)."""
    readers = [
        *_tracked("policies/charter"),
        *_tracked("policies/evals"),
        *_tracked("policies/signals/model"),
        "policies/README.md",
        "policies/signals/patterns.json",
        "policies/signals/refusals.json",
        "policies/signals/targets.json",
    ]
    for path in readers:
        assert _shipped_as(path) == BUNDLE + path.removeprefix("policies/"), path


def test_the_wheel_leaves_out_research_training_data_and_stores() -> None:
    left_out = [
        *_tracked("policies/signals/experiments"),
        *_tracked("policies/signals/train"),
        "policies/signals/experiments/r27/data/style_twins.jsonl",  # gitignored
        "policies/.charter/charter.db",  # a store made by running from policies/
        "policies/charter/.charter/charter.db",
    ]
    for path in left_out:
        assert _shipped_as(path) is None, path


def test_the_code_is_shipped_where_it_is_imported_from() -> None:
    assert _shipped_as("sdk/charter/config.py") == "charter/config.py"
    assert _shipped_as("monitor_tui/app.py") == "monitor_tui/app.py"
    assert _shipped_as("tests/test_packaging.py") is None
