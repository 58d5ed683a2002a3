"""`charter signals train` on an install without the `train` extra (found by probing: it
worked for minutes, then failed with a bare `ModuleNotFoundError`, scipy at stage 1's fit,
torch in the stage-2 child). It refuses at once, naming the extra and what is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli.main import app

from .conftest import BUNDLE

INSTALL = "pip install 'charter[train]'"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A few real training rows of each label kind."""
    folder = tmp_path / "train"
    folder.mkdir()
    for name in ("en_benign_banking.jsonl", "en_jailbreak_short.jsonl", "en_harm_hate.jsonl"):
        rows = (BUNDLE / "signals" / "train" / name).read_text("utf-8").splitlines()[:8]
        (folder / name).write_text("\n".join(rows) + "\n", "utf-8")
    return folder


def _train(data: Path, out: Path, *args: str) -> tuple[int, str]:
    command = ["signals", "train", "--data", str(data), "--out", str(out), "--folds", "0"]
    result = CliRunner().invoke(app, [*command, *args])
    return result.exit_code, result.output


def test_fine_tuning_without_torch_is_refused_before_any_work(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("torch", "onnx", "safetensors", "all_minilm_l6_v2"):
        monkeypatch.setitem(sys.modules, module, None)  # not installed
    code, output = _train(data, tmp_path / "model")
    assert (code, output) == (
        2,
        "error: training needs the train extra (torch, onnx, safetensors, all_minilm_l6_v2 "
        f"not installed): {INSTALL} (or --no-context for stage 1 only)\n",
    )
    assert not (tmp_path / "model").exists()


def test_refitting_the_heads_without_scipy_is_refused_before_any_work(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    model = tmp_path / "model"  # never read: the refusal comes first
    result = CliRunner().invoke(
        app, ["signals", "heads", "--data", str(data), "--model", str(model)]
    )
    assert (result.exit_code, result.output) == (
        2,
        f"error: training needs the train extra (scipy not installed): {INSTALL}\n",
    )


def test_stage_one_without_scipy_is_refused_before_any_work(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    code, output = _train(data, tmp_path / "model", "--no-context")
    assert (code, output) == (
        2,
        f"error: training needs the train extra (scipy not installed): {INSTALL}\n",
    )
    assert not (tmp_path / "model").exists()


def test_no_context_is_offered_only_when_it_would_run(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("scipy", "torch", "onnx", "safetensors", "all_minilm_l6_v2"):
        monkeypatch.setitem(sys.modules, module, None)
    assert _train(data, tmp_path / "model") == (
        2,
        "error: training needs the train extra (scipy, torch, onnx, safetensors, "
        f"all_minilm_l6_v2 not installed): {INSTALL}\n",
    )
