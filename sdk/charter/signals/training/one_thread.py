"""Stage-1 fits in a child process whose BLAS runs on one thread.

scipy's L-BFGS-B takes its dot products through OpenBLAS, which splits a long one across
threads and adds the parts in an order set by their number: the same data gave other
weights under another `OPENBLAS_NUM_THREADS` (or another core count), so `charter signals
train` and `charter signals heads` wrote other bytes (probing). A BLAS library reads its
thread count once, when it loads, so the fits run in a spawned child started with every
BLAS's thread variable at 1, whatever the caller's environment says (`make train` sets the
same for the whole run). One child serves every fit of a run: it is started once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import numpy.typing as npt

from charter._spawning import MAIN_GUARD, bootstrapping
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

Arrays = dict[str, npt.NDArray[Any]]
SPAWNED = f"the fit runs in a spawned child, which re-runs a script's top-level code: {MAIN_GUARD}"


def fit_one_thread(data: Featurized, config: TrainConfig) -> Arrays:
    """`linear.fit(data, config)`, computed in a child whose BLAS has one thread."""
    with one_thread_fits() as fit_there:
        return fit_there(data, config)


@contextmanager
def one_thread_fits() -> Iterator[Callable[[Featurized, TrainConfig], Arrays]]:
    """A function computing `linear.fit` in one child whose BLAS has one thread; the child
    is stopped when the block ends (at once when it fails)."""
    if bootstrapping():  # in that child: say why, not multiprocessing's RuntimeError
        raise SignalError(SPAWNED)
    pool = None
    try:
        with _one_thread():
            pool = child = spawn_child()
            child.submit(int)  # the worker starts here, in that environment
        yield lambda data, config: _result(child, data, config)
    except BaseException:
        if pool is not None:
            stop_child(pool)
        raise
    pool.shutdown()


def _result(pool: ProcessPoolExecutor, data: Featurized, config: TrainConfig) -> Arrays:
    try:
        return pool.submit(fit, data, config).result()
    except BrokenProcessPool as exc:
        raise SignalError(
            "the fit's child process stopped before it ended: killed (out of memory?), or "
            f"{SPAWNED} ({exc})"
        ) from None


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
