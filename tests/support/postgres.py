"""A throwaway PostgreSQL server started from the local binaries, for tests and benches.

`initdb` refuses to run as root, so when the suite runs as root the data directory is
owned by an unprivileged system user (`charter-pg`, created if missing, else `nobody`)
and the server binaries run through `runuser`. The server listens on a free 127.0.0.1
port with its socket in the same temporary directory, and everything is removed on stop.

The server start is plain functions (`start_postgres()`, `shared_postgres()`, also used by
`bench/`); the pytest fixtures at the end wrap them. Conftests import those fixtures, and
`shared_postgres()` makes every importer share one server per test process.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SERVICE_USER = "charter-pg"
_BINARIES = ("initdb", "pg_ctl", "postgres")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (the reason says where we looked)."""


class PostgresStartError(RuntimeError):
    """The binaries exist but the server would not initialise or start (a real failure)."""


def find_bindir() -> Path:
    """The directory holding `initdb`, `pg_ctl` and `postgres`, newest version first."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    candidates += [Path(p) for p in versions]
    for bindir in candidates:
        if all((bindir / name).is_file() for name in _BINARIES):
            return bindir
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in "
        "/usr/lib/postgresql/*/bin; install the postgresql server package to run these tests"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _service_user() -> pwd.struct_passwd | None:
    """None when we are not root; else the unprivileged user the server runs as. On a fresh
    machine every test worker may get here at once: the check and `useradd` run under one
    file lock, so no worker sees the user half-made."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(SERVICE_USER)
    lock_path = Path(tempfile.gettempdir()) / "charter-pg-useradd.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _create_service_user()


def _create_service_user() -> pwd.struct_passwd:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(SERVICE_USER)  # another worker made it while we waited
    useradd = shutil.which("useradd")
    if useradd:
        subprocess.run(
            [
                useradd,
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            capture_output=True,
            check=False,
        )
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(SERVICE_USER)
    return pwd.getpwnam("nobody")


def _chown_tree(root: Path, user: pwd.struct_passwd) -> None:
    os.chown(root, user.pw_uid, user.pw_gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), user.pw_uid, user.pw_gid)


@dataclass
class PostgresServer:
    """One running (or stopped) throwaway server; `url()` gives SQLAlchemy URLs."""

    bindir: Path
    root: Path
    durable: bool = False
    port: int = 0
    user: pwd.struct_passwd | None = None
    _databases: int = field(default=0, repr=False)
    _template: str | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    # --- lifecycle --------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            if shutil.which("runuser"):
                cmd = ["runuser", "-u", self.user.pw_name, "--", *cmd]
            else:
                cmd = ["su", self.user.pw_name, "-s", "/bin/sh", "-c", shlex.join(cmd)]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
        return subprocess.run(
            cmd,
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def init(self) -> None:
        self.socket_dir.mkdir(exist_ok=True)
        if self.user is not None:
            _chown_tree(self.root, self.user)
        done = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        if done.returncode != 0:
            raise PostgresStartError(f"initdb failed: {done.stderr.strip() or done.stdout}")

    def start(self) -> None:
        settings = [
            f"-p {self.port}",
            f"-k {self.socket_dir}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
        ]
        if not self.durable:
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        last = ""
        for _attempt in range(3):
            if not self.port or last:
                self.port = _free_port()
                settings[0] = f"-p {self.port}"
            done = self._run(
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(settings),
                "start",
            )
            if done.returncode == 0:
                return
            last = (
                self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            )
            last = last or done.stderr
        raise PostgresStartError(f"pg_ctl start failed: {last.strip()}")

    def stop(self, mode: str = "fast") -> None:
        if self.data_dir.joinpath("postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # --- databases --------------------------------------------------------------------

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """A fresh database (empty, or a copy of `template`); returns its URL."""
        import psycopg

        self._databases += 1
        name = name or f"t{self._databases}_{uuid.uuid4().hex[:8]}"
        copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def migrated_database(self) -> str:
        """A fresh database with Charter's schema at head, copied from a template migrated
        once per server (much faster than migrating each test's database)."""
        if self._template is None:
            from charter.store import connect, migrate

            url = self.create_database(f"charter_template_{uuid.uuid4().hex[:8]}")
            engine = connect(url)
            try:
                migrate(engine)
            finally:
                engine.dispose()  # a template must have no open connections
            self._template = url.rsplit("/", 1)[1]
        return self.create_database(template=self._template)


def start_postgres(*, durable: bool = False) -> PostgresServer:
    """Create, initialise and start a throwaway server. Call `remove()` when done.

    `durable=False` (tests) turns off fsync; benches pass `durable=True` for honest numbers.
    Raises `PostgresUnavailable` when there are no server binaries, `PostgresStartError`
    when they exist but fail.
    """
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="charter-pg-"))
    server = PostgresServer(bindir=bindir, root=root, durable=durable, user=_service_user())
    try:
        server.init()
        server.start()
    except BaseException:
        server.remove()
        raise
    return server


@contextlib.contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    server = start_postgres(durable=durable)
    try:
        yield server
    finally:
        server.remove()


def throwaway_postgres() -> Iterator[PostgresServer]:
    """For a fixture: a server of the test's own (one it stops, freezes or restarts),
    skipped when there are no server binaries, removed afterwards."""
    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.remove()


_shared: PostgresServer | None = None
_shared_lock = threading.Lock()


def shared_postgres() -> PostgresServer:
    """One server per test process, shared by every fixture that asks; removed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = start_postgres()
            atexit.register(_shared.remove)
        return _shared


# --- pytest fixtures (import them into a conftest) ------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The shared throwaway server; skipped only when no server binaries exist."""
    try:
        return shared_postgres()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of the server's maintenance database (create test databases, don't fill it)."""
    return postgres_server.url()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store on each backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'charter.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture(params=BACKENDS)
def migrated_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Like `store_url`, with the schema already at head (PostgreSQL: a template copy)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'charter.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.migrated_database()
