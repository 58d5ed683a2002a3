"""The shape of `config.harm` in a bundle whose modules include `charter.harm`.

harm.rego reads its knobs with `object.union`, `in` and `>=`: a category given as a string,
`stages: "input"`, a threshold of 50 or a missing `action` made the rules undefined, and harm
checks were silently off while `charter policy check` said ok (found by probing). The
documented knobs (policies/README.md) are checked when the bundle loads, naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from charter.policy.shipped_data import check_approval, fail

ACTIONS = ("deny", "require_approval", "allow", "log")
"""Harm actions harm.rego enforces; `redact` has nothing to redact in a harm score."""
_STAGES = ("input", "output")
_CATEGORY = re.compile(r"""category_finding\(\s*"(\w+)"\s*\)""")
_PACKAGE = re.compile(r"^\s*package\s+charter\.harm\s*$", re.M)
_KNOBS = ("action", "label", "support")
_THRESHOLDS = ("threshold", "input_threshold", "output_threshold", "review_threshold")


def check_harm_config(modules: tuple[tuple[str, str], ...], data: Any, source: str) -> None:
    """Raise `BundleError` naming the first malformed `config.harm` key, if the bundle has
    the harm module (its `category_finding("x")` calls name the categories it checks) and
    a `config`."""
    harm_sources = [text for _, text in modules if _PACKAGE.search(text)]
    if not harm_sources or _object(data, ("charter", "config")) is None:
        return  # no config at all: every decision is charter.incomplete_decision, named
    known = {name for text in harm_sources for name in _CATEGORY.findall(text)}
    where = "data.charter.config.harm"
    harm = _object(data, ("charter", "config", "harm"))
    if harm is None:
        fail(source, where, "must be an object (charter.harm reads it)")
    stages = harm.get("stages")
    if not isinstance(stages, list) or any(s not in _STAGES for s in stages):
        fail(source, f"{where}.stages", f"must be a list of {' / '.join(_STAGES)}")
    default = harm.get("default")
    if not isinstance(default, dict):
        fail(source, f"{where}.default", "must be an object")
    for key in ("action", "threshold"):
        if key not in default:
            fail(source, f"{where}.default.{key}", "is missing")
    _check_settings(default, source, f"{where}.default")
    categories = harm.get("categories")
    if not isinstance(categories, dict):
        fail(source, f"{where}.categories", "must be an object (one entry per category)")
    for name, settings in categories.items():
        at = f"{where}.categories.{name}"
        if name not in known:
            fail(source, at, f"is no harm category (known: {', '.join(sorted(known))})")
        if not isinstance(settings, dict):
            fail(source, at, "must be an object of settings")
        _check_settings(settings, source, at)
    # every harm hold names these reviewers: without them a held category named no
    # approver, or was let through (found by probing)
    check_approval(harm.get("review_approval"), source, f"{where}.review_approval")
    supported = default.get("support") is True or any(
        s.get("support", default.get("support")) is True for s in categories.values()
    )
    _check_support(harm.get("support", {}), supported, source, f"{where}.support")


def _check_support(support: Any, supported: bool, source: str, at: str) -> None:
    """A category with `support` refuses with these messages: one missing made its finding
    undefined, and the self-harm request was allowed (found by probing)."""
    if not isinstance(support, dict):
        fail(source, at, "must be an object")
    for lang in ("en", "tr"):
        message = support.get(lang)
        if (supported or lang in support) and not (isinstance(message, str) and message.strip()):
            fail(source, f"{at}.{lang}", "must be a supportive message (shown for support: true)")


def _check_settings(settings: Mapping[str, Any], source: str, at: str) -> None:
    for key, value in settings.items():
        problem = _problem(key, value)
        if problem:
            fail(source, f"{at}.{key}", problem)


def _problem(key: str, value: Any) -> str:
    """What is wrong with one category setting, or ""."""
    if key in _THRESHOLDS:
        score = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
        return "" if score else f"must be a score from 0 to 1, got {value!r}"
    if key == "action":
        return "" if value in ACTIONS else f"must be one of {', '.join(ACTIONS)}, got {value!r}"
    if key == "support":
        return "" if isinstance(value, bool) else "must be true or false"
    if key == "label":
        return "" if isinstance(value, str) else "must be a string"
    return f"is no harm setting (one of {', '.join(_KNOBS + _THRESHOLDS)})"


def _object(data: Any, keys: tuple[str, ...]) -> dict[str, Any] | None:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None
