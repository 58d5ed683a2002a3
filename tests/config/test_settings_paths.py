"""Path-valued settings: where a path written in charter.toml or CHARTER_* points."""

from __future__ import annotations

from pathlib import Path

import pytest

import charter
from charter.config import DEFAULT_POLICIES, Settings
from charter.errors import ConfigurationError


def _toml(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "charter.toml"
    path.write_text(f"[charter]\n{body}", encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def test_tilde_is_the_home_folder_in_the_file_and_the_environment(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: `~/...` in charter.toml was neither expanded nor anchored, so each
    working directory got a literal `~` folder with its own store and checkpoints."""
    project = tmp_path / "project"
    _toml(
        project,
        'store_url = "sqlite:///~/charter.db"\naudit_checkpoint_file = "~/cp.jsonl"\n'
        'policies = "~/pol"\nprobe_corpus = ["~/probes.jsonl"]\n',
    )
    s = Settings.load(environ={"CHARTER_REVIEWERS_FILE": "~/rev.json"}, cwd=project)
    assert s.store_url == f"sqlite:///{home / 'charter.db'}"
    assert s.audit_checkpoint_file == str(home / "cp.jsonl")
    assert s.policies == str(home / "pol")
    assert s.probe_corpus == (str(home / "probes.jsonl"),)
    assert s.reviewers_file == str(home / "rev.json")
    built = Settings(store_url="sqlite:///~/direct.db")
    assert built.store_url == f"sqlite:///{home / 'direct.db'}"

    work = project / "sub"
    work.mkdir()
    monkeypatch.chdir(work)
    shipped = str(DEFAULT_POLICIES)  # ~/pol holds none
    ch = charter.Charter(Settings.load(environ={}, cwd=work, policies=shipped), telemetry=False)
    try:
        ch.check("hello there")
    finally:
        ch.close()
    assert (home / "charter.db").is_file() and (home / "cp.jsonl").is_file()
    assert not (work / "~").exists() and not (project / "~").exists()


def test_a_sqlite_uri_store_in_the_file_is_relative_to_the_file(tmp_path: Path) -> None:
    """Found by review: `sqlite:///file:data/c.db?uri=true` in charter.toml was joined onto
    the file's folder whole (`<folder>/file:data/c.db?uri=true`), a path that names no
    store; the URI's own path is anchored and its query kept."""
    from sqlalchemy.engine import make_url

    from charter.store.db import sqlite_file

    project = tmp_path / "pro ject"
    _toml(project, 'store_url = "sqlite:///file:data/c.db?uri=true&cache=private"\n')
    s = Settings.load(environ={}, cwd=project)
    assert s.store_url.endswith("?uri=true&cache=private"), s.store_url
    assert sqlite_file(make_url(s.store_url)) == str(project.resolve() / "data" / "c.db")
    _toml(project, 'store_url = "sqlite:///file:/abs/c.db?uri=true"\n')
    assert Settings.load(environ={}, cwd=project).store_url == "sqlite:///file:/abs/c.db?uri=true"


def test_an_unknown_user_is_a_clear_error(tmp_path: Path, home: Path) -> None:
    path = _toml(tmp_path / "project", 'reviewers_file = "~no-such-user-here/rev.json"\n')
    with pytest.raises(ConfigurationError, match="cannot expand '~no-such-user-here'") as err:
        Settings.load(environ={}, cwd=path.parent)
    assert str(path) in str(err.value)
    with pytest.raises(ConfigurationError, match=r"CHARTER_POLICIES.*cannot expand"):
        Settings.load(environ={"CHARTER_POLICIES": "~no-such-user-here"}, cwd=home)


def test_a_probe_corpus_written_as_one_string_is_relative_to_the_file(tmp_path: Path) -> None:
    """Found by probing: `probe_corpus = "myprobes.jsonl"` (a string, as the environment
    writes a list) was read relative to the working directory, so `charter probe` run from
    a subfolder found no probe set; a list was relative to the file."""
    project = tmp_path / "project"
    _toml(project, 'probe_corpus = "probes.jsonl, sets/more.jsonl"\n')
    sub = project / "sub"
    sub.mkdir()
    s = Settings.load(environ={}, cwd=sub)
    assert s.probe_corpus == (str(project / "probes.jsonl"), str(project / "sets" / "more.jsonl"))


def test_tilde_in_a_store_given_on_the_command_line_is_the_home_folder(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by review: `--store sqlite:///~/c.db` was used as written by `charter approvals`
    (a missing `./~/c.db`) and by the console (which made a literal `./~/` folder)."""
    from typer.testing import CliRunner

    from charter.approvals.queue import ApprovalQueue
    from charter.cli.approvals import app

    ApprovalQueue(f"sqlite:///{home / 'c.db'}").close()  # the store, in the home folder
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for args in (["list", "--store", "sqlite:///~/c.db"], ["list", "--store", "~/c.db"]):
        result = CliRunner().invoke(app, args)
        if args[-1] == "~/c.db":  # not a URL: refused as such, nothing made
            assert result.exit_code != 0
            continue
        assert result.exit_code == 0, result.output  # the store in the home folder was read
        assert "no approval requests in store" in result.output
    assert not (work / "~").exists()
