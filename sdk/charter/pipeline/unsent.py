"""What a call's placeholders become when it ends: a request's die with it; a conversation's
stay for its next turns, but only those the call went on to use.

Found by probing: a denied prompt's values stayed in the conversation's vault, and a later
answer that wrote `<EMAIL_ADDRESS_1>` (a placeholder no prompt sent to the model had held,
since the only one that did was denied) was restored to the denied prompt's address. The
checks issue placeholders before the policy decides (its input holds them), so a call that
never reached the model or the tool takes back the ones it issued new. A held call keeps
them: its stored arguments carry them, and an approved resume sends them to the model.
"""

from __future__ import annotations

from charter.errors import ApprovalPending
from charter.pipeline.stages import CallRun


def settle_placeholders(run: CallRun, error: BaseException | None) -> None:
    """At the end of `run` (raised `error`, if any): discard a request's scope; take back
    from a conversation's the placeholders issued new to a call that never ran."""
    privacy = run.parts.privacy
    if not privacy.enabled or run.scope is None:
        return
    if run.scope.kind == "request":
        privacy.vault.discard(run.scope)  # a request's placeholders die with it
    elif run.calls == 0 and run.fresh and not isinstance(error, ApprovalPending):
        privacy.vault.retract(run.scope, run.fresh)
