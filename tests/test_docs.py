"""Docs that run: every Python block of the repository's Markdown runs as written, in a fresh
folder, with no Charter or OpenTelemetry settings from the environment (a new user's
machine). The README tour also prints what its comments promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def _markdown() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in listed]


def _blocks() -> list[tuple[str, str]]:
    found = []
    for path in _markdown():
        text = path.read_text(encoding="utf-8")
        for n, match in enumerate(_BLOCK.finditer(text), start=1):
            found.append((f"{path.relative_to(ROOT)}#{n}", match.group(1)))
    return found


def _run(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OTEL_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


BLOCKS = _blocks()


def test_the_readme_has_a_python_block() -> None:
    assert any(name.startswith("README.md#") for name, _ in BLOCKS)


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_every_python_block_runs_as_written(name: str, code: str, tmp_path: Path) -> None:
    proc = _run(code, tmp_path)
    assert proc.returncode == 0, f"{name}:\n{proc.stderr[-3000:]}"


def test_the_tour_shows_a_redaction_a_denial_and_an_approved_refund(tmp_path: Path) -> None:
    (_, tour), *_ = [(n, c) for n, c in BLOCKS if n == "README.md#1"]
    proc = _run(tour, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    model_got, restored, denied, refunded = proc.stdout.splitlines()
    assert model_got == "the model got: Where is order A-17? Mail me at <EMAIL_ADDRESS_1>"
    assert restored == "I will mail ayse@example.com"
    assert denied.startswith("deny:") and "rule topics.forbidden" in denied
    assert refunded == "refunded 900 for A-17"
