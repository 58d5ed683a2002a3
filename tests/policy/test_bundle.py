from __future__ import annotations

import subprocess
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from charter.decision import Action
from charter.errors import BundleError
from charter.policy.bundle import build_tarball, load_directory
from charter.policy.embedded import EmbeddedEngine
from charter.policy.remote import BundlePoller, load_bundle


def test_data_json_path_becomes_data_path(minimal_dir: Path) -> None:
    bundle = load_directory(minimal_dir)
    assert bundle.data == {"charter": {"config": {"blocked": ["weapons", "casino"]}}}
    assert [p for p, _ in bundle.modules] == ["charter/main.rego"]
    assert [p for p, _ in bundle.tests] == ["charter/main_test.rego"]


def test_tarball_round_trip_is_opa_shaped(minimal_dir: Path, tmp_path: Path) -> None:
    bundle = load_directory(minimal_dir)
    out = build_tarball(bundle, tmp_path / "bundle.tar.gz")
    with tarfile.open(out) as tar:
        names = sorted(tar.getnames())
    assert names == ["/.manifest", "/charter/data.json", "/charter/main.rego"]
    again = load_bundle(out)
    assert again.revision == bundle.revision
    assert again.data == bundle.data
    engine = EmbeddedEngine(out)
    assert engine.evaluate({"text": "casino"}).action is Action.DENY


def test_revision_is_the_git_commit_when_clean(minimal_dir: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(minimal_dir), str(repo)], check=True)
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "policies"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert load_directory(repo).revision == head.strip()[:12]
    (repo / "charter" / "main.rego").write_text(
        (repo / "charter" / "main.rego").read_text() + "\n# edited\n"
    )
    assert load_directory(repo).revision.startswith(head.strip()[:12] + "+dirty.")


def test_revision_is_a_content_hash_outside_git(minimal_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(minimal_dir), str(copy)], check=True)
    rev = load_directory(copy).revision
    assert rev.startswith("sha256:")
    (copy / "charter" / "data.json").write_text('{"config": {"blocked": []}}')
    assert load_directory(copy).revision != rev


def test_bad_sources_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="neither a directory"):
        load_bundle(tmp_path / "nope")
    (tmp_path / "x.tar.gz").write_bytes(b"garbage")
    with pytest.raises(BundleError, match="not a readable"):
        load_bundle(tmp_path / "x.tar.gz")
    (tmp_path / "d" / "charter").mkdir(parents=True)
    (tmp_path / "d" / "charter" / "main.rego").write_text("package charter.main\ndecision := 1\n")
    (tmp_path / "d" / "charter" / "data.json").write_text("{oops")
    with pytest.raises(BundleError, match=r"data.json:1:2: invalid JSON"):
        load_bundle(tmp_path / "d")


class _BundleServer:
    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self.etag = '"v1"'
        self.hits: list[str | None] = []


@pytest.fixture
def bundle_server(minimal_dir: Path, tmp_path: Path) -> Iterator[tuple[str, _BundleServer]]:
    state = _BundleServer(
        build_tarball(load_directory(minimal_dir), tmp_path / "b.tgz").read_bytes()
    )

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def do_GET(self) -> None:
            state.hits.append(self.headers.get("If-None-Match"))
            if self.headers.get("If-None-Match") == state.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", state.etag)
            self.send_header("Content-Length", str(len(state.blob)))
            self.end_headers()
            self.wfile.write(state.blob)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bundle.tar.gz", state
    server.shutdown()
    server.server_close()


def test_url_bundle_is_polled_with_etag(
    bundle_server: tuple[str, _BundleServer], minimal_dir: Path, tmp_path: Path
) -> None:
    url, state = bundle_server
    engine = EmbeddedEngine(url, poll_interval_s=3600)  # we drive polls by hand
    try:
        assert engine.evaluate({"text": "casino"}).action is Action.DENY
        poller = engine._poller
        assert isinstance(poller, BundlePoller)
        # unchanged: the server sees our ETag and answers 304
        poller._etag = state.etag
        assert poller.poll_once() is False
        assert state.hits[-1] == '"v1"'
        # a merged change: new content, new ETag -> swapped within one poll
        changed = tmp_path / "changed"
        subprocess.run(["cp", "-r", str(minimal_dir), str(changed)], check=True)
        (changed / "charter" / "data.json").write_text('{"config": {"blocked": ["crypto"]}}')
        state.blob = build_tarball(load_directory(changed), tmp_path / "c.tgz").read_bytes()
        state.etag = '"v2"'
        assert poller.poll_once() is True
        assert engine.evaluate({"text": "casino"}).action is Action.ALLOW
        assert engine.evaluate({"text": "crypto"}).action is Action.DENY
        # a broken bundle keeps the current one
        state.blob, state.etag = b"not a tarball", '"v3"'
        assert poller.poll_once() is False
        assert engine.evaluate({"text": "crypto"}).action is Action.DENY
    finally:
        engine.close()
