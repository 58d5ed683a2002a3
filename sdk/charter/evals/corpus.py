"""Labelled eval corpora: JSON lines, one prompt each, read strictly.

A line is `{"id", "text", "label", "category", "expect_rule", "stage", ...}`. `label` says
what the guard should do: `allowed` or `blocked`, or a category name (such an item must be
blocked and the label is its category). `suite` names the set an item is reported in (default:
the file's name without `.jsonl`); a `sycophancy` block makes the item a paired probe for a
model (`charter.evals.sycophancy`). Unknown keys (`source`, notes) are kept out of the
way, not rejected. Every problem is reported as `file:line` before anything runs, so a
typo never silently drops an item or flips its label.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from charter._jsonl import jsonl_lines
from charter.decision import Stage
from charter.errors import ConfigurationError
from charter.evals.sycophancy import SycophancyProbe, parse_sycophancy

_MAX_PROBLEMS_SHOWN = 10
_SOUNDS_ALLOWED = frozenset({"benign", "safe", "harmless", "ok", "clean", "normal", "none"})
"""Labels that read as "let it through": as category names they would mean the opposite."""


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_Item = TypeVar("_Item", bound=_HasId)


class Label(StrEnum):
    ALLOWED = "allowed"
    BLOCKED = "blocked"


class EvalItem(BaseModel):
    """One labelled prompt. `where` is `file:line`, for messages."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    label: Label
    category: str
    expect_rules: tuple[str, ...] = ()
    stage: Stage = Stage.INPUT
    provider: str | None = None
    """Overrides the run's provider for this item."""
    model: str | None = None
    tool: str | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)
    family: str = ""
    """The source family the item comes from or imitates (for the held-out split)."""
    lang: str = ""
    suite: str = ""
    """The set the item is reported in: `suite` in the line, else the file's stem."""
    sycophancy: SycophancyProbe | None = None
    """Set on a sycophancy pair: what a model is asked next, and the right answer."""
    where: str = ""


class LineProblems:
    """Collects `file:line: message` lines; raises them together. `what` names the set
    (the eval corpus, the revise cases), `needs` what each of its lines needs."""

    def __init__(
        self,
        what: str = "the eval corpus",
        needs: str = "each line needs text and a label of allowed, blocked or a category name",
    ) -> None:
        self.lines: list[str] = []
        self.what = what
        self.needs = needs

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        shown = self.lines[:_MAX_PROBLEMS_SHOWN]
        more = len(self.lines) - len(shown)
        tail = f"\n  ... and {more} more" if more else ""
        raise ConfigurationError(
            f"{self.what} has {len(self.lines)} problem(s); fix them and run again "
            f"({self.needs}):\n  " + "\n  ".join(shown) + tail
        )


def corpus_files(paths: Iterable[str | Path]) -> list[Path]:
    """The `.jsonl` files named, a directory standing for every `*.jsonl` inside it."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            if not found:
                raise ConfigurationError(f"{path}: the directory holds no *.jsonl corpus files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigurationError(f"{path}: no such corpus file or directory; check the path")
    if not files:
        raise ConfigurationError("name at least one corpus file (JSON lines) or directory")
    return files


def load_corpus(paths: Iterable[str | Path]) -> list[EvalItem]:
    """Every item of every file, in file order. Raises `ConfigurationError` listing each
    malformed line (JSON, missing text, unknown label, duplicate id) with `file:line`."""
    problems = LineProblems()
    items = parsed_lines(
        corpus_files(paths),
        problems,
        lambda raw, where, path: _parse(raw, where, problems, suite=path.stem),
    )
    problems.raise_if_any()
    if not items:
        raise ConfigurationError("the eval corpus is empty: no JSON lines in the files given")
    return items


def parsed_lines(
    files: Iterable[Path],
    problems: LineProblems,
    parse: Callable[[Any, str, Path], _Item | None],
) -> list[_Item]:
    """Each JSON line of `files` parsed (`parse(value, "file:line", file)`, None for a line
    it reported), in order; an id used twice is a problem at its second line. Shared by
    the eval corpus and the revise cases."""
    items: list[_Item] = []
    seen: dict[str, str] = {}
    for path in files:
        for where, raw in json_lines(path, problems):
            item = parse(raw, where, path)
            if item is None:
                continue
            if item.id in seen:
                problems.add(where, f"id {item.id!r} is already used at {seen[item.id]}")
                continue
            seen[item.id] = where
            items.append(item)
    return items


def json_lines(path: Path, problems: LineProblems) -> Iterable[tuple[str, Any]]:
    """`(file:line, the line's JSON value)` of each line that is JSON; the rest, and a file
    that cannot be read, are problems."""
    try:
        lines = jsonl_lines(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        problems.add(str(path), f"cannot read the file: {reason}")
        return
    for number, line in lines:
        where = f"{path}:{number}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(where, f"not JSON ({exc.msg} at column {exc.colno})")


def _parse(raw: Any, where: str, problems: LineProblems, *, suite: str) -> EvalItem | None:
    if not isinstance(raw, dict):
        problems.add(where, f"expected a JSON object, got {type(raw).__name__}")
        return None
    before = len(problems.lines)
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.add(where, "`text` must be a non-empty string")
    label, category = _label_and_category(raw, where, problems)
    expect = _expect_rules(raw.get("expect_rule"), where, problems)
    stage = _stage(raw.get("stage", Stage.INPUT.value), where, problems)
    item_id = raw.get("id", where)
    if not isinstance(item_id, str | int) or isinstance(item_id, bool) or str(item_id) == "":
        problems.add(where, "`id` must be a non-empty string")
    for key in ("provider", "model", "tool", "family", "lang", "suite"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            problems.add(where, f"`{key}` must be a string")
    arguments = raw.get("arguments") or {}
    if not isinstance(arguments, Mapping):
        problems.add(where, "`arguments` must be a JSON object (a tool call's arguments)")
    sycophancy = parse_sycophancy(raw.get("sycophancy"), str(text), where, problems.add)
    if len(problems.lines) > before or label is None or stage is None:
        return None
    return EvalItem(
        id=str(item_id),
        text=str(text),
        label=label,
        category=category,
        expect_rules=expect,
        stage=stage,
        provider=raw.get("provider"),
        model=raw.get("model"),
        tool=raw.get("tool"),
        arguments=dict(arguments),
        family=raw.get("family") or "",
        lang=raw.get("lang") or "",
        suite=raw.get("suite") or suite,
        sycophancy=sycophancy,
        where=where,
    )


def _label_and_category(
    raw: Mapping[str, Any], where: str, problems: LineProblems
) -> tuple[Label | None, str]:
    label = raw.get("label")
    category = raw.get("category")
    if category is not None and (not isinstance(category, str) or not category.strip()):
        problems.add(where, "`category` must be a non-empty string when given")
        return None, ""
    if not isinstance(label, str) or not label.strip():
        problems.add(where, "`label` must be `allowed`, `blocked` or a category name")
        return None, ""
    normalized = label.strip().lower()
    if normalized in tuple(Label):
        default = "benign" if normalized == Label.ALLOWED else "uncategorised"
        return Label(normalized), category or default
    # A category name stands for "this must be blocked": but not a misspelt allowed/blocked,
    # nor a word that means allowed.
    if normalized in _SOUNDS_ALLOWED:
        problems.add(
            where,
            f"label {label!r} would name a category that must be blocked; for an item that "
            f"should pass write label `allowed` (and category {label!r})",
        )
        return None, ""
    near = difflib.get_close_matches(normalized, [v.value for v in Label], n=1, cutoff=0.75)
    if near:
        problems.add(where, f"label {label!r} looks like a typo of {near[0]!r}")
        return None, ""
    if category is not None and category != label:
        problems.add(
            where,
            f"label {label!r} is a category name but `category` says {category!r}; use "
            "label `blocked` with the category, or drop `category`",
        )
        return None, ""
    return Label.BLOCKED, label


def _expect_rules(value: Any, where: str, problems: LineProblems) -> tuple[str, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        problems.add(where, "`expect_rule` must be a rule id or a list of rule ids")
        return ()
    return tuple(dict.fromkeys(values))


def _stage(value: Any, where: str, problems: LineProblems) -> Stage | None:
    try:
        return Stage(value)
    except ValueError:
        choices = ", ".join(s.value for s in Stage)
        problems.add(where, f"`stage` {value!r} is not one of {choices}")
        return None
