"""Issue 14 #6: personal data that detection misses was stored raw.

Replays the finding: support messages whose phone numbers (national formats the pattern
detector does not know) and names (lower case, no cue) are not detected went to the
decision log and the approval rows in plain text. Now records keep hashes, findings and
rule ids, and an approval request keeps its (redacted) action only while it can still be
decided or used. The test scans every row of every table, on SQLite and PostgreSQL, for
the values. Storing the redacted text is an explicit opt-in (`store_content`), checked last.

The guard runs with the heuristic signals only: the point is what reaches storage for
traffic the guard lets through, and the shipped classifier refuses two of these messages
(a known false refusal, strict xfail in tests/signals/test_harm_categories.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, inspect, select

from charter import Charter, context
from charter.approvals import ApprovalState
from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES
from charter.errors import ApprovalError, ApprovalPending, ApprovalRejected
from charter.pseudonyms import settings_pseudonyms
from charter.signals import HeuristicJailbreakDetector, SignalSet
from charter.store import connect
from charter.testing import RecordingModel, make_charter
from tests.support.postgres import postgres_server, store_url

__all__ = ["postgres_server", "store_url"]

# Values the pattern detector misses today (checked below, so the test keeps its point).
MISSED = (
    "0151 2345 6789",
    "0044 7700 900123",
    "Siobhan O'Leary",
    "kwame mensah",
    "maría fernández",
    "aylin yilmaz",
)
MESSAGES = (
    "Hi, please call me back on 0151 2345 6789, my order never arrived.",
    "my mobile is 0044 7700 900123, the parcel is damaged",
    "Please ask for Siobhan O'Leary at the front desk about my refund.",
    "tell kwame mensah his parcel is here",
    "Hola, soy maría fernández, no me llegó el pedido",
    "i am dr. aylin yilmaz and I want to cancel",
)
ANSWER = "We will call 0151 2345 6789 and ask for Siobhan O'Leary."


def _charter(tmp_path: Path, url: str, **settings: Any) -> Charter:
    return make_charter(
        DEFAULT_POLICIES,
        tmp_path,
        signals=SignalSet([HeuristicJailbreakDetector()]),
        store_url=url,
        pii_mode="pattern",
        audit=True,
        **settings,
    )


def _replay_support_traffic(charter: Charter) -> tuple[RecordingModel, list[str]]:
    """Each message through a guarded chat call; the first three also as the note of a
    refund big enough to need approval: one approved and used, one rejected, one left
    pending. Returns the model and the three tickets."""
    model = RecordingModel(lambda prompt: ANSWER)
    ask = charter.guard(model=model.name, provider="openai")(model)

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float, note: str) -> str:
        return "refunded"

    tickets = []
    for n, message in enumerate(MESSAGES):
        with context(user=f"u-{n}", conversation=f"c-{n}"):
            ask(message)
            if n < 3:
                with pytest.raises(ApprovalPending) as held:
                    issue_refund(f"A-{n}", 900.0, message)
                tickets.append(held.value.ticket)
    approved, rejected, pending = tickets
    charter.queue.approve(approved, "alice", reason="verified")
    assert charter.resume(approved) == "refunded"
    charter.queue.reject(rejected, "bob", reason="duplicate")
    assert charter.queue.get(pending).state is ApprovalState.PENDING
    charter.audit.flush(timeout=30)
    return model, tickets


def _rows(url: str) -> list[tuple[str, str]]:
    """Every row of every table, as (table, the row's values as text)."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return [
                (name, " ".join(str(v) for v in row))
                for name in inspect(conn).get_table_names()
                for row in conn.execute(select(Table(name, MetaData(), autoload_with=conn)))
            ]
    finally:
        engine.dispose()


def test_undetected_personal_data_is_not_stored_raw(tmp_path: Path, store_url: str) -> None:
    charter = _charter(tmp_path, store_url)
    model, (_, _, pending) = _replay_support_traffic(charter)
    sent = "\n".join(str(call) for call in model.calls)
    assert [v for v in MISSED if v in sent] == list(MISSED)  # detection missed every one
    charter.close()

    rows = _rows(store_url)
    assert {"charter_decision_log", "charter_approval_request"} <= {t for t, _ in rows}
    # The request still pending keeps its redacted action: a reviewer must see what they
    # approve. Every other row, the decision log's first, holds none of the values.
    at_rest = [(t, text) for t, text in rows if not text.startswith(pending)]
    leaks = sorted({(t, v) for t, text in at_rest for v in MISSED if v in text})
    assert leaks == []  # main: every value, in the decision log and in the approval rows

    records = list(iter_records(store_url))
    keyed = settings_pseudonyms(charter.settings)  # a SQLite file's key; PostgreSQL: none
    text_digest = "text_hmac" if keyed.keyed else "text_sha256"
    # input and output of each chat; three refund checks, the approved refund's check
    # again as it resumes, and its result
    assert len(records) == len(MESSAGES) * 2 + 3 + 1 + 1
    for record in records:
        assert record.input["text"] == "" and len(record.input[text_digest]) == 64
        assert record.input["text_chars"] > 0
    refund = next(r for r in records if r.input.get("tool", {}).get("name") == "issue_refund")
    assert refund.result["violations"][0]["rule"] == "tools.refund_over_limit"
    arguments = refund.input["tool"]["arguments"]
    assert arguments["amount"] == 900.0  # numbers stay: replay still judges the limit
    assert arguments["note"].startswith(keyed.prefix)
    assert arguments["order_id"] == keyed.prefix + keyed.hex("A-0")


def test_a_settled_request_keeps_only_its_digest(tmp_path: Path) -> None:
    charter = _charter(tmp_path, f"sqlite:///{tmp_path / 'charter.db'}")
    _, (approved, rejected, pending) = _replay_support_traffic(charter)
    for ticket in (approved, rejected):
        request = charter.queue.get(ticket)
        assert request.action == {
            "kind": "tool_call",
            "function": request.action["function"],
            "model": request.action["model"],
            "tool": {"name": "issue_refund"},
            "content": "withheld once the request was settled (store_content is off)",
        }
    assert charter.queue.get(pending).action["tool"]["arguments"]["note"] == MESSAGES[2]
    with pytest.raises(ApprovalError, match="already used"):
        charter.resume(approved)
    with pytest.raises(ApprovalRejected):
        charter.resume(rejected)
    charter.queue.cancel(pending, "ops", reason="customer withdrew")
    assert charter.queue.get(pending).action["content"].startswith("withheld")
    charter.close()


def test_storing_the_redacted_text_is_an_explicit_opt_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'opt-in.db'}"
    charter = _charter(tmp_path, url, store_content=True)
    _, tickets = _replay_support_traffic(charter)
    charter.close()
    records = list(iter_records(url))
    assert all("text_sha256" not in r.input for r in records)
    assert MESSAGES[0] in " ".join(r.input["text"] for r in records)  # the documented risk
    requests = [text for table, text in _rows(url) if table == "charter_approval_request"]
    assert len(requests) == len(tickets)
    assert all(any(m in text for m in MESSAGES[:3]) for text in requests)


def test_an_undetected_value_used_as_a_key_is_hashed_in_the_log(tmp_path: Path) -> None:
    """Keys name fields, and replay needs the names (`amount`); a key that does not read
    as one (spaces, `@`, many digits) may be data the detector missed: the log hashes it."""
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    charter = _charter(tmp_path, url)

    @charter.guard.tool
    def lookup_order(order_id: str, extra: Any = None) -> str:
        return "ok"

    keys = {"kwame mensah": 1, "0151 2345 6789": 2, "order_id": 3, "created-at.utc": 4}
    assert lookup_order("A-9", extra=keys) == "ok"
    charter.audit.flush(timeout=30)
    charter.close()
    (record,) = [r for r in iter_records(url) if r.input.get("tool", {}).get("arguments")][:1]
    extra = record.input["tool"]["arguments"]["extra"]
    assert {k for k in extra if not k.startswith("hmac:")} == {"order_id", "created-at.utc"}
    assert len(extra) == 4
    assert not [
        t for t, text in _rows(url) for v in ("kwame mensah", "0151 2345 6789") if v in text
    ]
