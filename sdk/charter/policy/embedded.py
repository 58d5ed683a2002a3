"""The embedded policy engine: regorus in-process, one set of regorus objects per thread.

regorus objects are thread-bound and hold the GIL, so each thread lazily builds its own
from one immutable, already-read `PolicyBundle`: its RVM from the program compiled once at
load (its bytes cross threads; ~1 ms a thread), its interpreter when one is needed.
`reload()` swaps that bundle atomically; threads notice the new generation on their next
call. Scale across processes, not threads.

`decision` runs on regorus's compiled RVM path (~3x faster than its interpreter) unless the
bundle has a rule of a shape the RVM gets wrong (`charter.policy.analysis`): then that
entry point keeps the interpreter, which follows OPA exactly (a conflict is an error, so
the call fails closed). `path` says which one is in use and why.

Evaluation time is bounded: the RVM stops a run after a fixed instruction budget (25,000
instructions in regorus 0.13, about a millisecond of work), and any evaluation that spends
more than `timeout_ms` of its own thread's CPU time is denied even if it finished (waiting
for a busy CPU or for another thread's GIL does not count: it is not the policy's cost).
Either way the decision is a fail-closed deny whose `error` says so. regorus holds the GIL
while it evaluates, so the instruction budget is also what keeps other threads running
during a runaway policy loop; on the interpreter path there is none (`charter policy check`
says so): only `isolation="process"` stops such a loop at the deadline.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from charter._canonical import valid_json
from charter.decision import Decision
from charter.errors import PolicyEvaluationError, PolicyLoadError
from charter.policy import _regorus
from charter.policy.base import as_input_dict, stage_of
from charter.policy.bundle import PolicyBundle
from charter.policy.decode import decode_decision_text
from charter.policy.error_text import evaluation_error
from charter.policy.evaluator import Evaluator, choose_path
from charter.policy.input import PolicyInput
from charter.policy.metadata import RuleMeta, collect_metadata, is_fail_open
from charter.policy.remote import BundlePoller, is_url, load_bundle

if TYPE_CHECKING:
    from charter.policy.isolated import WorkerPool

DEFAULT_TIMEOUT_MS = 250.0
Isolation = Literal["none", "process"]


@dataclass(frozen=True)
class _Snapshot:
    bundle: PolicyBundle
    generation: int
    fail_open: bool
    metadata: tuple[RuleMeta, ...]
    path: str
    """`rvm`, or `interpreter: <why>`."""
    program: bytes | None
    """The RVM program, compiled once: each thread loads its own from these bytes."""


class _ThreadState:
    """One thread's regorus objects for one engine."""

    def __init__(self, owner: EmbeddedEngine) -> None:
        self.owner = weakref.ref(owner)
        self.generation = -1
        self.evaluator: Evaluator | None = None
        self.thread = threading.get_ident()
        _LIVE_STATES.add(self)


_LIVE_STATES: weakref.WeakSet[_ThreadState] = weakref.WeakSet()
"""Every thread's states, so that exit can find those of threads still running."""


def _keep_at_exit() -> None:
    """At exit a daemon thread that evaluated (a server's worker, idle) is still alive, and
    the interpreter's teardown clears its thread-locals on this thread, where regorus will
    not drop its objects: it printed "RuntimeError: regoruspy::Rvm is unsendable, but is
    being dropped on another thread". Such states are kept instead (regorus would not have
    freed them either; the process is ending). A thread that ends drops its own."""
    import ctypes

    here = threading.get_ident()
    for state in list(_LIVE_STATES):
        if state.thread != here:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(state))


atexit.register(_keep_at_exit)


_PER_THREAD = threading.local()
"""thread -> {id(engine): _ThreadState}. Module-level on purpose: regorus objects must be
dropped on the thread that made them, and a per-engine `threading.local` would drop every
thread's objects on whichever thread garbage-collects the engine. Here a thread drops its
own states when it exits, or prunes those of dead engines on its next evaluation."""


def _thread_states() -> dict[int, _ThreadState]:
    states: dict[int, _ThreadState] | None = getattr(_PER_THREAD, "states", None)
    if states is None:
        states = _PER_THREAD.states = {}
    return states


class EmbeddedEngine:
    """`PolicyEngine` on regorus. Construct from a directory, a `.tar.gz`, a URL or a bundle."""

    def __init__(
        self,
        source: str | Path | PolicyBundle,
        *,
        compiled: bool | None = None,
        poll_interval_s: float | None = None,
        timeout_ms: float = DEFAULT_TIMEOUT_MS,
        isolation: Isolation = "none",
    ) -> None:
        """`compiled`: None picks the RVM where it is safe (the default); True forces it;
        False keeps the interpreter. `timeout_ms` bounds one evaluation; `isolation=
        "process"` evaluates in worker processes, so even a single expensive builtin is
        stopped at the deadline (see `charter.policy.isolated`)."""
        self._source = source
        self._compiled = compiled
        self.timeout_ms = timeout_ms
        self._pool: WorkerPool | None = None
        if isolation == "process":
            from charter.policy.isolated import WorkerPool

            self._pool = WorkerPool()
        self._lock = threading.Lock()
        self._generation = 0
        self.last_reload_error: str | None = None
        bundle = source if isinstance(source, PolicyBundle) else load_bundle(source)
        self._snapshot = self._prepare(bundle)
        self._poller = None
        if is_url(source):
            self._poller = BundlePoller(
                self.swap,
                str(source),
                interval_s=poll_interval_s or 10.0,
                current=lambda: self.revision,
            )
            self._poller.start()

    @classmethod
    def from_sources(
        cls,
        modules: Mapping[str, str],
        data: Mapping[str, Any] | None = None,
        *,
        revision: str = "inline",
        **options: Any,
    ) -> EmbeddedEngine:
        """An engine from in-memory Rego sources (tests, notebooks)."""
        tests = tuple((p, s) for p, s in modules.items() if p.endswith("_test.rego"))
        mods = tuple((p, s) for p, s in modules.items() if not p.endswith("_test.rego"))
        bundle = PolicyBundle(modules=mods, tests=tests, data=dict(data or {}), revision=revision)
        return cls(bundle, **options)

    # --- PolicyEngine --------------------------------------------------------------------

    @property
    def revision(self) -> str:
        return self._snapshot.bundle.revision

    @property
    def bundle(self) -> PolicyBundle:
        return self._snapshot.bundle

    @property
    def metadata(self) -> tuple[RuleMeta, ...]:
        return self._snapshot.metadata

    @property
    def path(self) -> str:
        """How `decision` is evaluated: `rvm`, or `interpreter: <why>`."""
        return self._snapshot.path

    def evaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision:
        doc = as_input_dict(input)
        stage = stage_of(doc)
        snap = self._snapshot
        started = time.perf_counter()
        try:
            input_json = valid_json(doc)
            if self._pool is not None:  # the pool enforces the deadline itself
                raw = self._pool.evaluate(
                    snap.bundle, snap.generation, self._compiled, input_json, self.timeout_ms
                )
            else:
                evaluator = self._evaluator(snap)  # built outside the budget (once a thread)
                begun, cpu_begun = time.perf_counter(), time.thread_time()
                built_before = evaluator.build_s
                raw = evaluator.decide(input_json)
                if (time.perf_counter() - begun) * 1e3 > self.timeout_ms:
                    # Over on the wall clock: charge only this thread's own CPU time, so a
                    # busy machine or another thread holding the GIL never fails a call.
                    # Nor for building the interpreter, on this thread's first fallback.
                    built = evaluator.build_s - built_before
                    spent = (time.thread_time() - cpu_begun - built) * 1e3
                    if spent > self.timeout_ms:
                        raise PolicyEvaluationError(
                            f"timeout: policy evaluation took {spent:.0f} ms, over its "
                            f"{self.timeout_ms:g} ms budget"
                        )
            return decode_decision_text(
                raw,
                stage=stage,
                revision=snap.bundle.revision,
                eval_ms=(time.perf_counter() - started) * 1e3,
            )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # PanicException is a BaseException
            reason = evaluation_error(exc, doc)
            ms = (time.perf_counter() - started) * 1e3
            maker = Decision.fail_open if snap.fail_open else Decision.fail_closed
            return maker(reason, stage=stage, policy_revision=snap.bundle.revision, eval_ms=ms)

    async def aevaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision:
        # regorus holds the GIL for ~40 µs: cheaper inline than a thread hop.
        return self.evaluate(input)

    def evaluate_raw(self, input: Mapping[str, Any]) -> Any:
        """The decision rule's JSON value (None if undefined); raises on engine errors."""
        raw = self.execute_raw(valid_json(dict(input)))
        return None if raw == _regorus.UNDEFINED else json.loads(raw)

    def query(self, path: str, input: Mapping[str, Any] | None = None) -> Any:
        engine = self._evaluator(self._snapshot).interpreter
        try:
            engine.set_input_json(valid_json(dict(input or {})))
            try:
                raw = engine.eval_rule_as_json(path)
            except RuntimeError as exc:
                if "not a valid rule path" not in str(exc):
                    raise
                return _first_value(engine.eval_query_as_json(path))  # a data path
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            reason = evaluation_error(exc, input)
            raise PolicyEvaluationError(f"evaluating {path}: {reason}") from None
        return None if raw == _regorus.UNDEFINED else json.loads(raw)

    def reload(self) -> None:
        """Re-read the source; on error keep serving the old set and raise."""
        if isinstance(self._source, PolicyBundle):
            return
        try:
            bundle = load_bundle(self._source)
        except Exception as exc:
            self.last_reload_error = str(exc)
            raise
        self.swap(bundle)

    def swap(self, bundle: PolicyBundle) -> None:
        """Validate `bundle` then make it current, atomically; the old one stays on error."""
        try:
            snapshot = self._prepare(bundle)
        except PolicyLoadError as exc:
            self.last_reload_error = str(exc)
            raise
        self._snapshot = snapshot
        self.last_reload_error = None

    def close(self) -> None:
        if self._poller is not None:
            self._poller.stop()
        if self._pool is not None:
            self._pool.close()

    # --- internals -----------------------------------------------------------------------

    def _prepare(self, bundle: PolicyBundle) -> _Snapshot:
        """Compile once on this thread to prove the bundle is good before anyone uses it,
        and choose the evaluation path for `decision`."""
        _require_decision_rule(bundle)
        interpreter = _regorus.new_engine(bundle)
        path, program = choose_path(bundle, interpreter, self._compiled)
        with self._lock:
            self._generation += 1
            generation = self._generation
        metas = tuple(collect_metadata(bundle.modules))
        return _Snapshot(bundle, generation, is_fail_open(metas), metas, path, program)

    def _state(self, snap: _Snapshot) -> _ThreadState:
        states = _thread_states()
        state = states.get(id(self))
        if state is None or state.owner() is not self:
            for key in [k for k, st in states.items() if st.owner() is None]:
                del states[key]  # engines gone: drop their regorus objects on this thread
            state = states[id(self)] = _ThreadState(self)
        if state.generation != snap.generation:
            state.evaluator = Evaluator(snap.bundle, snap.path, snap.program)
            state.generation = snap.generation
        return state

    def execute_raw(self, input_json: str) -> str:
        """The `decision` rule's JSON text, in this process; raises on engine errors."""
        return self._evaluator(self._snapshot).decide(input_json)

    def _evaluator(self, snap: _Snapshot) -> Evaluator:
        evaluator = self._state(snap).evaluator
        assert evaluator is not None, "_state builds the evaluator"
        return evaluator


def _first_value(query_json: str) -> Any:
    """The value of a query's first expression, or None when it has no result."""
    results = json.loads(query_json).get("result") or []
    return results[0]["expressions"][0]["value"] if results else None


def _require_decision_rule(bundle: PolicyBundle) -> None:
    import re

    pattern = re.compile(r"^\s*(?:default\s+)?decision\b", re.M)
    for _path, source in bundle.modules:
        if re.search(r"^\s*package\s+charter\.main\s*$", source, re.M) and pattern.search(source):
            return
    raise PolicyLoadError(
        "no rule `decision` in package charter.main; every bundle must define "
        "`data.charter.main.decision` (see DESIGN.md, policy decision contract)",
        location=bundle.source or None,
    )
