"""Where a path-valued setting points: `~` is the home folder wherever the path comes from,
and a relative path in charter.toml is relative to the file, so every command run anywhere
below the project reads the same store, bundle and files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

SQLITE = "sqlite:///"


def comma_list(value: Any) -> Any:
    """A list given as one string, as the environment has it: `a.jsonl, b.jsonl`; any other
    value as it is."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def anchor_paths(values: dict[str, Any], base: Path) -> dict[str, Any]:
    """charter.toml's `values` with their relative paths resolved against `base`, its folder;
    `ValueError` for an unknown `~user`."""
    for key in ("policies", "reviewers_file", "audit_checkpoint_file"):
        value = values.get(key)
        if isinstance(value, str) and value not in ("", "off") and "://" not in value:
            values[key] = _under(base, value)
    corpus = comma_list(values.get("probe_corpus"))
    if isinstance(corpus, list | tuple):
        values["probe_corpus"] = [
            _under(base, c) if isinstance(c, str) and "://" not in c else c for c in corpus
        ]
    store = values.get("store_url")
    if isinstance(store, str) and store.startswith(SQLITE) and ":memory:" not in store:
        body = store[len(SQLITE) :]
        anchored = _under_uri(base, body) if body.startswith("file:") else _under(base, body)
        values["store_url"] = SQLITE + anchored
    return values


def _under_uri(base: Path, body: str) -> str:
    """A SQLite URI store (`file:data/charter.db?uri=true`) with its relative path resolved
    against `base`; an absolute one or one with an authority (`file://`) as it is. Found by
    review: the whole URI was joined onto the folder as a plain relative path."""
    path, sep, query = body.removeprefix("file:").partition("?")
    if not path or path.startswith("/"):
        return body
    return "file:" + quote(_under(base, unquote(path))) + sep + query


def _under(base: Path, path: str) -> str:
    """`path` (`~` expanded) if absolute, else resolved against the config file's folder."""
    path = expand_home(path)
    if not path or Path(path).is_absolute():
        return path
    return str((base / path).resolve())


def expand_home(value: str) -> str:
    """A path or SQLite URL with a leading `~` or `~user` expanded; anything else as is."""
    prefix = SQLITE if value.startswith(SQLITE) else ""
    path = value[len(prefix) :]
    if not path.startswith("~") or "://" in path:
        return value
    expanded = os.path.expanduser(path)
    if expanded.startswith("~"):  # os.path.expanduser leaves an unknown ~user as it was
        raise ValueError(f"{path!r}: cannot expand {path.split('/')[0]!r} (no such user)")
    return prefix + expanded
