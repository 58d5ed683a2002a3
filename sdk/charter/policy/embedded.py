"""The embedded policy engine: regorus in-process, one set of regorus objects per thread.

regorus objects are thread-bound and hold the GIL, so each thread lazily builds its own
interpreter (and, with `compiled=True`, an RVM program) from one immutable, already-read
`PolicyBundle`. `reload()` swaps that bundle atomically; threads notice the new generation
on their next call. Scale across processes, not threads.

The interpreter is the default because it keeps OPA's semantics exactly: a complete rule
that yields two different values is an error (so the call fails closed). regorus's compiled
RVM path is faster but, as measured with regorus 0.13, silently returns one of the values in
that case; enable it only for bundles that build `decision` from sets, as the shipped one
does.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.decision import Decision
from charter.errors import PolicyEvaluationError, PolicyLoadError
from charter.policy import _regorus
from charter.policy.base import DECISION_PATH, as_input_dict, stage_of
from charter.policy.bundle import PolicyBundle
from charter.policy.decode import decode_decision_text
from charter.policy.input import PolicyInput
from charter.policy.metadata import RuleMeta, collect_metadata, is_fail_open
from charter.policy.remote import BundlePoller, is_url, load_bundle


@dataclass(frozen=True)
class _Snapshot:
    bundle: PolicyBundle
    generation: int
    fail_open: bool
    metadata: tuple[RuleMeta, ...]


class _ThreadState:
    """One thread's regorus objects for one engine."""

    def __init__(self, owner: EmbeddedEngine) -> None:
        self.owner = weakref.ref(owner)
        self.generation = -1
        self.vm: Any = None
        self.interpreter: Any = None


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
        compiled: bool = False,
        poll_interval_s: float | None = None,
    ) -> None:
        self._source = source
        self._compiled = compiled
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
        compiled: bool = False,
    ) -> EmbeddedEngine:
        """An engine from in-memory Rego sources (tests, notebooks)."""
        tests = tuple((p, s) for p, s in modules.items() if p.endswith("_test.rego"))
        mods = tuple((p, s) for p, s in modules.items() if not p.endswith("_test.rego"))
        bundle = PolicyBundle(modules=mods, tests=tests, data=dict(data or {}), revision=revision)
        return cls(bundle, compiled=compiled)

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

    def evaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision:
        doc = as_input_dict(input)
        stage = stage_of(doc)
        snap = self._snapshot
        started = time.perf_counter()
        try:
            raw = self._execute(snap, json.dumps(doc))
            return decode_decision_text(
                raw,
                stage=stage,
                revision=snap.bundle.revision,
                eval_ms=(time.perf_counter() - started) * 1e3,
            )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # PanicException is a BaseException
            reason = _reason(exc)
            ms = (time.perf_counter() - started) * 1e3
            maker = Decision.fail_open if snap.fail_open else Decision.fail_closed
            return maker(reason, stage=stage, policy_revision=snap.bundle.revision, eval_ms=ms)

    async def aevaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision:
        # regorus holds the GIL for ~40 µs: cheaper inline than a thread hop.
        return self.evaluate(input)

    def evaluate_raw(self, input: Mapping[str, Any]) -> Any:
        """The decision rule's JSON value (None if undefined); raises on engine errors."""
        raw = self._execute(self._snapshot, json.dumps(dict(input)))
        return None if raw == _regorus.UNDEFINED else json.loads(raw)

    def query(self, path: str, input: Mapping[str, Any] | None = None) -> Any:
        state = self._state(self._snapshot)
        engine = state.interpreter
        try:
            engine.set_input_json(json.dumps(dict(input or {})))
            try:
                raw = engine.eval_rule_as_json(path)
            except RuntimeError as exc:
                if "not a valid rule path" not in str(exc):
                    raise
                return _first_value(engine.eval_query_as_json(path))  # a data path
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            message, _ = _regorus.clean_error(exc)
            raise PolicyEvaluationError(f"evaluating {path}: {message}") from None
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

    # --- internals -----------------------------------------------------------------------

    def _prepare(self, bundle: PolicyBundle) -> _Snapshot:
        """Compile once on this thread to prove the bundle is good before anyone uses it."""
        _require_decision_rule(bundle)
        _regorus.new_engine(bundle)
        if self._compiled:
            _regorus.compile_program(bundle, [DECISION_PATH])
        with self._lock:
            self._generation += 1
            generation = self._generation
        metas = tuple(collect_metadata(bundle.modules))
        return _Snapshot(bundle, generation, is_fail_open(metas), metas)

    def _state(self, snap: _Snapshot) -> _ThreadState:
        states = _thread_states()
        state = states.get(id(self))
        if state is None or state.owner() is not self:
            for key in [k for k, st in states.items() if st.owner() is None]:
                del states[key]  # engines gone: drop their regorus objects on this thread
            state = states[id(self)] = _ThreadState(self)
        if state.generation != snap.generation:
            if self._compiled:
                program = _regorus.compile_program(snap.bundle, [DECISION_PATH])
                state.vm = _regorus.new_vm(program, snap.bundle.data_json)
            state.interpreter = _regorus.new_engine(snap.bundle)
            state.generation = snap.generation
        return state

    def _execute(self, snap: _Snapshot, input_json: str) -> str:
        state = self._state(snap)
        result: str
        if self._compiled:
            state.vm.set_input_json(input_json)
            result = state.vm.execute()
        else:
            state.interpreter.set_input_json(input_json)
            result = state.interpreter.eval_rule_as_json(DECISION_PATH)
        return result


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


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PolicyEvaluationError):
        return str(exc)
    message, _ = _regorus.clean_error(exc)
    return f"{type(exc).__name__}: {message}"
