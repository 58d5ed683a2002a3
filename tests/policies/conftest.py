"""Fixtures for the shipped policy bundle: the Rego interpreter with every test module
loaded (run once, with coverage), and the product's embedded engine (compiled RVM path)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import regorus

from charter.policy.embedded import EmbeddedEngine

BUNDLE = Path(__file__).resolve().parents[2] / "policies"
DATA_FILE = BUNDLE / "charter" / "data.json"
_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)


def policy_files() -> list[Path]:
    return sorted(p for p in BUNDLE.rglob("*.rego") if not p.name.endswith("_test.rego"))


def test_files() -> list[Path]:
    return sorted(BUNDLE.rglob("*_test.rego"))


def rego_test_rules() -> list[str]:
    """`data.<package>.test_*` of every test module, discovered from the files."""
    rules: dict[str, None] = {}
    for path in test_files():
        source = path.read_text()
        package = _PACKAGE.search(source)
        assert package, f"{path}: no package line"
        for name in _TEST_RULE.findall(source):
            rules[f"data.{package.group(1)}.{name}"] = None
    return list(rules)


def bundle_data() -> dict[str, Any]:
    """The data document as OPA builds it: policies/charter/data.json is data.charter,
    policies/charter/revise/data.json is data.charter.revise."""
    charter = json.loads(DATA_FILE.read_text())
    charter["revise"] = json.loads((BUNDLE / "charter" / "revise" / "data.json").read_text())
    return {"charter": charter}


def interpreter(*, with_tests: bool) -> Any:
    engine = regorus.Engine()
    for path in policy_files() + (test_files() if with_tests else []):
        engine.add_policy(str(path.relative_to(BUNDLE)), path.read_text())
    engine.add_data_json(json.dumps(bundle_data()))
    return engine


@dataclass(frozen=True)
class RegoTestRun:
    outcomes: dict[str, str]
    """rule path -> "true", or what it evaluated to / the error it raised."""
    coverage: list[dict[str, Any]]
    """regorus' per-file coverage of the non-test modules."""


@pytest.fixture(scope="session")
def rego_run() -> RegoTestRun:
    """Run every Rego test once, with coverage, on a single interpreter."""
    engine = interpreter(with_tests=True)
    engine.set_enable_coverage(True)
    outcomes: dict[str, str] = {}
    for rule in rego_test_rules():
        try:
            engine.set_input_json("{}")
            outcomes[rule] = engine.eval_rule_as_json(rule).strip()
        except RuntimeError as exc:
            outcomes[rule] = "error: " + str(exc).split("Stack backtrace:")[0].strip()
    report = json.loads(engine.get_coverage_report_as_json())
    policies = {str(p.relative_to(BUNDLE)) for p in policy_files()}
    return RegoTestRun(outcomes, [f for f in report["files"] if f["path"] in policies])


@pytest.fixture(scope="session")
def decision_interpreter() -> Any:
    """The bundle without tests, for querying rules directly."""
    return interpreter(with_tests=False)


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedEngine]:
    """The product's engine on the shipped bundle (decisions run on the compiled RVM)."""
    shipped = EmbeddedEngine(BUNDLE)
    yield shipped
    shipped.close()
