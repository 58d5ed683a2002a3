"""The fine-tuned encoder as the int8 ONNX graph the run time loads (training only).

PyTorch's TorchScript exporter writes the graph (inputs: word vectors and mask; output:
one logit per label), onnxruntime's dynamic quantization stores every weight matrix as
int8. Both are deterministic: the same weights give the same bytes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

OPSET = 17


def export_encoder(model: Any) -> bytes:
    """`model` (an `Encoder` in eval mode) as int8 ONNX bytes."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    words = torch.zeros(1, 8, 384)
    mask = torch.ones(1, 8)
    with tempfile.TemporaryDirectory() as tmp:
        plain, quantized = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        torch.onnx.export(
            model,
            (words, mask),
            str(plain),
            input_names=["words", "mask"],
            output_names=["logits"],
            dynamic_axes={
                "words": {0: "batch", 1: "tokens"},
                "mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
        quantize_dynamic(str(plain), str(quantized), weight_type=QuantType.QInt8)
        return quantized.read_bytes()
