"""`charter policy explain` shows which score crossed which threshold of the policy data."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from charter.cli.main import app

from .conftest import BUNDLE


def test_explain_names_the_score_and_the_threshold_it_crossed() -> None:
    doc = {
        "schema": 1,
        "stage": "input",
        "text": "x",
        "signals": {"harm": 0.91, "harm.indiscriminate_weapons": 0.91, "jailbreak": 0.62},
    }
    config = json.loads((BUNDLE / "charter" / "data.json").read_text())["config"]
    harm_threshold = config["harm"]["default"]["threshold"]
    review = config["jailbreak"]["review_threshold"]
    result = CliRunner().invoke(
        app, ["policy", "explain", str(BUNDLE), "--input", "-"], input=json.dumps(doc)
    )
    assert result.exit_code == 0, result.output
    assert f"harm score 0.91 >= {harm_threshold}" in result.output
    assert "harm.indiscriminate_weapons" in result.output
    assert f"score 0.62 >= review threshold {review}" in result.output
