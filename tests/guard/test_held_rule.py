"""A held call's approval request names the rule that asked for the approval. Probing found
a refund over the limit whose note held an e-mail address filed under
`privacy.pii_external` (the redaction rule, first by rule id) with the refund rule's reason:
the decision's violations carry no action, so the queue took the first of them. The
decision's approval now names its rules."""

from __future__ import annotations

import pytest

from charter.audit import iter_records
from charter.errors import ApprovalPending
from charter.guard import Charter


def test_the_request_names_the_rule_that_held_the_call(charter: Charter) -> None:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float, note: str = "") -> str:
        return "refunded"

    with pytest.raises(ApprovalPending) as held:
        issue_refund("A-18", 900.0, note="customer wrote from jane.doe@example.com")
    request = charter.queue.get(held.value.ticket)
    assert request.rule == "tools.refund_over_limit"
    assert "above the approval limit" in request.reason
    charter.audit.flush(timeout=30)
    [record] = iter_records(charter.settings.store_url)
    fired = [v["rule"] for v in record.result["violations"]]
    assert fired == ["privacy.pii_external", "tools.refund_over_limit"]
    assert record.result["approval"]["rules"] == ["tools.refund_over_limit"]
