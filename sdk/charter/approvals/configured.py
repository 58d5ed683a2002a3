"""The approval queue the settings describe, built one way for the SDK (`Charter.queue`),
`charter approvals` and the console. Built three ways, they disagreed: the SDK's queue
ignored `reviewers_file`, so a reviewer the file leaves out could approve through it while
the CLI refused them (found by probing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from charter.approvals.lifecycle import Origin
from charter.approvals.queue import ApprovalQueue
from charter.pseudonyms import Pseudonyms, pseudonyms_for

if TYPE_CHECKING:
    from charter.config import Settings
    from charter.policy.base import PolicyEngine


def queue_from_settings(
    settings: Settings,
    engine: PolicyEngine,
    *,
    store: str | None = None,
    reviewers_file: str | None = None,
    scope: Origin | None = None,
    pseudonyms: Pseudonyms | None = None,
) -> ApprovalQueue:
    """Reviewers from `reviewers_file` (else the policy's `data.charter.reviewers`), each
    vote authorized by `engine`'s `can_approve`. `store` and `reviewers_file` are a
    command's own choices (`--store`, `--reviewers`) over the settings'. `scope`: the
    (tenant, app) whose requests alone it serves (a `Charter`'s); None: every app's.
    `pseudonyms`: the app's own, else the store's under the settings' `vault_key`."""
    where = store or settings.store_url
    return ApprovalQueue.from_policy(
        where,
        engine,
        reviewers_file=reviewers_file or settings.reviewers_file or None,
        store_content=settings.store_content,
        scope=scope,
        step_threads=settings.step_threads,
        pseudonyms=pseudonyms or pseudonyms_for(settings.vault_key, where),
    )
