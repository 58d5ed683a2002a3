"""Recorded traffic for replay tests: real guarded checks on a copy of the shipped bundle,
written to a real decision log (SQLite, and PostgreSQL where marked)."""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from charter.config import DEFAULT_POLICIES
from charter.decision import Action
from charter.testing import make_charter
from tests.support.postgres import postgres_server, store_url

__all__ = ["Recorded", "copy_bundle", "postgres_server", "record_traffic", "store_url"]

Edit = Callable[[dict[str, Any]], None]

REFUND = {"order_id": "A-1001", "currency": "TRY"}

# name -> (stage, text, tool, arguments); the bundle's limits are pinned in `copy_bundle`.
TRAFFIC: dict[str, tuple[str, str, str | None, dict[str, Any] | None]] = {
    "hours": ("input", "What time does the branch open on Saturday?", None, None),
    "invest": ("input", "Can you give me investment advice on which stocks to buy?", None, None),
    "email": ("input", "Please send the statement to jane.doe@example.com", None, None),
    "refund_100": ("tool_call", "", "issue_refund", {**REFUND, "amount": 100}),
    "refund_300": ("tool_call", "", "issue_refund", {**REFUND, "amount": 300}),
    "refund_450": ("tool_call", "", "issue_refund", {**REFUND, "amount": 450}),
    "refund_700": ("tool_call", "", "issue_refund", {**REFUND, "amount": 700}),
    "refund_20000": ("tool_call", "", "issue_refund", {**REFUND, "amount": 20000}),
    "close": ("tool_call", "", "close_account", {"account_id": "ACC-7"}),
}

EXPECTED_RECORDED = {
    "hours": Action.ALLOW,
    "invest": Action.DENY,
    "email": Action.REDACT,
    "refund_100": Action.ALLOW,
    "refund_300": Action.ALLOW,
    "refund_450": Action.ALLOW,
    "refund_700": Action.REQUIRE_APPROVAL,
    "refund_20000": Action.DENY,
    "close": Action.REQUIRE_APPROVAL,
}


@dataclass(frozen=True)
class Recorded:
    store_url: str
    bundle: Path
    ids: Mapping[str, str]
    """Traffic name -> decision_id."""

    def names(self, decision_ids: object) -> set[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[i] for i in decision_ids}  # type: ignore[attr-defined]


def copy_bundle(source: Path, dest: Path, edit: Edit | None = None) -> Path:
    """A copy of `source` (without eval corpora) with `edit` applied to its data.json."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("evals", "*.md"))
    data_file = dest / "charter" / "data.json"
    data = json.loads(data_file.read_text())
    if edit is not None:
        edit(data["config"])
    data_file.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return dest


def pin_limits(config: dict[str, Any]) -> None:
    refund = config["tools"]["refund"]
    refund.update(approval_limit=500, hard_limit=10000, currency_limits={})


def record_traffic(store: str, bundle: Path, tmp_path: Path) -> dict[str, str]:
    """Run every TRAFFIC entry through the guard's checks with the audit log on."""
    # Replaying rules that read the text needs it: this app opts in to store_content.
    charter = make_charter(
        bundle, tmp_path, store_url=store, audit=True, pii_mode="pattern", store_content=True
    )
    ids: dict[str, str] = {}
    try:
        for name, (stage, text, tool, arguments) in TRAFFIC.items():
            body = text or json.dumps(arguments, sort_keys=True)
            decision = charter.check(
                body,
                stage=stage,
                model="gpt-4o",
                provider="openai",
                tool=tool,
                arguments=arguments,
            )
            assert decision.action is EXPECTED_RECORDED[name], (name, decision.explain())
            ids[name] = decision.decision_id
        charter.audit.flush(timeout=30)
    finally:
        charter.close()
        del charter
        gc.collect()  # free its regorus objects on this thread (see collect_on_main_thread)
    return ids


@pytest.fixture(autouse=True)
def collect_on_main_thread() -> Iterator[None]:
    """A `Charter` sits in a reference cycle, so its regorus engine (bound to the thread
    that made it) is freed by the cycle collector, on whichever thread runs it. Collect on
    the main thread after each test so no other thread drops it."""
    yield
    gc.collect()


@pytest.fixture
def base_bundle(tmp_path: Path) -> Path:
    return copy_bundle(DEFAULT_POLICIES, tmp_path / "base", pin_limits)


@pytest.fixture
def recorded(store_url: str, base_bundle: Path, tmp_path: Path) -> Recorded:
    return Recorded(store_url, base_bundle, record_traffic(store_url, base_bundle, tmp_path))


@pytest.fixture
def candidate(tmp_path: Path, base_bundle: Path) -> Callable[[Edit], Path]:
    """Make a candidate bundle: the recorded one with one edit."""
    made = 0

    def make(edit: Edit) -> Path:
        nonlocal made
        made += 1
        return copy_bundle(base_bundle, tmp_path / f"candidate{made}", edit)

    return make
