"""A reader that stops early (`charter approvals list | head -3`) is not bad input: found
by a new user at stop 53, the CLI printed `error: Broken pipe; check the path, the URL and
that the service runs` with status 2. Now it stops quietly, status 1 (click's own EPIPE
handling)."""

from __future__ import annotations

import subprocess
import sys

SPAM = r"""
import typer
from charter.cli.main import app

@app.command("spam")
def spam() -> None:
    for _ in range(200_000):
        typer.echo("x" * 100)

app(["spam"])
"""


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SPAM], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10) == b"x" * 10
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "error" not in stderr and "Traceback" not in stderr, stderr
