"""A PostgreSQL store URL on an install without the `postgres` extra (found by probing: every
guarded call raised a bare `ModuleNotFoundError: No module named 'psycopg'`, and the CLI's
one line did not name the extra). It is a `ConfigurationError` that says what to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli.main import app
from charter.config import Settings
from charter.errors import ConfigurationError
from charter.guard import Charter
from charter.signals import SignalSet

URL = "postgresql://app:secret@127.0.0.1:5999/charter"
EXTRA = "pip install 'charter[postgres]'"


@pytest.fixture(autouse=True)
def no_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver is not installed: importing it fails as it does on a base install."""
    monkeypatch.setitem(sys.modules, "psycopg", None)


@pytest.mark.parametrize(
    "url", [URL, "postgresql://app@127.0.0.1:5999/charter?password=secret&sslmode=require"]
)
def test_a_guarded_call_names_the_postgres_extra(tmp_path: Path, url: str) -> None:
    """A password in the user part or in the query (review: the query's was shown) stays
    hidden in the message."""
    values = {"store_url": url, "pii_mode": "pattern", "telemetry": False}
    charter = Charter(Settings.build(values), signals=SignalSet([]))
    called = []

    @charter.guard(model="m", provider="openai")
    def ask(prompt: str) -> str:
        called.append(prompt)
        return "ok"

    for _ in range(2):  # the second call is told the same, not a half-built component
        with pytest.raises(ConfigurationError) as err:
            ask("hello")
        assert EXTRA in str(err.value)
        assert "secret" not in str(err.value)
    assert called == []
    charter.close()


def test_the_cli_names_the_postgres_extra() -> None:
    result = CliRunner().invoke(app, ["approvals", "list", "--store", URL])
    assert result.exit_code == 2
    assert "ModuleNotFoundError" not in result.output
    assert EXTRA in result.output
