"""`# METADATA` annotations read from Rego source: titles, principles, severities, owners.

regorus does not expose annotations, so we parse the YAML comment blocks OPA defines: a
`# METADATA` line followed by `#`-prefixed YAML, attached to the next rule (or package).
Used by `policy explain`, the console's Policies screen, and the fail-open switch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.M)
_RULE_HEAD = re.compile(r"^\s*(?:default\s+)?([A-Za-z_]\w*)\b")


@dataclass(frozen=True)
class RuleMeta:
    package: str
    rule: str
    """Rule name, or "" for package-scoped metadata."""
    file: str
    line: int
    title: str = ""
    description: str = ""
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"data.{self.package}.{self.rule}" if self.rule else f"data.{self.package}"

    @property
    def principle(self) -> str:
        return str(self.custom.get("principle", ""))

    @property
    def severity(self) -> str:
        return str(self.custom.get("severity", ""))

    @property
    def rule_id(self) -> str:
        """The violation id the rule emits, when declared (custom.id), else package.rule."""
        return str(self.custom.get("id") or f"{self.package.removeprefix('charter.')}.{self.rule}")


def parse_metadata(path: str, source: str) -> list[RuleMeta]:
    lines = source.splitlines()
    pkg_match = _PACKAGE.search(source)
    package = pkg_match.group(1) if pkg_match else ""
    out: list[RuleMeta] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "# METADATA":
            i += 1
            continue
        start = i + 1
        j = start
        block: list[str] = []
        while j < len(lines) and lines[j].lstrip().startswith("#"):
            block.append(lines[j].lstrip()[1:].removeprefix(" ") if lines[j].strip() != "#" else "")
            j += 1
        try:
            doc = yaml.safe_load("\n".join(block)) or {}
        except yaml.YAMLError:
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        k = j
        while k < len(lines) and not lines[k].strip():
            k += 1
        target = lines[k] if k < len(lines) else ""
        rule = ""
        if not target.lstrip().startswith("package"):
            head = _RULE_HEAD.match(target)
            rule = head.group(1) if head else ""
        custom = doc.get("custom") or {}
        out.append(
            RuleMeta(
                package=package,
                rule=rule,
                file=path,
                line=k + 1,
                title=str(doc.get("title", "")),
                description=str(doc.get("description", "")).strip(),
                custom=dict(custom) if isinstance(custom, dict) else {},
            )
        )
        i = j
    return out


def collect_metadata(modules: Iterable[tuple[str, str]]) -> list[RuleMeta]:
    return [meta for path, src in modules for meta in parse_metadata(path, src)]


def is_fail_open(metas: Iterable[RuleMeta], package: str = "charter.main") -> bool:
    """True only when the `decision` rule (or its package) says `custom.fail_open: true`."""
    for meta in metas:
        if (
            meta.package == package
            and meta.rule in ("decision", "")
            and meta.custom.get("fail_open") is True
        ):
            return True
    return False
