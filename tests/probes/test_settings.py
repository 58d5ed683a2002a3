"""Probe settings: paths in charter.toml are relative to the file, lists from the
environment are comma-separated, a table there is JSON, thresholds are checked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from charter.config import Settings
from charter.errors import ConfigurationError
from charter.probes import ProbeThresholds, thresholds_from


def test_probe_corpus_paths_are_relative_to_charter_toml(tmp_path: Path) -> None:
    (tmp_path / "charter.toml").write_text(
        '[charter]\nprobe_target = "app.chat:answer"\nprobe_corpus = ["probes/set.jsonl"]\n'
    )
    settings = Settings.load(environ={}, cwd=tmp_path / "sub")
    assert settings.probe_target == "app.chat:answer"
    assert settings.probe_corpus == (str(tmp_path / "probes" / "set.jsonl"),)


def test_lists_from_the_environment_are_comma_separated() -> None:
    env = {"CHARTER_PROBE_CORPUS": "a.jsonl, b.jsonl", "CHARTER_PII_REGIONS": "TR,EU"}
    settings = Settings.from_env(env)
    assert settings.probe_corpus == ("a.jsonl", "b.jsonl")
    assert settings.pii_regions == ("TR", "EU")


@pytest.mark.parametrize("value", ["1e10", "inf", "31536001"])
def test_a_probe_timeout_over_a_year_is_refused_naming_it(value: str) -> None:
    """Found by probing: `inf` or 1e10 was taken, then every probe call failed with
    OverflowError (a false "all probes failed" alert) while the calls went on."""
    with pytest.raises(ConfigurationError, match=r"probe_timeout_s: .* over the limit of 31536000"):
        Settings.from_env({"CHARTER_PROBE_TIMEOUT_S": value})


def test_a_probe_timeout_of_days_lets_every_charter_start(tmp_path: Path) -> None:
    """Found by review: a one-day limit refused `probe_timeout_s = 172800` in charter.toml,
    a setting only `charter probe` uses, and so stopped every Charter from being built."""
    (tmp_path / "charter.toml").write_text("probe_timeout_s = 172800\n")
    assert Settings.load(environ={}, cwd=tmp_path).probe_timeout_s == 172800
    year = Settings.from_env({"CHARTER_PROBE_TIMEOUT_S": "31536000"})
    assert year.probe_timeout_s == 365 * 86400


def test_a_wait_past_what_a_timer_holds_still_returns_the_answer() -> None:
    from charter.probes.deadline import call_within

    def slow() -> str:
        time.sleep(0.05)  # still running when the caller starts waiting
        return "refused"

    assert call_within(slow, 1e10) == "refused"  # before: OverflowError


def test_thresholds_from_the_environment_are_a_json_object() -> None:
    """Found by probing: `charter init`'s file says every key can be set as CHARTER_<KEY>,
    but CHARTER_PROBE_THRESHOLDS='{"rate_warn":0.2}' was refused as not a dictionary."""
    env = {"CHARTER_PROBE_THRESHOLDS": '{"rate_warn": 0.2, "min_items": 3}'}
    settings = Settings.from_env(env)
    assert thresholds_from(settings.probe_thresholds) == ProbeThresholds(rate_warn=0.2, min_items=3)
    assert Settings.from_env({"CHARTER_PROBE_THRESHOLDS": ""}).probe_thresholds == {}
    with pytest.raises(ConfigurationError, match="probe_thresholds: not a JSON object like"):
        Settings.from_env({"CHARTER_PROBE_THRESHOLDS": "rate_warn=0.2"})


def test_thresholds_are_checked() -> None:
    assert thresholds_from({"rate_alert": 0.2}) == ProbeThresholds(rate_alert=0.2)
    with pytest.raises(ConfigurationError, match="drift_alert"):
        thresholds_from({"drift_alert": 2.0})
