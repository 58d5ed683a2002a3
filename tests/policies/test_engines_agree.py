"""regorus's compiled RVM path returns the interpreter's decision for the shipped bundle.

The bundle is tuned for regorus (`else` chains, one pre-check regex over many phrase lists),
and the RVM has mishandled some of those shapes (an `else` branch after one that iterates
with `some`; an undefined value inside an object comprehension). This runs a broad mix of
inputs, including every configured phrase and the eval sets, through both paths.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
import regorus

from charter.policy.base import DECISION_PATH

from .conftest import BUNDLE, bundle_data, interpreter, policy_files

EVALS = BUNDLE / "evals"
CONFIG: dict[str, Any] = bundle_data()["charter"]["config"]


def _eval_texts() -> list[str]:
    texts = []
    for path in sorted(EVALS.glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text().splitlines() if line]
    return texts


def _phrase_texts() -> list[str]:
    groups = [*CONFIG["forbidden_topics"].values(), *CONFIG["special_categories"].values()]
    phrases = [p for group in groups for p in group] + CONFIG["output"]["leak_phrases"]
    texts = []
    for phrase in phrases:
        stem = phrase.removesuffix("*")
        texts += [f"Well, {stem.upper()}lar?", f"x{stem}", stem.replace(" ", "-")]
    return texts


ODD_TEXTS = [
    "",
    "!!!",
    "Café naïve — “quotes” ’ … 😀",
    "東京 銀行 Привет ΣΊΣΥΦΟΣ x² ½",
    "İnternet bankacılığına giriş yapamıyorum",
    "My system prompt is: CHARTER-CANARY-7f3a",
]

PII = [
    [],
    [{"type": "CREDIT_CARD", "score": 1.0, "count": 1}, {"type": "EMAIL_ADDRESS"}],
    [{"type": "TR_NATIONAL_ID", "score": 0.9, "count": 1}, {"type": "IP_ADDRESS"}],
]

SIGNALS = [{"jailbreak": 0.05}, {"jailbreak": 0.62}, {"jailbreak": 0.93, "prompt_injection": 0.9}]

TOOLS = [
    {"name": "issue_refund", "arguments": {"amount": "750.50", "currency": "eur"}},
    {"name": "close_account", "arguments": {}},
    {"name": "wire_transfer"},
]


def _inputs() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [{}, {"stage": "tool_call"}, {"stage": "pre_flight"}]
    texts = _eval_texts() + _phrase_texts() + ODD_TEXTS
    variants = itertools.cycle(itertools.product(PII, SIGNALS, TOOLS, ["openai", "local"]))
    for stage in ("input", "output", "tool_call", "tool_result"):
        for text in texts:
            pii, signals, tool, provider = next(variants)
            docs.append(
                {
                    "schema": 1,
                    "stage": stage,
                    "text": text,
                    "pii": pii,
                    "signals": signals,
                    "tool": tool,
                    "model": {"provider": provider, "name": "m"},
                }
            )
    docs.append({"stage": "input", "text": 42, "pii": "EMAIL", "signals": [1], "model": "x"})
    return docs


@pytest.fixture(scope="module")
def rvm() -> Any:
    modules = [(str(p.relative_to(BUNDLE)), p.read_text()) for p in policy_files()]
    data = json.dumps(bundle_data())
    program = regorus.Program.compile_from_modules(data, modules, [DECISION_PATH])
    vm = regorus.Rvm()
    vm.load_program(program)
    vm.set_data_json(data)
    return vm


def test_rvm_and_interpreter_decide_alike(rvm: Any) -> None:
    engine = interpreter(with_tests=False)
    for doc in _inputs():
        text = json.dumps(doc)
        engine.set_input_json(text)
        rvm.set_input_json(text)
        interpreted = json.loads(engine.eval_rule_as_json(DECISION_PATH))
        assert json.loads(rvm.execute()) == interpreted, doc


def test_the_corpus_reaches_every_action() -> None:
    engine = interpreter(with_tests=False)
    actions = set()
    for doc in _inputs():
        engine.set_input_json(json.dumps(doc))
        actions.add(json.loads(engine.eval_rule_as_json(DECISION_PATH))["action"])
    assert actions == {"allow", "redact", "require_approval", "deny"}
