"""The rule catalogue behind the Policies screen: every rule of the bundle with its
`# METADATA` (title, description, principle, severity, owner) joined with how often it
fired per policy revision, so rules that never fire stand out as dead or mis-written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from monitor_tui.ingest.store import RuleCount


@dataclass(frozen=True)
class RuleInfo:
    rule_id: str
    title: str = ""
    description: str = ""
    principle: str = ""
    severity: str = ""
    owner: str = ""
    location: str = ""
    """`file:line` of the rule in the bundle ("" for ids seen only in traffic)."""


@dataclass(frozen=True)
class PolicyCatalog:
    rules: tuple[RuleInfo, ...]
    revision: str = ""
    source: str = ""


def load_catalog(source: str) -> PolicyCatalog:
    """Read a bundle (directory, .tar.gz or URL) and its rule annotations."""
    from charter.policy import collect_metadata, load_bundle

    bundle = load_bundle(source)
    rules = []
    for meta in collect_metadata(bundle.modules):
        if not meta.rule or meta.rule == "decision":
            continue
        rules.append(
            RuleInfo(
                rule_id=meta.rule_id,
                title=meta.title,
                description=meta.description,
                principle=meta.principle,
                severity=meta.severity,
                owner=str(meta.custom.get("owner", "")),
                location=f"{meta.file}:{meta.line}",
            )
        )
    return PolicyCatalog(rules=tuple(rules), revision=bundle.revision, source=source)


@dataclass(frozen=True)
class RuleRow:
    info: RuleInfo
    fired: Mapping[str, float] = field(default_factory=dict)
    """Firing count per policy revision."""

    def count(self, revision: str | None = None) -> float:
        if revision is None:
            return sum(self.fired.values())
        return self.fired.get(revision, 0.0)

    @property
    def known(self) -> bool:
        return bool(self.info.location)


def rule_rows(catalog: PolicyCatalog | None, counts: Iterable[RuleCount]) -> list[RuleRow]:
    """Catalogue rules (in bundle order) then ids seen in traffic but not in the bundle."""
    fired: dict[str, dict[str, float]] = defaultdict(dict)
    for c in counts:
        fired[c.rule][c.revision] = fired[c.rule].get(c.revision, 0.0) + c.count
    rows = [
        RuleRow(info, fired.pop(info.rule_id, {})) for info in (catalog.rules if catalog else ())
    ]
    rows += [RuleRow(RuleInfo(rule_id=rule), by_rev) for rule, by_rev in sorted(fired.items())]
    return rows
