"""Issue 14 #11: CLI commands printed Python tracebacks on bad input.

Every command, discovered from the `charter` app itself (plugins included, so a new
command fails `test_every_command_has_bad_input_here` until it gets a case below), is fed
bad input: a store URL that is not one, a missing file, malformed JSON/TOML, a bad
duration, an unknown id. Each must answer with one clear line and a hint (`error: what;
what to do`, or click's usage error), exit status 2, and no traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from charter.cli.main import app

BAD_URL = "nosuch://nowhere"
DB = "sqlite:///{tmp}/charter.db"
# Per command: argument lists (`{tmp}` is a folder holding bad.json, bad.toml, plain.txt).
BAD_INPUT: dict[str, list[list[str]]] = {
    "init": [["{tmp}/plain.txt"]],
    "console": [["--store", BAD_URL], ["--window", "soon"]],
    "demo": [["--workdir", "{tmp}/plain.txt", "--headless"]],
    "policy check": [["{tmp}/missing"]],
    "policy test": [["{tmp}/missing"]],
    "policy eval": [["policies", "-i", "{tmp}/bad.json"], ["policies", "-i", "{tmp}/nope.json"]],
    "policy explain": [["policies", "-i", "{tmp}/bad.json"]],
    "policy build": [["{tmp}/missing", "-o", "{tmp}/out.tar.gz"]],
    "policy replay": [
        ["--candidate", "policies", "--store", BAD_URL],
        ["--candidate", "policies", "--store", DB, "--since", "soonish"],
    ],
    "approvals list": [["--store", BAD_URL], ["--state", "bogus", "--store", DB]],
    "approvals show": [["apr_nope", "--store", DB]],
    "approvals approve": [["apr_nope", "--as", "alice", "--store", DB]],
    "approvals reject": [["apr_nope", "--as", "alice", "--reason", "no", "--store", DB]],
    "approvals watch": [["--once", "--store", BAD_URL]],
    "audit verify": [["--store", BAD_URL], ["--store", DB, "--checkpoint", "{tmp}/nope.jsonl"]],
    "audit export": [["--store", BAD_URL], ["--store", DB, "--since", "soonish"]],
    "eval run": [["{tmp}/nope.jsonl"], ["{tmp}/bad.json"]],
    "eval pii": [["{tmp}/nope.jsonl"], ["{tmp}/bad.json"]],
    "eval revise": [["{tmp}/nope.jsonl"], ["{tmp}/bad.json"]],
    "config show": [["--config-env={tmp}/bad.toml"]],
    "signals train": [["--data", "{tmp}/missing"]],
    "signals sources": [["--data", "{tmp}/missing"]],
    "signals heads": [["--data", "{tmp}/missing"], ["--data", "{tmp}/plain.txt"]],
    "signals soup": [
        ["{tmp}/missing", "{tmp}/also-missing", "--out", "{tmp}/soup"],
        ["{tmp}/plain.txt", "--out", "{tmp}/soup"],
    ],
    "signals align": [
        [
            "{tmp}/missing",
            "--to",
            "{tmp}/also-missing",
            "--texts",
            "{tmp}/bad.json",
            "--out",
            "{tmp}/a",
        ],
        [
            "{tmp}/missing",
            "--to",
            "{tmp}/also-missing",
            "--texts",
            "{tmp}/plain.txt",
            "--out",
            "{tmp}/a",
        ],
    ],
    "probe": [["--once", "--store", BAD_URL, "--target", "x:y"], ["--every", "soonish"]],
    "probe history": [["--store", BAD_URL]],
    "probe pin": [["run_nope", "--store", DB]],
    "drift report": [
        ["--baseline", "{tmp}/nope.jsonl", "--current", "{tmp}/nope.jsonl"],
        ["--baseline", "{tmp}/bad.json", "--current", "{tmp}/bad.json"],
    ],
    "monitor serve": [["--retention", "forever-ish"], ["--duration", "-5"]],
    "monitor export": [["--since", "soonish"], ["--spans", "{tmp}/nope.db"]],
}


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Every command a user can run: leaves, and groups that run on their own."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield " ".join(path)
        return
    if path and getattr(command, "invoke_without_command", False):
        yield " ".join(path)
    for name, sub in subcommands.items():
        yield from _commands(sub, (*path, name))


DISCOVERED = sorted(_commands(typer.main.get_command(app)))
CASES = [(name, args) for name in DISCOVERED for args in BAD_INPUT.get(name, [])]


def test_every_command_has_bad_input_here() -> None:
    assert len(DISCOVERED) >= 28
    assert sorted(BAD_INPUT) == DISCOVERED  # a new command needs its bad input above


@pytest.mark.parametrize(("command", "args"), CASES, ids=[f"{c}:{a}" for c, a in CASES])
def test_bad_input_gets_one_clear_line_a_hint_and_status_2(
    command: str, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.json").write_text('{"text": "unterminated', encoding="utf-8")
    (tmp_path / "bad.toml").write_text("store_url = [", encoding="utf-8")
    (tmp_path / "plain.txt").write_text("not a folder\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # whatever a command creates by default stays here
    env = {"CHARTER_CONFIG": ""}
    argv = [a.format(tmp=tmp_path) for a in args]
    if argv and argv[0].startswith("--config-env="):
        env["CHARTER_CONFIG"] = argv.pop(0).split("=", 1)[1]
    result = CliRunner().invoke(app, [*command.split(), *argv], env=env)

    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if lines and lines[0].startswith("Usage:"):  # click's own: usage, a hint, the error
        assert any(line.startswith("Try '") for line in lines)
        assert "Error" in result.stderr
        return
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, lines
    assert "; " in errors[0], errors[0]  # "what; what to do"
