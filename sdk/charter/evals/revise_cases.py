"""Revise cases (`charter eval revise`): JSON lines read strictly, every problem reported
as `file:line` before anything runs, as the eval corpus is (`charter.evals.corpus`).

Found by probing: fields of the wrong type were coerced, so a label flipped silently
(`"draft_violates": "false"` counted as true, `"revision_ok": 1` as true), a `passages`
string became one passage per character, and an empty file reported 0 cases and passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.errors import ConfigurationError
from charter.evals.corpus import LineProblems, parsed_lines

_NEEDS = "each line is one JSON case; see policies/evals/README.md"
_TEXTS = ("kind", "question", "draft")
"""Fields that must be non-empty strings; `revision` and `lang` strings when given."""


@dataclass(frozen=True)
class ReviseCase:
    id: str
    kind: str
    question: str
    draft: str
    revision: str
    draft_violates: bool
    revision_ok: bool | None
    passages: tuple[str, ...] = ()
    lang: str = "en"


def load_revise_cases(path: str | Path) -> list[ReviseCase]:
    """Cases from a JSON-lines file, or every `*.jsonl` of a folder; `ConfigurationError`
    listing each bad line, or when no case is there."""
    source = Path(path)
    files = sorted(source.glob("*.jsonl")) if source.is_dir() else [source]
    if not files:
        raise ConfigurationError(f"{source}: no *.jsonl revise cases")
    problems = LineProblems("the revise set", _NEEDS)
    cases = parsed_lines(files, problems, lambda raw, where, _: _case(raw, where, problems))
    problems.raise_if_any()
    if not cases:
        raise ConfigurationError(f"{source}: no revise case in it; write one JSON case per line")
    return cases


def _case(raw: Any, where: str, problems: LineProblems) -> ReviseCase | None:
    if not isinstance(raw, dict):
        problems.add(where, f"expected a JSON object, got {type(raw).__name__}")
        return None
    before = len(problems.lines)
    case_id = raw.get("id")
    if not isinstance(case_id, str | int) or isinstance(case_id, bool) or str(case_id) == "":
        problems.add(where, "`id` must be a non-empty string")
    for key in _TEXTS:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.add(where, f"`{key}` must be a non-empty string")
    for key in ("revision", "lang"):
        if key in raw and not isinstance(raw[key], str):
            problems.add(where, f"`{key}` must be a string")
    if not isinstance(raw.get("draft_violates"), bool):
        problems.add(where, "`draft_violates` must be true or false (a JSON boolean)")
    if raw.get("revision_ok") is not None and not isinstance(raw["revision_ok"], bool):
        problems.add(where, "`revision_ok` must be true, false or null")
    passages = raw.get("passages", [])
    if not isinstance(passages, list) or not all(isinstance(p, str) for p in passages):
        problems.add(where, "`passages` must be a list of strings (the retrieved passages)")
    if len(problems.lines) > before:
        return None
    return ReviseCase(
        id=str(case_id),
        kind=raw["kind"],
        question=raw["question"],
        draft=raw["draft"],
        revision=raw.get("revision", ""),
        draft_violates=raw["draft_violates"],
        revision_ok=raw.get("revision_ok"),
        passages=tuple(passages),
        lang=raw.get("lang", "en"),
    )
