"""Policy bundles: a directory, an OPA-compatible `.tar.gz`, or bytes fetched from a URL.

Follows OPA's bundle layout so the same artefact serves the embedded engine and an OPA
server unchanged: `.rego` files anywhere, `data.json` files whose directory path is their
data path (`charter/data.json` -> `data.charter`), and an optional `.manifest` with
`revision` and `roots`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from charter.errors import BundleError
from charter.policy.harm_data import check_harm_config
from charter.policy.shipped_data import check_shipped_data

TEST_SUFFIX = "_test.rego"


@dataclass(frozen=True)
class PolicyBundle:
    """Everything an engine needs, already read into memory (so reloads are atomic)."""

    modules: tuple[tuple[str, str], ...]
    """(path, source) of every policy module, tests excluded."""
    tests: tuple[tuple[str, str], ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    revision: str = ""
    roots: tuple[str, ...] = ("charter",)
    source: str = ""

    @property
    def data_json(self) -> str:
        return json.dumps(self.data)

    def content_hash(self) -> str:
        h = hashlib.sha256()
        for path, text in sorted(self.modules + self.tests):
            h.update(path.encode() + b"\0" + text.encode() + b"\0")
        h.update(json.dumps(self.data, sort_keys=True).encode())
        return h.hexdigest()


def load_directory(root: Path) -> PolicyBundle:
    files: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and _wanted(rel):
            files[rel] = p.read_bytes()
    bundle = _from_files(files, source=str(root))
    if bundle.revision:
        return bundle
    return _with_revision(bundle, directory_revision(root, bundle))


def load_tarball(blob: bytes, *, source: str = "<bytes>") -> PolicyBundle:
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            for member in tar.getmembers():
                name = PurePosixPath(member.name.lstrip("/")).as_posix().removeprefix("./")
                if not member.isfile() or ".." in PurePosixPath(name).parts:
                    continue
                if _wanted(name):
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        files[name] = extracted.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(f"{source}: not a readable .tar.gz bundle ({exc})") from None
    bundle = _from_files(files, source=source)
    if bundle.revision:
        return bundle
    return _with_revision(bundle, "sha256:" + bundle.content_hash()[:12])


def build_tarball(bundle: PolicyBundle, out: Path) -> Path:
    """Write an OPA-compatible bundle (`.manifest` with revision and roots)."""
    manifest = {"revision": bundle.revision, "roots": list(bundle.roots)}
    entries: list[tuple[str, bytes]] = [("/.manifest", json.dumps(manifest).encode())]
    entries += [("/" + p, t.encode()) for p, t in bundle.modules]
    for prefix, value in _split_data(bundle.data, bundle.roots):
        entries.append(("/" + "/".join([*prefix, "data.json"]), json.dumps(value).encode()))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, mode="w:gz") as tar:
        for name, payload in entries:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(payload))
    return out


def directory_revision(root: Path, bundle: PolicyBundle) -> str:
    """The git commit of the directory when it is clean in git, else a content hash."""
    content = "sha256:" + bundle.content_hash()[:12]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%H", "--", "."],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
        if not commit:
            return content
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return content
    return f"{commit[:12]}+dirty.{content[7:15]}" if dirty else commit[:12]


# --- internals -----------------------------------------------------------------------------


def _wanted(rel: str) -> bool:
    name = PurePosixPath(rel).name
    if any(part.startswith(".") and part != ".manifest" for part in PurePosixPath(rel).parts):
        return False
    return name.endswith(".rego") or name in ("data.json", ".manifest")


def _from_files(files: dict[str, bytes], *, source: str) -> PolicyBundle:
    modules: list[tuple[str, str]] = []
    tests: list[tuple[str, str]] = []
    data: dict[str, Any] = {}
    revision = ""
    roots: tuple[str, ...] = ("charter",)
    for rel, raw in sorted(files.items()):
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise BundleError(f"{source}/{rel}: not UTF-8 text") from None
        name = PurePosixPath(rel).name
        if name == ".manifest":
            manifest = _parse_json(text, f"{source}/{rel}")
            if not isinstance(manifest, dict):
                raise BundleError(f"{source}/{rel}: the manifest must be a JSON object")
            revision = str(manifest.get("revision") or "")
            roots = tuple(manifest.get("roots") or roots)
        elif name == "data.json":
            value = _parse_json(text, f"{source}/{rel}")
            _merge_at(data, list(PurePosixPath(rel).parent.parts), value, f"{source}/{rel}")
        elif name.endswith(TEST_SUFFIX):
            tests.append((rel, text))
        else:
            modules.append((rel, text))
    if not modules:
        raise BundleError(f"{source}: no .rego policy files found")
    _check_numbers(data, source)
    check_harm_config(tuple(modules), data, source)
    check_shipped_data(tuple(modules), data, source)
    return PolicyBundle(
        modules=tuple(modules),
        tests=tuple(tests),
        data=data,
        revision=revision,
        roots=roots,
        source=source,
    )


_NUMERIC_NAME = re.compile(r"(?:threshold|limit|_s|_ms|_score|_rounds|_approvals)$|^(?:min|max)_")
"""Settings whose name says they are numbers (`review_threshold`, `approval_limit`,
`timeout_s`, `min_approvals`, `max_rounds`, ...)."""


def _check_numbers(value: Any, source: str, path: tuple[str | int, ...] = ()) -> None:
    """Every setting named as a number is a JSON number. Rego orders values of different
    types by type, so `900 > "500"` is false: `"approval_limit": "500"` silently turned an
    approval off and `"threshold": "0.5"` would turn a harm rule off (found by probing).
    Refused when the bundle loads, naming the setting."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = (*path, key)
            named_a_number = isinstance(key, str) and _NUMERIC_NAME.search(key)
            if named_a_number and (isinstance(item, bool) or not isinstance(item, int | float)):
                name = ".".join(map(str, where))
                raise BundleError(f"{source}: data.{name} must be a number, got {json.dumps(item)}")
            _check_numbers(item, source, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_numbers(item, source, (*path, index))


def _with_revision(bundle: PolicyBundle, revision: str) -> PolicyBundle:
    return PolicyBundle(
        modules=bundle.modules,
        tests=bundle.tests,
        data=bundle.data,
        revision=revision,
        roots=bundle.roots,
        source=bundle.source,
    )


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant(where))
    except json.JSONDecodeError as exc:
        raise BundleError(f"{where}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None


def _no_constant(where: str) -> Any:
    """Python's reader takes NaN and Infinity, JSON and regorus do not: the bundle then
    failed to load with regorus' "expected value at line 1 column 8161" (of its own copy of
    the data, naming no file or setting; found by probing)."""

    def refuse(name: str) -> Any:
        raise BundleError(f"{where}: invalid JSON: {name} is no JSON number; write a number")

    return refuse


def _merge_at(data: dict[str, Any], prefix: list[str], value: Any, where: str) -> None:
    node = data
    for key in prefix:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise BundleError(f"{where}: conflicts with data defined at {'.'.join(prefix)}")
    if prefix:
        if not isinstance(value, dict):
            # a non-object data.json in a subdirectory replaces that node
            parent = data
            for key in prefix[:-1]:
                parent = parent[key]
            parent[prefix[-1]] = value
            return
    elif not isinstance(value, dict):
        raise BundleError(f"{where}: a root data.json must hold a JSON object")
    _deep_merge(node, value)


def _deep_merge(into: dict[str, Any], value: dict[str, Any]) -> None:
    for key, item in value.items():
        if isinstance(item, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], item)
        else:
            into[key] = item


def _split_data(data: dict[str, Any], roots: tuple[str, ...]) -> list[tuple[list[str], Any]]:
    """Write each root's data under its own directory, the rest at the bundle root."""
    out: list[tuple[list[str], Any]] = []
    rest = dict(data)
    for root in roots:
        parts = root.split("/")
        if len(parts) == 1 and parts[0] in rest:
            out.append((parts, rest.pop(parts[0])))
    if rest:
        out.append(([], rest))
    return out
