"""The trained classifier artifact in the bundle: a JSON manifest, a `.npz` of stage 1's
weights and, for the contextual stage, the fine-tuned encoder (int8 ONNX) and its
WordPiece vocabulary.

The manifest says what the weights mean (labels, feature spec, the training families and
counts, the cascade's gate, the out-of-fold calibration) and carries the artifact's
revision: a content hash of every file and of the manifest's other fields, so a decision
can be traced to the exact model that scored it. Writing is deterministic (fixed array
order, no timestamps), so retraining on the same data yields the same bytes and the same
revision.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.base import SignalError
from charter.signals.features import FeatureSpec

MANIFEST = "classifier.json"
WEIGHTS = "classifier.npz"
ENCODER = "encoder.onnx"
VOCAB = "tokenizer.json"
EXTRA_FILES = (ENCODER, VOCAB)
"""Files of the contextual stage, present together or not at all."""
FORMAT = 2
HARM_PREFIX = "harm."
ANY_HARM = "harm"
"""The aggregate head: harmful in any category. It learns from every harmful item at once,
so it generalizes further than fourteen small category heads; the category heads then
only have to say *which* harm (see `charter.signals.classifier.policy_scores`)."""
HEAD_PREFIX = "head."
"""Arrays of the extra stage-1 heads (`head.char`, `head.word`, `head.dense`, `head.bias`),
one column per name in the manifest's `meta.extra_heads`."""
EXTRA_HEADS = "extra_heads"
STAGE_ONE_ARRAYS = ("char", "word", "dense", "bias")
"""Stage 1's arrays, the cascade's and (behind `HEAD_PREFIX`) the extra heads'."""


@dataclass(frozen=True)
class Artifact:
    """Weights of both stages plus what they mean."""

    labels: tuple[str, ...]
    spec: FeatureSpec
    arrays: dict[str, npt.NDArray[Any]]
    """`char`, `word` (buckets x labels), `dense` (256 x labels), `bias` (labels); the
    contextual stage adds `ctx_w` ((384 + labels) x labels) and `ctx_bias`."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Training record: families trained on, counts per family and label, the cascade's
    gate and encoder settings, the out-of-fold calibration."""
    files: dict[str, bytes] = field(default_factory=dict)
    """The contextual stage: `encoder.onnx` and `tokenizer.json` (absent: stage 1 only)."""

    @property
    def has_context_stage(self) -> bool:
        return ENCODER in self.files

    @property
    def extra_labels(self) -> tuple[str, ...]:
        """Stage-1-only heads trained on their own items (`tool_injection`: injection in a
        tool result), scored beside `labels` from the same features; no stage 2, no gate."""
        names = self.meta.get(EXTRA_HEADS, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SignalError(f"the model's meta.{EXTRA_HEADS} must be a list of names")
        if len(set(names) | set(self.labels)) != len(names) + len(self.labels):
            raise SignalError(f"the model's meta.{EXTRA_HEADS} repeats a name: {names}")
        return tuple(names)

    def revision(self) -> str:
        return content_revision(self._weights_bytes(), self._manifest_core())

    def _manifest_core(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "labels": list(self.labels),
            "features": self.spec.to_dict(),
            "meta": self.meta,
            "files": {name: _sha256(data) for name, data in sorted(self.files.items())},
        }

    def _weights_bytes(self) -> bytes:
        """A zip of .npy members in sorted order with a fixed timestamp: same arrays, same
        bytes (np.savez would do the same today; this does not depend on it)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.arrays):
                member = io.BytesIO()
                np.lib.format.write_array(member, np.ascontiguousarray(self.arrays[name]))
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, member.getvalue(), compresslevel=6)
        return buffer.getvalue()

    def save(self, folder: Path) -> str:
        """Write manifest and weights into `folder`; returns the revision."""
        folder.mkdir(parents=True, exist_ok=True)
        weights = self._weights_bytes()
        core = self._manifest_core()
        revision = content_revision(weights, core)
        manifest = {**core, "revision": revision, "weights_sha256": _sha256(weights)}
        (folder / WEIGHTS).write_bytes(weights)
        for name in EXTRA_FILES:
            if name in self.files:
                (folder / name).write_bytes(self.files[name])
            else:
                (folder / name).unlink(missing_ok=True)
        (folder / MANIFEST).write_text(
            json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        return revision


def content_revision(weights: bytes, core: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(_sha256(weights).encode())
    h.update(json.dumps(core, sort_keys=True, ensure_ascii=False).encode())
    return "sha256:" + h.hexdigest()[:16]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_artifact(folder: Path) -> tuple[Artifact, str]:
    """The artifact in `folder` and its recorded revision, checked against the bytes."""
    manifest_path, weights_path = folder / MANIFEST, folder / WEIGHTS
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        weights = weights_path.read_bytes()
    except (OSError, ValueError) as exc:
        raise SignalError(
            f"cannot read the safety classifier in {folder}: {exc}; retrain it with "
            "`charter signals train` or point CHARTER_SIGNALS_MODEL at a trained model"
        ) from None
    if manifest.get("format") != FORMAT:
        raise SignalError(f"{manifest_path}: format {manifest.get('format')!r} is not {FORMAT}")
    if manifest.get("weights_sha256") != _sha256(weights):
        raise SignalError(
            f"{weights_path} does not match the hash in {manifest_path}: the artifact is "
            "corrupt or half-written; retrain with `charter signals train`"
        )
    files = _read_files(folder, manifest)
    with np.load(io.BytesIO(weights), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    artifact = Artifact(
        labels=tuple(manifest["labels"]),
        spec=FeatureSpec.from_dict(manifest["features"]),
        arrays=arrays,
        meta=manifest.get("meta", {}),
        files=files,
    )
    revision = str(manifest["revision"])
    # From the bytes just checked, not by writing the arrays out again: the same hash
    # (`save` takes it of these bytes), without a second copy of every array in memory.
    if content_revision(weights, artifact._manifest_core()) != revision:
        raise SignalError(f"{manifest_path}: recorded revision does not match its content")
    return artifact, revision


def load_files(folder: Path, revision: str) -> dict[str, bytes]:
    """The extra files (the encoder, its vocabulary) of the artifact `revision` in
    `folder`, each checked against the manifest's digest: read when the contextual stage
    is built, not kept by every loader. A folder retrained since is refused, so the two
    stages always come from one artifact."""
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SignalError(f"cannot read the safety classifier in {folder}: {exc}") from None
    if manifest.get("revision") != revision:
        raise SignalError(
            f"{manifest_path} changed while the classifier was being built (revision "
            f"{manifest.get('revision')!r}, loaded {revision!r}); build it again to load the "
            "new model"
        )
    return _read_files(folder, manifest)


def _read_files(folder: Path, manifest: dict[str, Any]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, digest in dict(manifest.get("files", {})).items():
        if name not in EXTRA_FILES:
            raise SignalError(f"{folder / MANIFEST}: unknown artifact file {name!r}")
        try:
            files[name] = (folder / name).read_bytes()
        except OSError as exc:
            raise SignalError(f"cannot read {folder / name}: {exc}") from None
        if _sha256(files[name]) != digest:
            raise SignalError(
                f"{folder / name} does not match the hash in {folder / MANIFEST}: the "
                "artifact is corrupt or half-written; retrain with `charter signals train`"
            )
    return files
