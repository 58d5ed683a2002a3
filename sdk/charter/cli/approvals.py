"""`charter approvals`: list, show, approve, reject and watch held actions from a shell.

Reviewers are who the configuration says (a reviewers file, else `data.charter.reviewers`
in the policy bundle) and the policy's `can_approve` decides, asked of the engine the app
uses (an OPA server when `engine` names one); unknown reviewers are refused.
Reviewers see the redacted action only.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from charter.approvals.models import ApprovalRequest, ApprovalState, describe_approvers
from charter.cli._common import StoreOption, clean_errors, fail, say, store_hint
from charter.cli._signals import stop_on_signals
from charter.config import Settings

if TYPE_CHECKING:
    from charter.approvals.inbox import Inbox
    from charter.approvals.queue import ApprovalQueue

app = typer.Typer(
    help="Review held actions: list, show, approve, reject, watch.", no_args_is_help=True
)

PoliciesOption = Annotated[
    str | None,
    typer.Option(
        "--policies",
        help="Policy bundle deciding who may approve (default: the configured engine: the OPA "
        "server `engine` names, else `policies`, else the shipped bundle).",
    ),
]
ReviewersOption = Annotated[
    str | None,
    typer.Option(
        "--reviewers",
        help="JSON/TOML reviewers file (default: CHARTER_REVIEWERS_FILE, else the policy's "
        "data.charter.reviewers).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _existing(url: str) -> str:
    """`url`, refused when it names a SQLite file that does not exist: every approvals
    command reads what an app held, so a mistyped --store must not create (and migrate) an
    empty store there, report "no approval requests" and exit 0."""
    from charter.store.db import missing_sqlite_file

    if missing_sqlite_file(url):
        raise fail(
            f"no approval store at {url}: the file does not exist; check --store (or "
            "store_url in charter.toml, or CHARTER_STORE_URL)"
        )
    return url


def _queue(store: str | None) -> ApprovalQueue:
    from charter.approvals.queue import ApprovalQueue
    from charter.pseudonyms import pseudonyms_for

    settings = Settings.load(store_url=store) if store else Settings.load()
    where = _existing(settings.store_url)
    return ApprovalQueue(where, pseudonyms=pseudonyms_for(settings.vault_key, where))


def _reviewing_queue(
    store: str | None, policies: str | None, reviewers: str | None
) -> ApprovalQueue:
    """A queue whose reviewers and authorization come from configuration, through the
    engine the settings configure (an OPA server's when `engine` names one)."""
    from charter.approvals import queue_from_settings
    from charter.policy import engine_from_settings

    settings = Settings.load(store_url=store) if store else Settings.load()
    where = _existing(settings.store_url)
    engine = engine_from_settings(settings, policies=policies)
    return queue_from_settings(settings, engine, store=where, reviewers_file=reviewers)


def _state(request: ApprovalRequest) -> str:
    """An approval's state, and whether the app has used it (it cannot be used again)."""
    return f"{request.state.value}, used" if request.consumed_at else request.state.value


def _deadline(request: ApprovalRequest) -> tuple[str, datetime]:
    """What the request's time means: a pending one expires at it; an approved one must be
    used by it (`lifecycle.use_deadline`), and once used, when it was is what counts."""
    if request.consumed_at is not None:
        return "used", request.consumed_at
    if request.state is ApprovalState.APPROVED:
        return "use by", request.expires_at
    return "expires", request.expires_at


def _line(request: ApprovalRequest) -> str:
    votes = f"{request.approvals}/{request.min_approvals}"
    label, at = _deadline(request)
    return (
        f"{request.id}  {_state(request):<9}  {votes:>5}  "
        f"{label:<7} {at.isoformat(timespec='seconds')}  "
        f"rule {request.rule or '-'}  tenant {request.tenant or '-'}  app {request.app or '-'}"
    )


def _dump(requests: list[ApprovalRequest]) -> str:
    return json.dumps([r.model_dump(mode="json") for r in requests], indent=2)


@app.command("list")
@clean_errors
def list_requests(
    state: Annotated[
        ApprovalState | None, typer.Option("--state", help="Only requests in this state.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 50,
    reviewer: Annotated[
        str | None,
        typer.Option(
            "--for",
            help="Only pending requests this reviewer may decide now (as the console's inbox).",
        ),
    ] = None,
    as_json: JsonOption = False,
    store: StoreOption = None,
    policies: PoliciesOption = None,
    reviewers: ReviewersOption = None,
) -> None:
    """List approval requests, newest first."""
    inbox: Inbox | None = None
    if reviewer is None:
        with _queue(store) as queue:
            requests = queue.list(state, limit=limit)
    else:
        if state not in (None, ApprovalState.PENDING):
            raise fail("--for lists pending requests; drop --state")
        with _reviewing_queue(store, policies, reviewers) as queue:
            inbox = queue.inbox(reviewer, limit=limit)
        requests = inbox.requests
    if as_json:
        typer.echo(_dump(requests))
    elif not requests:
        which = "pending " if reviewer else (f"{state.value} " if state else "")
        whom = f" that {reviewer} may decide" if reviewer else ""
        say(f"no {which}approval requests{whom} in {store_hint(store)}")
    else:
        for request in requests:
            say(_line(request))
    if inbox is not None and not as_json:
        _say_rest(inbox, limit)


def _say_rest(inbox: Inbox, limit: int) -> None:
    """What the listing of an inbox left out: others' requests, and older ones unread."""
    if inbox.complete:
        if inbox.for_others:
            say(f"{inbox.for_others} more wait for other reviewers")
        return
    say(f"the newest {limit} you may decide; older pending requests were not read (--limit)")
    if inbox.for_others:
        say(f"{inbox.for_others} more in between wait for other reviewers")


@app.command("show")
@clean_errors
def show(request_id: str, as_json: JsonOption = False, store: StoreOption = None) -> None:
    """Show one request: the redacted action, the rule that held it, votes and history."""
    with _queue(store) as queue:
        request = queue.current(request_id)  # settled if overdue, as `list` shows it
    if as_json:
        typer.echo(request.model_dump_json(indent=2))
        return
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    say(f"request    {request.id}  ({_state(request)})")
    say(f"rule       {request.rule or '-'}")
    say(f"reason     {request.reason or '-'}")
    say(f"requester  {request.requester}  tenant {request.tenant}  app {request.app}")
    say(
        f"approvers  {describe_approvers(request.approvers)}; "
        f"{request.approvals} of {request.min_approvals} approvals"
    )
    label, at = _deadline(request)
    then = {
        "pending": f"  (on timeout: {request.on_timeout})",
        "approved": "  (unused by then: expires)",
    }
    say(f"{label:<10} {at.strftime(stamp)}{then.get(_state(request), '')}")
    say(f"action     sha256 {request.action_hash}")
    say(json.dumps(request.action, indent=2, ensure_ascii=False))
    for vote in request.votes:
        why = f": {vote.reason}" if vote.reason else ""
        say(f"vote       {vote.at.strftime(stamp)}  {vote.reviewer} {vote.verdict}{why}")
    for entry in request.history:
        states = f"{entry.from_state or '-'} -> {entry.to_state}"
        say(
            f"history    {entry.at.strftime(stamp)}  {entry.kind.value:<10} {entry.by}  "
            f"{states}  {entry.why}"
        )


@app.command("approve")
@clean_errors
def approve(
    request_id: str,
    as_: Annotated[str, typer.Option("--as", help="Your reviewer id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")] = "",
    store: StoreOption = None,
    policies: PoliciesOption = None,
    reviewers: ReviewersOption = None,
) -> None:
    """Approve a pending request as a configured reviewer."""
    with _reviewing_queue(store, policies, reviewers) as queue:
        request = queue.approve(request_id, as_, reason)
    say(_outcome(request, "approved"))


@app.command("reject")
@clean_errors
def reject(
    request_id: str,
    as_: Annotated[str, typer.Option("--as", help="Your reviewer id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required, recorded).")],
    store: StoreOption = None,
    policies: PoliciesOption = None,
    reviewers: ReviewersOption = None,
) -> None:
    """Reject a pending request as a configured reviewer; the action will not run."""
    with _reviewing_queue(store, policies, reviewers) as queue:
        request = queue.reject(request_id, as_, reason)
    say(_outcome(request, "rejected"))


@app.command("watch")
@clean_errors
def watch(
    interval: Annotated[
        float,
        typer.Option("--interval", min=0.1, max=86400.0, help="Seconds between polls (<= a day)."),
    ] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Print pending requests as they arrive (and apply overdue timeouts) until Ctrl-C."""
    seen: set[str] = set()
    with _queue(store) as queue, stop_on_signals() as stop:  # Ctrl-C or SIGTERM: exit 0
        while True:
            while due := queue.expire_due():  # all of them, each said
                for expired in due:
                    say(f"timeout    {expired.id}  now {expired.state.value}")
            # Every pending request, not one page: past the newest 100, the rest were
            # never printed (found by review). `seen` keeps only those still pending.
            fresh: list[ApprovalRequest] = []
            still: set[str] = set()
            for request in queue.pending():
                still.add(request.id)
                if request.id not in seen:
                    fresh.append(request)
            seen = still
            for request in reversed(fresh):
                if as_json:
                    typer.echo(request.model_dump_json())
                else:
                    say(_line(request))
            if once or stop.wait(interval):
                return


def _outcome(request: ApprovalRequest, verb: str) -> str:
    count = f"{request.approvals} of {request.min_approvals} approvals"
    if request.state is ApprovalState.PENDING:
        return f"{verb} {request.id}: {count}; still pending"
    return f"{verb} {request.id}: request is now {request.state.value} ({count})"
