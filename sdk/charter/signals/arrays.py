"""The array type the classifier's modules pass between them (one definition)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
"""Scores, logits and embeddings: float32 throughout scoring."""
