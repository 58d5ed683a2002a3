"""`charter audit ...`: verify the decision log's hash chain, export it as JSON lines."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from charter.cli._common import StoreOption, clean_errors, fail, say, store_hint, store_url
from charter.cli._time import parse_since

if TYPE_CHECKING:
    from charter.audit import VerifyResult

app = typer.Typer(help="Verify and export the tamper-evident decision log.", no_args_is_help=True)


@app.command()
@clean_errors
def verify(
    store: StoreOption = None,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help="Checkpoint file the app wrote (or spans from `charter monitor export`): "
        "also fail when the log was cut short or rolled back since.",
    ),
    service: str | None = typer.Option(
        None,
        "--service",
        help="With spans of several apps: use the checkpoints of this service (its "
        "service.name), the app whose store this is.",
    ),
) -> None:
    """Check every record's hash and link; exit 1 naming the first broken record."""
    from charter.audit import read_checkpoints
    from charter.audit import verify as verify_log
    from charter.audit.checkpoint import services

    found = read_checkpoints(checkpoint) if checkpoint is not None else None
    result = verify_log(store_url(store), checkpoints=found, service=service)
    if found is not None and result.ok and not result.checkpoints:
        of = (
            f" of service {service!r} (services in it: {', '.join(services(found)) or 'none'})"
            if service
            else ""
        )
        typer.echo(
            f"warning: {checkpoint} holds no checkpoints{of}; only the chain was checked",
            err=True,
        )
    if as_json:
        typer.echo(json.dumps(_as_dict(result), sort_keys=True))
    elif result.ok and result.checked == 0:
        typer.echo(f"ok: no decision records in {store_hint(store)}")
    elif result.ok:
        of_service = f" of service {service}" if service else ""
        held = f"; {result.checkpoints} checkpoints{of_service} hold" if checkpoint else ""
        typer.echo(
            f"ok: {result.reason}{held}; chain head seq {result.head_seq} hash {result.head_hash}"
        )
    else:
        who = f" (decision_id {result.decision_id})" if result.decision_id else ""
        say(  # the id and the reason may quote a hand-edited row: escaped, on one line
            f"BROKEN at seq {result.first_broken_seq}{who}: {result.reason}; "
            f"{result.checked} records before it verified",
            one_line=True,
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command()
@clean_errors
def export(
    since: str | None = typer.Option(
        None,
        "--since",
        help="Only records at or after this: an age (24h, 7d) or an ISO time (UTC if no offset).",
    ),
    store: StoreOption = None,
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write to this file (default, or `-`: standard output)."
    ),
) -> None:
    """Write the decision log as JSON lines for a SIEM, oldest first. A record that cannot
    be read (edited by hand) is named on stderr and left out, one at an impossible seq (0
    or below) is named and written, the others are written, and the exit status is 1."""
    from charter.audit import export as export_log

    unreadable: list[Exception] = []
    out_of_place: list[Exception] = []
    records = export_log(
        store_url(store),
        since=parse_since("--since", since),
        on_unreadable=unreadable.append,
        on_out_of_place=out_of_place.append,
    )
    if output == Path("-"):
        output = None
    if output is None:
        count = _write_lines(records, sys.stdout)
    else:
        with _replaced_atomically(output) as stream:
            count = _write_lines(records, stream)
    where = f" to {output}" if output else ""
    empty = ""
    if count == 0 and not unreadable:  # the time filter, not the store, when one was given
        empty = f" (none since {since})" if since else f" (no records in {store_hint(store)})"
    for problem in [*out_of_place, *unreadable]:
        fail(str(problem))
    left_out = f"; {len(unreadable)} unreadable records left out" if unreadable else ""
    if out_of_place:
        left_out += f"; {len(out_of_place)} records out of place (exported as they are)"
    typer.echo(f"exported {count} records{where}{empty}{left_out}", err=True)
    if unreadable or out_of_place:
        raise typer.Exit(1)


def _write_lines(records: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    from charter._canonical import escape_surrogates

    count = 0
    for record in records:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        stream.write(escape_surrogates(line))  # a lone surrogate cannot be written as UTF-8
        stream.write("\n")
        count += 1
    return count


@contextlib.contextmanager
def _replaced_atomically(path: Path) -> Iterator[IO[str]]:
    """Write to a temporary file next to `path` and move it into place only when complete,
    so a failed export never leaves a truncated file or clobbers an earlier one. That is
    the point, so a file's other hard links keep the earlier export; the new file keeps
    the replaced one's mode (and owner, where allowed), a new one is 0600. What is not a
    regular file (`/dev/null`, a pipe, `/dev/stdout`, `/dev/fd/N`, a terminal) is written
    in place, through the path as given: moving a file over it would replace the device,
    and a pipe's /proc link names no directory. A symbolic link's target is replaced."""
    try:
        existing: os.stat_result | None = os.stat(path)  # follows links, as open() does
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with path.open("w", encoding="utf-8") as stream:
            yield stream
        return
    path = path.resolve()
    directory = path.parent
    if not directory.is_dir():
        raise fail(f"cannot write {path}: directory {directory} does not exist")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        if existing is not None:
            _chown(fd, existing)
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            yield stream
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _chown(fd: int, like: os.stat_result) -> None:
    """Give the file `like`'s owner and group, or its group alone, as far as allowed (only
    root may give a file to another user)."""
    for uid in (like.st_uid, -1):
        with contextlib.suppress(OSError):
            os.fchown(fd, uid, like.st_gid)
            return


def _as_dict(result: VerifyResult) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(result)
