"""The README's revise and grounding examples run as written: the same program, in a fresh
process on the shipped bundle and the default settings, prints what the README says it
prints and sends the model the revision request the README shows; so does its `charter
policy explain` of a promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli.main import app

README = Path(__file__).parents[2] / "README.md"


def _block_after(marker: str, text: str, *, skip: int = 0) -> str:
    """The fenced block after `marker` (`skip` blocks further on)."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text.split(marker, 1)[1], re.S)
    return str(blocks[skip])


@pytest.mark.slow
def test_the_readme_revise_example_prints_what_it_says(tmp_path: Path) -> None:
    readme = README.read_text()
    program = _block_after("<!-- revise-example -->", readme)
    printed = _block_after("<!-- revise-example -->", readme, skip=1)
    request = _block_after("<!-- revise-request -->", readme)
    # the same program, also recording what the model was sent
    spy = program.replace(
        "def my_llm(prompt: str) -> str:",
        "SENT = []\ndef my_llm(prompt: str) -> str:\n    SENT.append(prompt)",
    )
    spy += "\nprint('=====')\nprint(SENT[1])\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OTEL_"))}
    env["CHARTER_TELEMETRY"] = "false"
    done = subprocess.run(
        [sys.executable, "-c", spy], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    output, sent = done.stdout.split("=====\n")
    assert output == printed
    assert sent == request


@pytest.mark.slow
def test_the_readme_grounding_example_prints_what_it_says(tmp_path: Path) -> None:
    readme = README.read_text()
    program = _block_after("<!-- grounding-example -->", readme)
    printed = _block_after("<!-- grounding-example -->", readme, skip=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OTEL_"))}
    env["CHARTER_TELEMETRY"] = "false"
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed


def test_the_readme_explain_example_prints_what_it_says() -> None:
    """Found by probing: the README cited the rule at `charter/output.rego:119` after the
    rule had moved to line 198. Each printed line matches, `...` standing for any text."""
    block = _block_after("<!-- explain-example -->", README.read_text())
    echo, pipe, *printed = block.splitlines()
    stdin = re.search(r"echo '(.*?)'", echo)
    assert stdin is not None and pipe.strip() == "| charter policy explain policies -i -"
    policies = str(README.parent / "policies")
    result = CliRunner().invoke(app, ["policy", "explain", policies, "-i", "-"], input=stdin[1])
    assert result.exit_code == 0, result.output
    got = result.output.splitlines()
    assert len(got) == len(printed)
    for line, shown in zip(got, printed, strict=True):
        pattern = ".*".join(re.escape(part) for part in shown.rstrip().split("..."))
        assert re.fullmatch(pattern, line.rstrip()), (shown, line)
