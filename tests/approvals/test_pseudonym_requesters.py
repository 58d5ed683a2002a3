"""Found by review of the keyed requester pseudonyms: a plain requester id shaped like one
(`h-desk.eu.1`) was read as a pseudonym under another key, so every reviewer was refused;
and an approved-but-unused request of a keyed requester that expired was reported as
expiring "without a decision" (the approval was read without the queue's key)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from charter.approvals import ApprovalState, Reviewer
from charter.approvals.queue import ApprovalQueue
from charter.decision import ApprovalSpec
from charter.errors import ApprovalError
from charter.pseudonyms import KEY_FILE_SUFFIX

FINANCE = ApprovalSpec(approvers={"roles": ["finance"]}, timeout_s=60)


def _submit(queue: ApprovalQueue, requester: str) -> str:
    action = {"kind": "tool_call", "function": "f", "text": requester}
    request = queue.submit(
        spec=FINANCE,
        action=action,
        requester=requester,
        tenant="t",
        app="a",
        rule="r",
        decision_id="d",
    )
    return request.id


@pytest.mark.parametrize("requester", ["h-desk.eu.1", "h-ops.team.lead", "h-0123.abcd.ef01"])
def test_a_plain_id_shaped_like_a_pseudonym_is_judged_as_itself(
    tmp_path: Path, requester: str
) -> None:
    with ApprovalQueue(f"sqlite:///{tmp_path}/charter.db") as queue:
        ticket = _submit(queue, requester)
        assert queue.get(ticket).requester == requester  # stored as given
        queue.approve(ticket, Reviewer(id="bob", roles=("finance",)))
        assert queue.get(ticket).state is ApprovalState.APPROVED


def test_an_expired_unused_approval_of_a_keyed_requester_says_so(tmp_path: Path) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    with ApprovalQueue(f"sqlite:///{tmp_path}/charter.db", clock=lambda: now[0]) as queue:
        ticket = _submit(queue, "zeynep.kaya77@example.org")
        assert queue.get(ticket).requester.startswith("h-")  # keyed by the store's key
        queue.approve(ticket, Reviewer(id="alice", roles=("finance",)))
        now[0] += timedelta(days=30)
        with pytest.raises(ApprovalError, match=r"expired .* approved but unused"):
            queue.approve(ticket, Reviewer(id="bob", roles=("finance",)))


def test_a_request_whose_key_file_was_lost_says_to_restore_it(tmp_path: Path) -> None:
    """Found by review: the refusal advised "decide it with the app's vault_key set" when
    there was no vault key at all, only a key file since lost."""
    url = f"sqlite:///{tmp_path}/charter.db"
    with ApprovalQueue(url) as queue:
        ticket = _submit(queue, "zeynep.kaya77@example.org")
    key = Path(f"{tmp_path}/charter.db{KEY_FILE_SUFFIX}")
    key.unlink()  # lost: the next process makes another
    reviewer = textwrap.dedent(f"""
        from charter.approvals import Reviewer
        from charter.approvals.queue import ApprovalQueue
        with ApprovalQueue({url!r}) as queue:
            try:
                queue.approve({ticket!r}, Reviewer(id="bob", roles=("finance",)))
            except Exception as exc:
                print(type(exc).__name__, exc)
    """)
    said = subprocess.run(
        [sys.executable, "-c", reviewer], capture_output=True, text=True, check=True
    ).stdout
    assert said.startswith("NotAuthorized") and f"restore the store's pseudonym key {key}" in said
