"""Code that runs in other processes: spawned reviewers for the concurrency tests, and a
command line (`python -m tests.approvals.approval_workers ...`) for the crash tests."""

from __future__ import annotations

import random
import sys
from typing import Any

from charter.approvals import ReviewerDirectory, action_hash
from charter.approvals.queue import ApprovalQueue
from charter.errors import ApprovalError
from tests.approvals.helpers import ACTION, REVIEWERS, submit


def vote_on_all(
    url: str,
    reviewer: str,
    tickets: list[str],
    reviewers: dict[str, Any],
    barrier: Any,
    results: Any,
) -> None:
    """Approve every ticket in a shuffled order; report which votes were accepted."""
    directory = ReviewerDirectory.from_mapping(reviewers, source="test")
    accepted: list[str] = []
    refused: list[str] = []
    with ApprovalQueue(url, directory=directory, migrate=False) as queue:
        order = list(tickets)
        random.Random(reviewer).shuffle(order)
        barrier.wait()
        for ticket in order:
            try:
                queue.approve(ticket, reviewer)
                accepted.append(ticket)
            except ApprovalError as exc:
                refused.append(f"{ticket}: {type(exc).__name__}: {exc}")
    results.put((reviewer, accepted, refused))


def claim_and_approve(
    url: str, reviewer: str, reviewers: dict[str, Any], barrier: Any, results: Any
) -> None:
    """Work through the shared inbox with claim_next until it is empty."""
    directory = ReviewerDirectory.from_mapping(reviewers, source="test")
    decided: list[str] = []
    errors: list[str] = []
    with ApprovalQueue(url, directory=directory, migrate=False) as queue:
        barrier.wait()
        while (request := queue.claim_next(reviewer)) is not None:
            try:
                queue.approve(request.id, reviewer)
                decided.append(request.id)
            except ApprovalError as exc:
                errors.append(f"{request.id}: {exc}")
    results.put((reviewer, decided, errors))


def main(argv: list[str]) -> int:
    """`submit-and-wait URL`: print the ticket, then wait (until killed).
    `wait-and-consume URL TICKET`: wait for the decision, use the approval, print the state.
    `approve URL TICKET REVIEWER`: vote as REVIEWER."""
    command, url, *rest = argv
    directory = ReviewerDirectory.from_mapping(REVIEWERS, source="test")
    with ApprovalQueue(url, directory=directory) as queue:
        if command == "submit-and-wait":
            ticket = submit(queue).id
            print(ticket, flush=True)
            queue.wait(ticket, timeout_s=600)
        elif command == "wait-and-consume":
            [ticket] = rest
            decided = queue.wait(ticket, timeout_s=60)
            used = queue.consume(ticket, action_hash(ACTION), by="restarted-app")
            print(decided.state.value, used.consumed_at is not None, flush=True)
        elif command == "approve":
            ticket, reviewer = rest
            print(queue.approve(ticket, reviewer).state.value, flush=True)
        else:
            print(f"unknown command {command}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
