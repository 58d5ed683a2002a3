"""The CHARTER_SIGNALS_* switches read their values as every CHARTER_* setting does: a
value they cannot read is an error that names the variable, never a silent default."""

from __future__ import annotations

import pytest

from charter.config import Settings
from charter.errors import ConfigurationError
from charter.signals import default_signals
from charter.signals.base import env_flag
from charter.signals.classifier import CONTEXT_ENV
from charter.signals.combine import TARGETED_HARM_ENV
from charter.signals.memo import MEMO_ENV, memo_size


@pytest.mark.parametrize(
    ("env", "value"),
    [
        (TARGETED_HARM_ENV, "2"),  # stayed off
        (TARGETED_HARM_ENV, "enabled"),  # stayed off
        (CONTEXT_ENV, "of"),  # stayed on
        (MEMO_ENV, "-5"),  # switched the memo off
        (MEMO_ENV, "lots"),
    ],
)
def test_a_mistyped_switch_stops_the_signals_from_loading(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigurationError) as raised:
        default_signals()
    assert f"{env}={value!r}: expected" in str(raised.value)


@pytest.mark.parametrize("value", ["1", "0", "true", "FALSE", "On", "off", "yes", "No", "t", "n"])
def test_a_switch_accepts_what_the_other_settings_accept(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(TARGETED_HARM_ENV, f" {value} ")
    assert (
        env_flag(TARGETED_HARM_ENV, default=False)
        is Settings.from_env({"CHARTER_TELEMETRY": value}).telemetry
    )
    monkeypatch.setenv(TARGETED_HARM_ENV, "")
    assert env_flag(TARGETED_HARM_ENV, default=True) is True  # empty: the default


def test_the_memo_size_is_a_whole_number_from_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMO_ENV, "0")
    assert memo_size() == 0
    monkeypatch.setenv(MEMO_ENV, "64")
    assert memo_size() == 64
