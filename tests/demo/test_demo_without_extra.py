"""`charter demo` on an install without the console extra (found by probing: it drove about
25 s of traffic, then failed with a bare `ModuleNotFoundError` for scipy headless, textual on
a terminal). It refuses at once, naming the extra, before it writes anything."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from monitor_tui.cli import demo
from typer.testing import CliRunner

from charter.cli.main import app

REFUSAL = "error: the demo needs the console extra: pip install 'charter[console]'\n"


def _demo(workdir: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["demo", "--calls", "5", "--workdir", str(workdir)])
    return result.exit_code, result.output


def test_the_headless_demo_names_the_console_extra_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)  # not installed
    assert _demo(tmp_path / "demo") == (2, REFUSAL)  # CliRunner's stdin is no terminal
    assert not (tmp_path / "demo").exists()


def test_the_console_demo_names_the_console_extra_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "textual", None)
    monkeypatch.setattr(demo, "on_a_terminal", lambda: True)
    assert _demo(tmp_path / "demo") == (2, REFUSAL)
    assert not (tmp_path / "demo").exists()


def test_the_receiver_names_the_console_extra_without_grpc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A base install carries protobuf and the OTLP protos (the exporter brings them), so
    the receiver's check passed and `monitor serve` failed later on `grpc` (review)."""
    monkeypatch.setitem(sys.modules, "grpc", None)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["monitor", "serve", "--duration", "0"])
    assert (result.exit_code, result.output) == (
        2,
        "error: the receiver needs the console extra: pip install 'charter[console]'\n",
    )
    assert not (tmp_path / ".charter").exists()
