"""Embedded evaluation of the shipped bundle vs raw regorus on the same query.

Floors: regorus's interpreter (`eval_rule_as_json`) and its compiled RVM path, each fed the
same JSON input and parsed back with `json.loads` (what any caller must do). Subjects:
`EmbeddedEngine.evaluate` (default: interpreter, exact OPA semantics) and with
`compiled=True` (RVM). Target: wrapper ≤ 1.2× the fastest raw path.
"""

from __future__ import annotations

import json

import regorus

from bench._timing import compare_us, row
from charter.config import DEFAULT_POLICIES
from charter.policy import _regorus, load_bundle
from charter.policy.base import DECISION_PATH
from charter.policy.embedded import EmbeddedEngine

INPUT = {
    "schema": 1,
    "stage": "input",
    "app": "support-bot",
    "tenant": "acme",
    "environment": "prod",
    "user": {"id": "u-7f3a", "roles": ["customer"]},
    "model": {"provider": "openai", "name": "gpt-4o-mini"},
    "text": "Hi, my card <CREDIT_CARD_1> was charged twice for order 4412, email me at "
    "<EMAIL_ADDRESS_1>. Can you refund it?",
    "pii": [
        {"type": "CREDIT_CARD", "score": 1.0, "count": 1},
        {"type": "EMAIL_ADDRESS", "score": 1.0, "count": 1},
    ],
    "signals": {"jailbreak": 0.05, "prompt_injection": 0.0},
    "metadata": {},
}


def run() -> list[dict[str, object]]:
    bundle = load_bundle(DEFAULT_POLICIES)
    doc = json.dumps(INPUT)

    interp = _regorus.new_engine(bundle)

    def raw_interp() -> object:
        interp.set_input_json(doc)
        return json.loads(interp.eval_rule_as_json(DECISION_PATH))

    program = regorus.Program.compile_from_modules(
        bundle.data_json, list(bundle.modules), [DECISION_PATH]
    )
    vm = _regorus.new_vm(program, bundle.data_json)

    def raw_rvm() -> object:
        vm.set_input_json(doc)
        return json.loads(vm.execute())

    engine = EmbeddedEngine(bundle)
    compiled = EmbeddedEngine(bundle, compiled=True)
    assert engine.evaluate(INPUT).action == compiled.evaluate(INPUT).action

    e_us, i_us = compare_us(lambda: engine.evaluate(INPUT), raw_interp)
    c_us, r_us = compare_us(lambda: compiled.evaluate(INPUT), raw_rvm)
    fastest = min(i_us, r_us)
    return [
        row("raw regorus interpreter (eval_rule_as_json)", i_us, "µs/eval"),
        row("raw regorus RVM (Program + Rvm)", r_us, "µs/eval"),
        row(
            "EmbeddedEngine.evaluate (interpreter)",
            e_us,
            "µs/eval",
            floor=i_us,
            target="≤ 1.2× same path",
        ),
        row(
            "EmbeddedEngine.evaluate (compiled=True)",
            c_us,
            "µs/eval",
            floor=r_us,
            target="≤ 1.2× fastest raw",
        ),
        row(
            "EmbeddedEngine default vs fastest raw path",
            e_us,
            "µs/eval",
            floor=fastest,
            target="≤ 1.2× (see README)",
        ),
    ]
