"""The bot's tools. Guarded with `@guard.tool`, so the policy sees every call: refunds above
the limit wait for `finance`, closing an account needs two approvers, unknown tools are
denied."""

from __future__ import annotations

from typing import Any

from charter.guard import Charter

ORDERS = {
    "A-1001": {"amount": 49.90, "status": "delivered"},
    "A-1002": {"amount": 899.00, "status": "delivered"},
    "A-1003": {"amount": 15_000.00, "status": "disputed"},
}


def make_tools(charter: Charter) -> dict[str, Any]:
    @charter.guard.tool
    def lookup_order(order_id: str) -> dict[str, Any]:
        return {"order_id": order_id, **ORDERS.get(order_id, {"status": "unknown"})}

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return f"refund of {amount:.2f} EUR for {order_id} issued"

    @charter.guard.tool
    def close_account(account_id: str, reason: str) -> str:
        return f"account {account_id} closed"

    return {
        "lookup_order": lookup_order,
        "issue_refund": issue_refund,
        "close_account": close_account,
    }
