"""Docs that run: every ```python block of the README and docs/ runs here, in order per
document (a later block may use what an earlier one defined), in a fresh folder, in a
fresh process, with nothing but the installed package. A block that raises fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(path: Path) -> list[str]:
    return _BLOCK.findall(path.read_text(encoding="utf-8"))


def test_the_readme_has_python_to_run() -> None:
    assert python_blocks(ROOT / "README.md"), "the README tour lost its Python blocks"


@pytest.mark.parametrize(
    "doc", [d for d in DOCS if python_blocks(d)], ids=lambda d: d.relative_to(ROOT).as_posix()
)
def test_every_python_block_runs(doc: Path, tmp_path: Path) -> None:
    blocks = python_blocks(doc)
    script = "\n".join(
        f"# --- block {i + 1} of {doc.name}\n{block}" for i, block in enumerate(blocks)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OTEL_"))}
    env["PYTHONPATH"] = str(ROOT)  # examples/ importable as in a checkout
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"{doc.name}:\n{proc.stdout}\n{proc.stderr}"
