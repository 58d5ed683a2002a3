"""The types of the data Charter's shipped modules read, checked when a bundle loads.

The shipped modules run on the compiled RVM, which turns a builtin's error into undefined:
`forbidden_topics.investment_advice` written as one string instead of a list allowed the
topic, and one `special_categories` entry as a string turned every forbidden topic off,
while `charter policy check` said ok (found by probing). Each key below is checked when a
module of a package that reads it is in the bundle and the key is present (a missing one
is decided by the rules), naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NoReturn

from charter.decision import MAX_APPROVAL_TIMEOUT_S
from charter.errors import BundleError

STRINGS, TEXT, APPROVAL = "a list of strings", "a string", "an approval"
_ANY = "*"
"""A path step that means every key of an object."""

_ACCOUNT_WORD_LISTS = "owners objects access payment.words payment.links payment.direct"
_ACCOUNT_WORD_LISTS += " payment.cases payment.receivers"
"""The lists of `config.other_customers_accounts` (topics.rego), dotted."""

_SHAPES: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    # (path under data.charter, expected, packages that read it)
    (("config", "forbidden_topics", _ANY), STRINGS, ("lib", "topics")),
    (("config", "special_categories", _ANY), STRINGS, ("lib", "privacy")),
    (("config", "topic_labels", _ANY), TEXT, ("topics",)),
    *(
        (("config", "other_customers_accounts", *key.split(".")), STRINGS, ("topics",))
        for key in _ACCOUNT_WORD_LISTS.split()
    ),
    (("config", "external_providers"), STRINGS, ("lib",)),
    (("config", "internal_providers"), STRINGS, ("lib",)),
    (("config", "restore_pii"), STRINGS, ("main",)),
    (("config", "national_id_types"), STRINGS, ("privacy",)),
    (("config", "unread_attachments_denied"), STRINGS, ("privacy",)),
    (("config", "redact_operators", _ANY), TEXT, ("privacy", "output")),
    (("config", "output", "system_prompt_canaries"), STRINGS, ("output",)),
    (("config", "output", "leak_phrases"), STRINGS, ("output",)),
    (("config", "jailbreak", "review_approval"), APPROVAL, ("jailbreak",)),
    (("config", "harm", "support", "turkish_words"), STRINGS, ("harm",)),
    (("config", "tools", "allowed"), STRINGS, ("tools",)),
    (("config", "tools", "refused_proposals"), STRINGS, ("tools",)),
    (("config", "tools", "refund", "approval"), APPROVAL, ("tools",)),
    (("config", "tools", "close_account", "approval"), APPROVAL, ("tools",)),
    (("config", "tools", "approval_required", _ANY, "reason"), TEXT, ("tools",)),
    (("config", "tools", "approval_required", _ANY, "approval"), APPROVAL, ("tools",)),
    (("config", "tools", "limits", _ANY, "argument"), TEXT, ("tools",)),
    (("config", "tools", "limits", _ANY, "approval"), APPROVAL, ("tools",)),
    (("revise", "unqualified_promise", "phrases"), STRINGS, ("output",)),
    (("revise", "critiques", _ANY, "principle"), TEXT, ("output",)),
    (("revise", "critiques", _ANY, "instruction"), TEXT, ("output",)),
    (("reviewers", _ANY, "roles"), STRINGS, ("approvals",)),
    (("reviewers", _ANY, "tenants"), STRINGS, ("approvals",)),
)
_PACKAGE = re.compile(r"^\s*package\s+charter\.(\w+)\s*$", re.M)


def check_shipped_data(modules: tuple[tuple[str, str], ...], data: Any, source: str) -> None:
    """Raise `BundleError` naming the first key of the wrong type that a package of the
    bundle reads."""
    packages = {name for _, text in modules for name in _PACKAGE.findall(text)}
    for path, expected, readers in _SHAPES:
        if packages.isdisjoint(readers):
            continue
        for at, value in _present(data.get("charter"), path, "data.charter", source):
            if expected == APPROVAL:
                check_approval(value, source, at)
            elif not _is(value, expected):
                fail(source, at, f"must be {expected}, got {_kind(value)}")


def check_approval(spec: Any, source: str, at: str) -> None:
    """An approval spec as a hold names it: approvers naming someone who could release it,
    how many of them must, and a deadline a request can have (`ApprovalSpec.timeout_s`)."""
    if not isinstance(spec, dict):
        fail(source, at, "must be an object with approvers and min_approvals")
    approvers = spec.get("approvers")
    if not isinstance(approvers, dict) or set(approvers) - {"roles", "users"}:
        fail(source, f"{at}.approvers", "must be an object of roles and users")
    for kind in ("roles", "users"):
        if not _is(approvers.get(kind, []), STRINGS):
            fail(source, f"{at}.approvers.{kind}", "must be a list of strings")
    if not approvers.get("roles") and not approvers.get("users"):
        fail(source, f"{at}.approvers", "names nobody who could release a hold")
    count = spec.get("min_approvals")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        fail(source, f"{at}.min_approvals", f"must be a whole number of at least 1, got {count!r}")
    # Checked again on each decision (a policy may compute it); here `policy check` says so
    # (its type: `bundle._check_numbers`).
    timeout = spec.get("timeout_s", 3600)
    if isinstance(timeout, int | float) and not 0 < timeout <= MAX_APPROVAL_TIMEOUT_S:
        limit = f"{MAX_APPROVAL_TIMEOUT_S:.0f} s (365 days)"
        fail(source, f"{at}.timeout_s", f"must be above 0 and at most {limit}, got {timeout!r}")


def fail(source: str, key: str, problem: str) -> NoReturn:
    raise BundleError(f"{source}: {key} {problem}")


def _present(node: Any, path: tuple[str, ...], at: str, source: str) -> Iterator[tuple[str, Any]]:
    """(key, value) for every value at `path` that the data holds."""
    if not path:
        yield at, node
        return
    if not isinstance(node, dict):
        if path[0] == _ANY:
            fail(source, at, f"must be an object, got {_kind(node)}")
        return
    step, rest = path[0], path[1:]
    for key in node if step == _ANY else [step] if step in node else []:
        yield from _present(node[key], rest, f"{at}.{key}", source)


def _is(value: Any, expected: str) -> bool:
    if expected == TEXT:
        return isinstance(value, str)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), "null" if value is None else "a number"
    )
