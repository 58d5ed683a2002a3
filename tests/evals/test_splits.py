"""Held-out vs in-distribution slices: by the family the classifier recorded, per category."""

from __future__ import annotations

from charter.decision import Action
from charter.evals import summarize
from charter.evals.corpus import Label
from charter.evals.runner import ItemResult, outcome_of


def _r(i: int, label: Label, category: str, family: str, lang: str, action: Action) -> ItemResult:
    return ItemResult(
        id=f"x{i}",
        label=label,
        category=category,
        stage="input",
        action=action,
        outcome=outcome_of(action),
        rules=(),
        family=family,
        lang=lang,
    )


def test_slices_split_by_trained_family_and_language() -> None:
    results = [
        _r(1, Label.BLOCKED, "hate", "harmbench", "en", Action.DENY),
        _r(2, Label.BLOCKED, "hate", "advbench", "en", Action.ALLOW),
        _r(3, Label.BLOCKED, "hate", "advbench", "tr", Action.REQUIRE_APPROVAL),
        _r(4, Label.ALLOWED, "benign", "orbench", "en", Action.DENY),
        _r(5, Label.ALLOWED, "benign", "charter-banking", "tr", Action.ALLOW),
        _r(6, Label.ALLOWED, "benign", "", "en", Action.ALLOW),
        _r(7, Label.BLOCKED, "violent_crimes", "Charter-Violent_Crimes", "en", Action.DENY),
    ]
    report = summarize(
        results,
        policy_revision="r",
        provider="openai",
        trained_families=("harmbench", "charter-banking", "charter-violent-crimes"),
    )
    splits = {s.name: s for s in report.splits}
    assert set(splits) == {"held-out", "in-distribution", "no family"}
    held = splits["held-out"]
    assert (held.attacks, held.caught, held.benign, held.refused) == (2, 1, 1, 1)
    assert held.attack_rate == 0.5 and held.refusal_rate == 1.0
    ind = splits["in-distribution"]
    assert (ind.attacks, ind.caught, ind.benign, ind.refused) == (2, 2, 1, 0)
    assert dict((c, (n, k)) for c, n, k in held.by_category) == {"hate": (2, 1), "benign": (1, 1)}
    langs = {s.name: s for s in report.languages}
    assert (langs["tr"].attacks, langs["tr"].caught) == (1, 1)
    assert report.trained_families == ("harmbench", "charter-banking", "charter-violent-crimes")
