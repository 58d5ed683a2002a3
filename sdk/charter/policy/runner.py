"""`charter policy test`: run every `test_*` rule of a bundle and measure line coverage.

Mirrors `opa test --coverage`: a test passes when its rule evaluates to `true`; coverage
counts the lines of non-test modules that evaluation touched.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from charter.errors import PolicyLoadError
from charter.policy import _regorus
from charter.policy.bundle import PolicyBundle

_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.M)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)


@dataclass(frozen=True)
class TestResult:
    name: str
    file: str
    passed: bool
    error: str | None = None
    duration_ms: float = 0.0


@dataclass(frozen=True)
class FileCoverage:
    path: str
    covered: frozenset[int]
    not_covered: frozenset[int]

    @property
    def percent(self) -> float:
        total = len(self.covered) + len(self.not_covered)
        return 100.0 if total == 0 else 100.0 * len(self.covered) / total


@dataclass(frozen=True)
class TestReport:
    results: tuple[TestResult, ...]
    coverage: tuple[FileCoverage, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def coverage_percent(self) -> float:
        covered = sum(len(c.covered) for c in self.coverage)
        total = covered + sum(len(c.not_covered) for c in self.coverage)
        return 100.0 if total == 0 else 100.0 * covered / total


def discover_tests(bundle: PolicyBundle) -> list[tuple[str, str]]:
    """(rule path, file) of every `test_*` rule, in file order, de-duplicated."""
    found: dict[str, str] = {}
    for path, source in bundle.tests:
        pkg = _PACKAGE.search(source)
        if not pkg:
            continue
        for name in _TEST_RULE.findall(source):
            found.setdefault(f"data.{pkg.group(1)}.{name}", path)
    return list(found.items())


def run_tests(bundle: PolicyBundle, *, coverage: bool = False) -> TestReport:
    if not bundle.tests:
        raise PolicyLoadError(
            f"{bundle.source or 'bundle'}: no *_test.rego files; every x.rego needs x_test.rego"
        )
    engine = _regorus.new_engine(bundle, with_tests=True)
    engine.set_enable_coverage(coverage)
    results = []
    for rule, file in discover_tests(bundle):
        started = time.perf_counter()
        try:
            engine.set_input_json("{}")
            raw = engine.eval_rule_as_json(rule)
            value = None if raw == _regorus.UNDEFINED else json.loads(raw)
            error = None if value is True else f"evaluated to {raw.strip()}"
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            message, location = _regorus.clean_error(exc)
            error = f"{location}: {message}" if location else message
        results.append(
            TestResult(
                name=rule,
                file=file,
                passed=error is None,
                error=error,
                duration_ms=(time.perf_counter() - started) * 1e3,
            )
        )
    files: tuple[FileCoverage, ...] = ()
    if coverage:
        report = json.loads(engine.get_coverage_report_as_json())
        policy_files = {p for p, _ in bundle.modules}
        files = tuple(
            FileCoverage(
                path=f["path"],
                covered=frozenset(f.get("covered", ())),
                not_covered=frozenset(f.get("not_covered", ())),
            )
            for f in report.get("files", [])
            if f["path"] in policy_files
        )
    return TestReport(results=tuple(results), coverage=files)
