"""policies/signals/README.md's per-family table is what `charter signals sources` prints
for the shipped training data: written by hand, it had fallen 4,150 items behind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from charter.cli.main import app
from charter.config import DEFAULT_POLICIES

SIGNALS = Path(DEFAULT_POLICIES) / "signals"


def test_the_readme_table_is_the_sources_command_output() -> None:
    result = CliRunner().invoke(app, ["signals", "sources", "--data", str(SIGNALS / "train")])
    assert result.exit_code == 0, result.output
    assert "| **total** |" in result.output
    assert result.output.strip() in (SIGNALS / "README.md").read_text(encoding="utf-8")
