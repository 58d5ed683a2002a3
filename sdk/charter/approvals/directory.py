"""The reviewer directory: who is a reviewer, with which roles, for which tenants.

It comes from configuration, never from the caller: `data.charter.reviewers` in the policy
bundle, or a JSON/TOML file, shaped `{"alice": {"roles": ["compliance"], "tenants": ["*"]}}`
(optionally under a top-level `reviewers` key). Anyone not listed is refused.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from charter._ids import reviewer_id
from charter._shown import shown
from charter.approvals.models import Reviewer
from charter.errors import ConfigurationError, NotAuthorized
from charter.policy.base import REVIEWERS_PATH, PolicyEngine


class ReviewerDirectory:
    """Reviewers by id. From policy data it is live: each lookup reads the engine's current
    data, so a policy reload changes who may review without restarting anything."""

    def __init__(
        self,
        reviewers: Mapping[str, Reviewer],
        *,
        source: str = "configuration",
        loader: Callable[[], Mapping[str, Reviewer]] | None = None,
    ):
        self._static = dict(reviewers)
        self._loader = loader
        self.source = source

    @property
    def _reviewers(self) -> Mapping[str, Reviewer]:
        return self._loader() if self._loader is not None else self._static

    @classmethod
    def from_mapping(cls, data: Any, *, source: str) -> ReviewerDirectory:
        if isinstance(data, Mapping) and isinstance(data.get("reviewers"), Mapping):
            data = data["reviewers"]
        if not isinstance(data, Mapping):
            raise ConfigurationError(
                f"reviewers in {source} must be an object mapping reviewer id to "
                '{"roles": [...], "tenants": [...]}'
            )
        return cls({rid: _entry(rid, spec, source) for rid, spec in data.items()}, source=source)

    @classmethod
    def from_policy(cls, engine: PolicyEngine) -> ReviewerDirectory:
        source = f"policy data {REVIEWERS_PATH}"

        def load() -> Mapping[str, Reviewer]:
            data = engine.query(REVIEWERS_PATH)
            return cls.from_mapping({} if data is None else data, source=source)._static

        return cls(load(), source=source, loader=load)  # a bad bundle fails here, up front

    @classmethod
    def from_file(cls, path: str | Path) -> ReviewerDirectory:
        file = Path(path)
        try:
            text = file.read_text()
        except OSError as exc:
            raise ConfigurationError(
                f"reviewers file {file} cannot be read ({exc.strerror}); set reviewers_file "
                "to a JSON or TOML file of reviewers"
            ) from None
        try:
            data = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            kind = "TOML" if file.suffix == ".toml" else "JSON"
            raise ConfigurationError(f"reviewers file {file} is not valid {kind}: {exc}") from None
        return cls.from_mapping(data, source=str(file))

    def get(self, reviewer_id: str) -> Reviewer:
        """The configured reviewer; `NotAuthorized` for anyone not in the directory."""
        reviewers = self._reviewers
        found = reviewers.get(reviewer_id)
        if found is None:
            hint = " (it is empty)" if not reviewers else ""
            raise NotAuthorized(
                f"unknown reviewer {shown(reviewer_id)}: not in the reviewer directory "
                f"({self.source}){hint}; add them under `reviewers` with their roles"
            )
        return found

    def __contains__(self, reviewer_id: object) -> bool:
        return reviewer_id in self._reviewers

    def __iter__(self) -> Iterator[Reviewer]:
        return iter(self._reviewers.values())

    def __len__(self) -> int:
        return len(self._reviewers)


def resolve(directory: ReviewerDirectory | None, reviewer: Reviewer | str) -> Reviewer:
    """The reviewer as configured: roles from the directory, not from the caller (without
    a directory, the caller's `Reviewer` as given)."""
    rid = reviewer_id(reviewer.id if isinstance(reviewer, Reviewer) else reviewer)
    if directory is not None:
        return directory.get(rid)
    return reviewer if isinstance(reviewer, Reviewer) else Reviewer(id=rid)


def _entry(reviewer_id: Any, spec: Any, source: str) -> Reviewer:
    where = f"reviewers.{reviewer_id} in {source}"
    if not isinstance(reviewer_id, str) or not reviewer_id.strip():
        raise ConfigurationError(f"reviewer ids in {source} must be non-empty strings")
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise ConfigurationError(f"{where} must be an object with roles and tenants")
    fields: dict[str, tuple[str, ...]] = {}
    for name, default in (("roles", ()), ("tenants", ("*",))):
        value = spec.get(name, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{where}: {name} must be a list of strings")
        fields[name] = tuple(value)
    return Reviewer(id=reviewer_id, roles=fields["roles"], tenants=fields["tenants"])
