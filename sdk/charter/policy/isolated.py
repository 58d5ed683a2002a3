"""Policy evaluation in worker processes, with a hard wall-clock deadline.

regorus holds the GIL for the whole of an evaluation, and a single builtin call over a
large value (`numbers.range(1, 1e7)`, a regex over a huge text) is one RVM instruction, so
neither the instruction budget nor a watchdog thread can stop it in-process. A worker
process can be stopped: the caller waits on a pipe (which releases the GIL, so other
threads keep running), and at the deadline the worker is killed, the decision fails
closed, and a fresh worker takes its place on next use.

Measured cost: one pipe round trip per evaluation (see bench/bench_policy.py), which is why
`policy_isolation = "process"` is an opt-in rather than the default.

A worker goes back to the pool only after its answer was read: one left mid-request (a
Ctrl-C, any exception while waiting) still owes an answer, which the next caller would take
for its own decision, so it is killed. Each request also carries an id that the answer
echoes, and an answer to another request fails the decision closed.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any

from charter._spawning import MAIN_GUARD, bootstrapping
from charter.errors import ConfigurationError, PolicyEvaluationError
from charter.policy import _regorus
from charter.policy.bundle import PolicyBundle
from charter.policy.error_text import evaluation_error
from charter.policy.evaluator import Evaluator, choose_path

_CONTEXT = multiprocessing.get_context("spawn")  # safe with threads, unlike fork
_START_TIMEOUT_S = 60.0


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the worker process
    """Worker loop: (id, "load", bundle, compiled) then (id, "eval", input_json) requests;
    every answer is (id, status, value), the id echoed from its request."""
    evaluator: Evaluator | None = None
    while True:
        try:
            request_id, kind, *args = conn.recv()
        except EOFError:
            return
        try:
            if kind == "load":
                bundle = args[0]
                path, program = choose_path(bundle, _regorus.new_engine(bundle), args[1])
                evaluator = Evaluator(bundle, path, program)
                conn.send((request_id, "ok", path))
            else:
                assert evaluator is not None, "no bundle loaded"
                conn.send((request_id, "ok", evaluator.decide(args[0])))
        except BaseException as exc:
            if kind == "eval":  # becomes the decision's `error`: the input's values withheld
                conn.send((request_id, "error", evaluation_error(exc, _parsed(args[0]))))
            else:
                conn.send((request_id, "error", f"{type(exc).__name__}: {exc}"))


def _parsed(input_json: Any) -> Any:  # pragma: no cover - runs in the worker process
    try:
        return json.loads(input_json)
    except (TypeError, ValueError, RecursionError):
        return None


class _Refused(PolicyEvaluationError):
    """The worker answered this request with an error: the exchange is complete, so the
    worker can serve the next one."""


class _Worker:
    def __init__(self) -> None:
        if bootstrapping():
            # A spawned worker re-runs the script's top level; a guarded call there would
            # start a worker of its own (multiprocessing's RuntimeError says only "before
            # the current process has finished its bootstrapping phase").
            raise ConfigurationError(
                "policy_isolation='process' starts its workers by spawning, which re-runs "
                f"your script's top-level code in each of them: {MAIN_GUARD}"
            )
        parent, child = _CONTEXT.Pipe()
        self.conn = parent
        self.process = _CONTEXT.Process(
            target=_serve, args=(child,), name="charter-policy-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.generation = -1
        self._last_id = 0

    def ask(self, request: tuple[Any, ...], timeout_s: float) -> Any:
        self._last_id += 1
        request_id = self._last_id
        self.conn.send((request_id, *request))
        if not self.conn.poll(timeout_s):
            raise TimeoutError
        answer_id, status, value = self.conn.recv()
        if answer_id != request_id:
            raise PolicyEvaluationError(
                f"the policy worker answered request {answer_id} instead of {request_id}; "
                "the worker was stopped and the decision fails closed"
            )
        if status != "ok":
            raise _Refused(str(value))
        return value

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """Idle workers, one taken per evaluation; a worker that missed its deadline is
    killed. Workers load the current bundle generation before they evaluate."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def evaluate(
        self,
        bundle: PolicyBundle,
        generation: int,
        compiled: bool | None,
        input_json: str,
        timeout_ms: float,
    ) -> str:
        worker = self._take()
        answered = False  # only a worker whose answer was read may serve another request
        try:
            try:
                if worker.generation != generation:
                    worker.ask(("load", bundle, compiled), _START_TIMEOUT_S)
                    worker.generation = generation
                result: str = worker.ask(("eval", input_json), timeout_ms / 1e3)
            except _Refused:
                answered = True
                raise
            answered = True
            return result
        except TimeoutError:
            raise PolicyEvaluationError(
                f"timeout: policy evaluation did not finish within its {timeout_ms:g} ms "
                "budget; the worker was stopped and the decision fails closed"
            ) from None
        except (OSError, EOFError) as exc:
            raise PolicyEvaluationError(f"the policy worker process failed: {exc}") from None
        finally:
            if answered:
                self._give_back(worker)
            else:
                worker.stop()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
        return _Worker()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)
