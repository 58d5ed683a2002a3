"""Probe settings: paths in charter.toml are relative to the file, lists from the
environment are comma-separated, a table there is JSON, thresholds are checked."""

from __future__ import annotations

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
