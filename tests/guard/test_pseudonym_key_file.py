"""Found by review of the keyed pseudonyms: the key file beside a SQLite store was made 0600
in a store a group shares (folder 2770, database 0660), so a reviewer of the group could
decide nothing ("cannot read the pseudonym key"); a store folder the process cannot write
raised a bare PermissionError in each call of a personal-looking user and withheld every
other record as "could not be written"; and a relative store path found the key against
the working directory of each call, so after `os.chdir` one user had two pseudonyms and a
stray key was made. The key now takes the database's owner and group access, a key that
can be neither read nor made fails when the app is built, and it is found once."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

import charter as charter_pkg
from charter.approvals import ApprovalState, Reviewer
from charter.approvals.queue import ApprovalQueue
from charter.audit import iter_records
from charter.config import DEFAULT_POLICIES, Settings
from charter.decision import ApprovalSpec
from charter.errors import ApprovalPending, ConfigurationError
from charter.guard import Charter
from charter.pseudonyms import KEY_FILE_SUFFIX, Pseudonyms, pseudonyms_for
from charter.testing import make_charter

EMAIL = "zeynep.kaya77@example.org"
NOBODY = 65534


def _hold(charter: Charter) -> str:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    with charter_pkg.context(user=EMAIL), pytest.raises(ApprovalPending) as held:
        issue_refund("A-17", 900.0)
    return held.value.ticket


def test_a_store_a_group_shares_gets_a_key_the_group_can_read(tmp_path: Path) -> None:
    database = tmp_path / "charter.db"
    database.touch()
    os.chmod(database, 0o664)  # shared with the group; others may read it
    if os.geteuid() == 0:
        os.chown(database, -1, NOBODY)  # the group the reviewers are in
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    _hold(charter)
    charter.close()
    key = Path(str(database) + KEY_FILE_SUFFIX).stat()
    assert stat.S_IMODE(key.st_mode) == 0o660  # the group's access, never others'
    assert key.st_gid == database.stat().st_gid


def test_a_private_store_gets_an_owner_only_key(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    _hold(charter)
    charter.close()
    assert stat.S_IMODE(Path(f"{tmp_path / 'charter.db'}{KEY_FILE_SUFFIX}").stat().st_mode) == 0o600


_CANNOT_WRITE = textwrap.dedent("""
    import sys
    from pathlib import Path
    from charter.config import DEFAULT_POLICIES
    from charter.errors import ConfigurationError
    from charter.pseudonyms import pseudonyms_for
    from charter.testing import make_charter
    folder = Path(sys.argv[1])
    try:
        make_charter(DEFAULT_POLICIES, folder, audit_mode="sync")
    except ConfigurationError as exc:
        print("build:", exc)
    try:
        pseudonyms_for("", f"sqlite:///{folder / 'charter.db'}").key
    except ConfigurationError as exc:
        print("read:", exc)
""")


def _as_someone_who_cannot_write(folder: Path) -> str:
    """Run `_CANNOT_WRITE` as a user who owns the database files but not their folder."""
    command = [sys.executable, "-c", _CANNOT_WRITE, str(folder)]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to drop root")
        for file in folder.iterdir():
            os.chown(file, NOBODY, NOBODY)
        folder.chmod(0o755)
        drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        command = drop + command
    else:
        folder.chmod(0o555)
    env = {**os.environ, "HOME": "/tmp", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd="/tmp")
    folder.chmod(0o755)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_key_that_cannot_be_made_fails_the_build_with_what_to_do() -> None:
    folder = Path(tempfile.mkdtemp())  # under /tmp: a folder another user can enter
    folder.chmod(0o755)
    try:
        _key_cannot_be_made(folder)
    finally:
        shutil.rmtree(folder)


def _key_cannot_be_made(folder: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, folder, audit_mode="sync")
    charter.audit  # noqa: B018 - the database, made by an earlier version: no key file
    charter.close()
    Path(f"{folder / 'charter.db'}{KEY_FILE_SUFFIX}").unlink(missing_ok=True)
    said = _as_someone_who_cannot_write(folder)
    key = f"{folder / 'charter.db'}{KEY_FILE_SUFFIX}"
    build, read = said.splitlines()
    assert build.startswith(f"build: cannot make the pseudonym key {key}")
    assert "writable" in build and "vault_key" in build
    assert read.startswith(f"read: cannot make the pseudonym key {key}")  # not PermissionError


def test_the_key_is_found_once_not_against_each_calls_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)  # the default store_url is relative: .charter/charter.db
    charter = Charter(
        Settings.build(
            {"policies": str(DEFAULT_POLICIES), "telemetry": False, "audit_mode": "sync"}
        )
    )

    @charter.guard.tool
    def get_balance(account_no: str) -> str:
        return "ok"

    with charter_pkg.context(user="+905325551234"):
        get_balance("A-1")
        os.chdir(second)  # a worker that changes directory
        get_balance("A-1")
    charter.close()
    url = f"sqlite:///{first / '.charter' / 'charter.db'}"
    ids = {r.input["user"]["id"] for r in iter_records(url) if r.input.get("tool")}
    assert ids == {pseudonyms_for("", url).user("+905325551234")}
    assert not list(second.rglob(f"*{KEY_FILE_SUFFIX}"))


def test_a_key_file_that_cannot_be_read_says_so_at_build(tmp_path: Path) -> None:
    Path(f"{tmp_path / 'charter.db'}{KEY_FILE_SUFFIX}").mkdir()  # unreadable as a file
    with pytest.raises(ConfigurationError, match="cannot read the pseudonym key"):
        make_charter(DEFAULT_POLICIES, tmp_path)


def _submit(queue: ApprovalQueue) -> str:
    action = {"kind": "tool_call", "function": "issue_refund", "text": "A-17"}
    spec = ApprovalSpec(approvers={"roles": ["finance"]}, timeout_s=60)
    held = queue.submit(
        spec=spec, action=action, requester=EMAIL, tenant="t", app="a", rule="r", decision_id="d"
    )
    return held.id


def test_a_store_reached_through_a_symlink_has_the_one_key(tmp_path: Path) -> None:
    """Found by probing: the key was named after the path as spelled, so a symlink to the
    store (a deploy's `current.db`) made a second key; the app's held request could then be
    neither approved through it ("another pseudonym key") nor resumed by its user."""
    real, link = tmp_path / "charter.db", tmp_path / "current.db"
    with ApprovalQueue(f"sqlite:///{real}") as queue:
        ticket = _submit(queue)
    link.symlink_to(real)
    with ApprovalQueue(f"sqlite:///{link}") as queue:
        queue.approve(ticket, Reviewer(id="bob", roles=("finance",)))
        assert queue.get(ticket).state is ApprovalState.APPROVED
    through_link = pseudonyms_for("", f"sqlite:///{link}")
    assert through_link.user(EMAIL) == pseudonyms_for("", f"sqlite:///{real}").user(EMAIL)
    keys = [p.name for p in tmp_path.glob(f"*{KEY_FILE_SUFFIX}")]
    assert keys == [f"charter.db{KEY_FILE_SUFFIX}"]


def _keyed_under_the_symlink(tmp_path: Path) -> tuple[Path, Path, bytes, str]:
    """A store a release before keyed under its symlink's name (`current.db.pseudonym-key`),
    with a request held under that key: (database, symlink, key, ticket)."""
    real, link = tmp_path / "rel" / "charter.db", tmp_path / "current.db"
    real.parent.mkdir()
    link.symlink_to(real)
    key = os.urandom(32)
    spelled = Path(f"{link}{KEY_FILE_SUFFIX}")
    spelled.write_bytes(base64.b64encode(key) + b"\n")
    spelled.chmod(0o600)
    with ApprovalQueue(f"sqlite:///{link}", pseudonyms=Pseudonyms(lambda: key)) as queue:
        ticket = _submit(queue)
    return real, link, key, ticket


def _approve(store: Path, ticket: str) -> None:
    with ApprovalQueue(f"sqlite:///{store}") as queue:
        queue.approve(ticket, Reviewer(id="bob", roles=("finance",)))
        assert queue.get(ticket).state is ApprovalState.APPROVED


def test_a_store_keyed_under_its_symlink_keeps_that_key_by_either_path(tmp_path: Path) -> None:
    """Found by probing: the key kept under the symlink's name was lost once a process
    opened the store by its real path: that process made a key under the real name, every
    process switched to it, and the held request could be neither approved nor resumed.
    The first process by the symlink now links the key to the real name."""
    real, link, key, ticket = _keyed_under_the_symlink(tmp_path)
    with ApprovalQueue(f"sqlite:///{link}") as queue:  # the app, upgraded
        assert queue.pseudonyms.key == key
    _approve(real, ticket)  # a process by the real path: the same key, none made
    assert Path(f"{real}{KEY_FILE_SUFFIX}").samefile(f"{link}{KEY_FILE_SUFFIX}")
    by_real_path, legacy = pseudonyms_for("", f"sqlite:///{real}"), Pseudonyms(lambda: key)
    assert by_real_path.user(EMAIL) == legacy.user(EMAIL)


def test_a_key_that_cannot_be_linked_is_copied_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, link, key, ticket = _keyed_under_the_symlink(tmp_path)
    spelled, linking = Path(f"{link}{KEY_FILE_SUFFIX}"), os.link

    def no_link_from_the_key(source: Any, target: Any, **kwargs: Any) -> None:
        if Path(source) == spelled:  # another file system, a key of another owner
            raise PermissionError(1, "Operation not permitted")
        linking(source, target, **kwargs)

    monkeypatch.setattr(os, "link", no_link_from_the_key)
    with ApprovalQueue(f"sqlite:///{link}") as queue:
        assert queue.pseudonyms.key == key
    monkeypatch.undo()
    resolved = Path(f"{real}{KEY_FILE_SUFFIX}")
    assert not resolved.samefile(spelled) and resolved.read_bytes() == spelled.read_bytes()
    shared = stat.S_IMODE(real.stat().st_mode) & 0o060  # as a key made new would be
    assert stat.S_IMODE(resolved.stat().st_mode) == 0o600 | shared
    assert [p.name for p in real.parent.iterdir() if p.name.startswith("charter.db.")] == [
        resolved.name  # no draft left
    ]
    _approve(real, ticket)


def test_a_key_the_real_path_made_first_does_not_replace_the_symlinks(tmp_path: Path) -> None:
    """A process by the real path that ran before any by the symlink made its own key (it
    cannot know the symlink's name): the symlink keeps the key the app's requests were held
    under, so they can still be approved and resumed through it."""
    real, link, key, ticket = _keyed_under_the_symlink(tmp_path)
    assert pseudonyms_for("", f"sqlite:///{real}").key != key  # a worker by the real path
    _approve(link, ticket)
    assert pseudonyms_for("", f"sqlite:///{link}").key == key
