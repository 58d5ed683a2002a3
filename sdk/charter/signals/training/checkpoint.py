"""Resumable fine-tuning: the training state saved every few steps, so a killed run goes on
where it stopped and still ends in the same bytes as an uninterrupted one.

A checkpoint holds everything the next step depends on: the weights, AdamW's moments, the
schedule's position, the seeded batch generator as it was when the epoch began (the
epoch's batches are drawn again from it, and the done ones skipped) and PyTorch's global
generator (dropout). Its file name is a digest of the data and the configuration, so a
checkpoint of other data or settings is never resumed; it is written to a temporary file
and renamed, so a kill while writing leaves the previous one whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.signals.training.data import TrainItem


def run_key(items: Sequence[TrainItem], config: dict[str, Any]) -> str:
    """Digest of what a fine-tune's result depends on: the items and the configuration
    (the thread count included: results are repeatable per thread count)."""
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for item in items:
        row = [item.id, item.text, list(item.targets), item.weight]
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()[:24]


@dataclass
class Position:
    """Where a resumed run starts: `epoch`, and how many of its batches were done."""

    step: int = 0
    epoch: int = 0
    done_in_epoch: int = 0
    epoch_generator: Any = None
    """The batch generator's state when `epoch` began (None: start from the seed)."""


class Checkpoints:
    """The checkpoint of one run (`run_key`) in `folder`."""

    def __init__(self, folder: Path, key: str) -> None:
        self.path = Path(folder) / f"finetune-{key}.pt"
        self.unreadable = ""
        """Set by `load` when the file could not be read: the run starts from step 0 (the
        same bytes in the end, only slower) and the file is kept as `.unreadable`."""

    def load(self, model: Any, optimizer: Any, scheduler: Any) -> Position:
        """Restore the saved state into the given objects; a fresh `Position` if none."""
        import torch

        if not self.path.exists():
            return Position()
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=False)
        except Exception as exc:  # truncated (a full disk), or not a checkpoint at all
            self.path.replace(self.path.with_suffix(".unreadable"))
            self.unreadable = f"{self.path} was unreadable ({type(exc).__name__}); set aside"
            return Position()
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        return Position(
            step=state["step"],
            epoch=state["epoch"],
            done_in_epoch=state["done_in_epoch"],
            epoch_generator=state["epoch_generator"],
        )

    def save(self, model: Any, optimizer: Any, scheduler: Any, at: Position) -> None:
        import torch

        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "step": at.step,
            "epoch": at.epoch,
            "done_in_epoch": at.done_in_epoch,
            "epoch_generator": at.epoch_generator,
        }
        torch.save(state, temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
