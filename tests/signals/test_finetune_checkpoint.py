"""A fine-tune stopped part-way resumes from its checkpoint to the same weights, bit for bit,
as a run that never stopped; a checkpoint of other data is not resumed. Needs PyTorch (the
`train` extra), so it is skipped where `make train` cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.signals.training import load_items

TRAIN = Path(__file__).resolve().parents[2] / "policies" / "signals" / "train"


class Stop(Exception):
    pass


def _stop_at(step: int) -> object:
    def log(line: str) -> None:
        if line == f"checkpoint at step {step}":
            raise Stop(line)

    return log


@pytest.mark.slow
@pytest.mark.parametrize("stop_at", [3, 6, 9], ids=["mid-epoch", "epoch-end", "second-epoch"])
def test_a_stopped_fine_tune_resumes_to_the_same_bytes(tmp_path: Path, stop_at: int) -> None:
    for module in ("torch", "safetensors", "all_minilm_l6_v2"):  # the `train` extra
        pytest.importorskip(module)
    from charter.signals.training.finetune import FinetuneConfig, finetune, state_bytes

    items = load_items(sorted(TRAIN.glob("*.jsonl")))
    items = items[:: max(1, len(items) // 96)][:96]  # 6 batches of 16 per epoch
    config = FinetuneConfig(layers=1, epochs=2, window=24, threads=1)
    whole = state_bytes(finetune(items, config))

    with pytest.raises(Stop):
        finetune(items, config, checkpoint=tmp_path, checkpoint_every=3, log=_stop_at(stop_at))
    lines: list[str] = []
    resumed = finetune(items, config, checkpoint=tmp_path, checkpoint_every=3, log=lines.append)
    assert lines[0].startswith("resumed from") and f"at step {stop_at}/12" in lines[0]
    assert state_bytes(resumed) == whole

    other = items[1:]  # other data: its own run, not this checkpoint
    lines.clear()
    finetune(other, config, checkpoint=tmp_path, checkpoint_every=100, log=lines.append)
    assert not any(line.startswith("resumed") for line in lines)


@pytest.mark.slow
def test_an_unreadable_checkpoint_is_set_aside_and_the_run_starts_over(tmp_path: Path) -> None:
    """A truncated checkpoint (a full disk) must not stop training with torch's error: the
    run starts from step 0, says so, and ends in the same bytes."""
    for module in ("torch", "safetensors", "all_minilm_l6_v2"):
        pytest.importorskip(module)
    from charter.signals.training.checkpoint import Checkpoints, run_key
    from charter.signals.training.finetune import FinetuneConfig, finetune, state_bytes

    items = load_items(sorted(TRAIN.glob("*.jsonl")))
    items = items[:: max(1, len(items) // 32)][:32]
    config = FinetuneConfig(layers=1, epochs=1, window=24, threads=1)
    path = Checkpoints(tmp_path, run_key(items, config.to_dict())).path
    path.write_bytes(b"PK\x03\x04 not a whole checkpoint")
    lines: list[str] = []
    model = finetune(items, config, checkpoint=tmp_path, checkpoint_every=1, log=lines.append)
    assert "unreadable" in lines[0] and "starting from the first step" in lines[0]
    assert path.with_suffix(".unreadable").exists()
    assert state_bytes(model) == state_bytes(finetune(items, config))
