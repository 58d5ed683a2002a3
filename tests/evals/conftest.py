"""A tiny policy whose outcome for each text is obvious, so eval counts can be checked
exactly, and helpers to write corpora."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from charter.config import Settings
from charter.guard import Charter
from charter.policy.embedded import EmbeddedEngine

DEMO_POLICY = """\
package charter.main

import rego.v1

text := lower(input.text)

v(rule) := {"rule": rule, "principle": "eval test", "severity": "high", "message": rule}

deny(rule) := {"action": "deny", "violations": [v(rule)]}

default decision := {"action": "allow", "violations": []}

decision := {"action": "maybe"} if {
	contains(text, "boom")
} else := deny("demo.attack") if {
	contains(text, "attack")
} else := deny("demo.injection") if {
	input.stage == "tool_result"
	contains(text, "ignore previous")
} else := deny("demo.secret_external") if {
	input.model.provider == "openai"
	contains(text, "secret")
} else := {
	"action": "require_approval",
	"violations": [v("demo.refund")],
	"approval": {"reason": "refund", "min_approvals": 1},
} if {
	contains(text, "refund")
} else := {
	"action": "redact",
	"violations": [v("demo.pii")],
	"redact": {"EMAIL_ADDRESS": "placeholder"},
} if {
	some p in input.pii
	p.type == "EMAIL_ADDRESS"
}
"""


def write_bundle(root: Path) -> Path:
    (root / "charter").mkdir(parents=True)
    (root / "charter" / "main.rego").write_text(DEMO_POLICY)
    return root


def write_corpus(path: Path, rows: Sequence[dict[str, Any] | str]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def collect_on_main_thread() -> Iterator[None]:
    """A `Charter` sits in a reference cycle; its thread-bound regorus engine must be freed
    on the thread that made it, so collect here rather than on some other thread later."""
    yield
    gc.collect()


@pytest.fixture
def demo_charter() -> Iterator[Charter]:
    engine = EmbeddedEngine.from_sources({"charter/main.rego": DEMO_POLICY}, revision="demo-1")
    charter = Charter(
        Settings.build({"pii_mode": "pattern", "audit": False, "telemetry": False}),
        engine=engine,
    )
    yield charter
    charter.close()


@pytest.fixture
def demo_bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "bundle")
