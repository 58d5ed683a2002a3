"""A stage-1 fit in a child process whose BLAS runs on one thread.

scipy's L-BFGS-B takes its dot products through OpenBLAS, which splits a long one across
threads and adds the parts in an order set by their number: the same data gave other
weights under another `OPENBLAS_NUM_THREADS` (or another core count), so `charter signals
heads` wrote other bytes (probing). A BLAS library reads its thread count once, when it
loads, so the fit runs in a spawned child started with every BLAS's thread variable at 1,
whatever the caller's environment says (`make train` sets the same for the whole run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import numpy.typing as npt

from charter.signals.base import SignalError
from charter.signals.training.child import spawn_child, stop_child
from charter.signals.training.linear import Featurized, TrainConfig, fit

THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
"""What OpenBLAS, OpenMP builds, MKL, BLIS and Apple's Accelerate read at load."""


def fit_one_thread(data: Featurized, config: TrainConfig) -> dict[str, npt.NDArray[Any]]:
    """`linear.fit(data, config)`, computed in a child whose BLAS has one thread."""
    pool = None
    try:
        with _one_thread():
            pool = spawn_child()
            future = pool.submit(fit, data, config)  # the worker starts here, in that env
        arrays = future.result()
    except BaseException as exc:
        if pool is not None:
            stop_child(pool)
        if isinstance(exc, BrokenProcessPool):  # killed, or out of memory
            raise SignalError(f"the fit's child process stopped before it ended ({exc})") from None
        raise
    pool.shutdown()
    return arrays


@contextmanager
def _one_thread() -> Iterator[None]:
    """The thread variables at 1 while a child is started, then as they were."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
