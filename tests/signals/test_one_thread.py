"""Stage 1's fits run in a child whose BLAS has one thread (`training.one_thread`): the
same data gives the same bytes whatever the caller's thread variables, and a script that
calls them without a `__main__` guard is told so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from charter.signals.model import MANIFEST

from .conftest import BUNDLE

FILES = ("en_benign_banking.jsonl", "en_jailbreak_short.jsonl", "en_harm_hate.jsonl")


def test_train_writes_the_same_bytes_whatever_the_callers_blas_threads(tmp_path: Path) -> None:
    """Found by review: only the extra heads were fitted in the one-thread child, so
    `charter signals train` wrote another cascade (its dense weights) under another
    OPENBLAS_NUM_THREADS. The cascade's fit and its out-of-fold fits run there too now."""
    data = tmp_path / "train"
    data.mkdir()
    for name in FILES:
        rows = (BUNDLE / "signals" / "train" / name).read_text("utf-8").splitlines()[:60]
        (data / name).write_text("\n".join(rows) + "\n", "utf-8")
    revisions = set()
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}"
        env = os.environ | {"OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
        args = ["--data", str(data), "--out", str(out), "--no-context", "--folds", "2"]
        run = subprocess.run(
            [sys.executable, "-m", "charter.cli", "signals", "train", *args, "--max-iter", "40"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        revisions.add(json.loads((out / MANIFEST).read_text())["revision"])
    assert len(revisions) == 1


SCRIPT = """
import numpy as np
from scipy import sparse
from charter.signals.training.linear import Featurized, TrainConfig
from charter.signals.training.one_thread import fit_one_thread
rows = sparse.random(50, 64, density=0.2, format="csr", random_state=1)
data = Featurized(rows, np.random.default_rng(1).normal(size=(50, 8)),
                  (np.arange(50)[:, None] % 2).astype(float), np.ones(50))
print(sorted(fit_one_thread(data, TrainConfig(max_iter=5))))
"""


def test_a_script_without_a_main_guard_is_told_why_the_fit_failed(tmp_path: Path) -> None:
    """Found by review: the spawned child re-runs a script's top level, which starts the fit
    again from inside it; the parent said only that the child "stopped before it ended
    (... terminated abruptly ...)", read as killed or out of memory. Both now name the
    guard, as `policy_isolation` does."""
    script = tmp_path / "fit_heads.py"
    script.write_text(SCRIPT, "utf-8")
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert "the fit's child process stopped before it ended" in last
    assert 'keep the calls under `if __name__ == "__main__":`' in last
    assert "bootstrapping phase" not in run.stderr  # the child says why, not multiprocessing
