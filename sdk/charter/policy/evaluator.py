"""One bundle's regorus objects and how `decision` is evaluated on them.

`choose_path` decides, once per bundle, whether the compiled RVM may run `decision`
(`charter.policy.analysis`); an `Evaluator` holds the thread-bound interpreter and VM and
evaluates. Shared by the in-process engine and its worker processes.
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path
from typing import Any

from charter.errors import PolicyEvaluationError, PolicyLoadError
from charter.policy import _regorus
from charter.policy.analysis import (
    LEAK_SENTINEL,
    error_hazards,
    hazards,
    normalized,
    parse_modules,
    reachable_packages,
)
from charter.policy.base import DECISION_PATH
from charter.policy.bundle import PolicyBundle

RVM = "rvm"
_BUDGET_ERROR = "exceeded maximum instruction limit"
_DECISION_PACKAGE = DECISION_PATH.removeprefix("data.").rpartition(".")[0]


def choose_path(
    bundle: PolicyBundle, interpreter: Any, compiled: bool | None
) -> tuple[str, bytes | None]:
    """`rvm` with the compiled program's bytes (each thread loads its own program from
    them), or `interpreter: <why>` and None. `compiled`: None decides from the bundle's
    shapes, True insists on the RVM (raises if it cannot compile), False keeps the
    interpreter."""
    if compiled is False:
        return "interpreter: chosen (compiled=False)", None
    if compiled is None:
        modules = parse_modules(interpreter.get_ast_as_json())
        reach = reachable_packages(modules, _DECISION_PACKAGE)
        found = hazards(modules) + error_hazards(modules, shipped_sources())
        risky = [h for h in found if h.package in reach]
        if risky:
            return "interpreter: " + "; ".join(h.describe() for h in risky[:3]), None
    try:
        program = _regorus.serialized_program(bundle, [DECISION_PATH])
    except PolicyLoadError as exc:
        if compiled:
            raise
        return f"interpreter: the RVM cannot compile this bundle ({exc})", None
    return RVM, program


@cache
def shipped_sources() -> frozenset[str]:
    """The text of every Rego module Charter ships (the default bundle and the starter
    `charter init` lays over it), `normalized`: the differential tests run these on both
    engines."""
    from charter.config import DEFAULT_POLICIES

    roots = (Path(DEFAULT_POLICIES), Path(__file__).resolve().parents[1] / "starter" / "bundle")
    return frozenset(normalized(p.read_text()) for root in roots for p in root.rglob("*.rego"))


class Evaluator:
    """The RVM (when the path is `rvm`) and the interpreter (queries, fallback) for one
    bundle, bound to the thread that built them. A thread's RVM is loaded from the
    program's bytes (~1 ms, where compiling and loading the interpreter took ~45 ms, paid
    by every new thread of a thread-per-request server); on that path the interpreter is
    built on first use, and the CPU time that took is kept in `build_s` so that an
    evaluation's budget is not charged for it."""

    def __init__(self, bundle: PolicyBundle, path: str, program: bytes | None = None) -> None:
        self._bundle = bundle
        self._interpreter: Any = None
        self.build_s = 0.0
        self.vm: Any = None
        if path == RVM:
            entry = [DECISION_PATH]
            loaded = (
                _regorus.load_program(program, bundle, entry)
                if program
                else _regorus.compile_program(bundle, entry)
            )
            self.vm = _regorus.new_vm(loaded, bundle.data_json)
        else:
            self._interpreter = _regorus.new_engine(bundle)

    @property
    def interpreter(self) -> Any:
        if self._interpreter is None:
            begun = time.thread_time()
            self._interpreter = _regorus.new_engine(self._bundle)
            self.build_s += time.thread_time() - begun
        return self._interpreter

    def decide(self, input_json: str) -> str:
        """The `decision` rule's JSON text for `input_json`; raises on engine errors."""
        vm = self.vm
        if vm is not None:
            vm.set_input_json(input_json)
            try:
                result: str = vm.execute()
            except RuntimeError as exc:
                if _BUDGET_ERROR in str(exc):
                    raise PolicyEvaluationError(
                        "timeout: policy evaluation stopped at its instruction budget "
                        "(a runaway loop?); the decision fails closed"
                    ) from None
                raise
            if LEAK_SENTINEL not in result:
                return result
            # An undefined value leaked into the result (RVM gap 3): ask the interpreter.
        self.interpreter.set_input_json(input_json)
        answer: str = self.interpreter.eval_rule_as_json(DECISION_PATH)
        return answer
