"""`charter init`: scaffold a starter bundle (with its Rego unit tests), the eval corpora its
CI gate runs, a GitHub workflow for that gate, and a config file into a user's repository.

Two templates. `generic` (the default) is the shipped bundle's generic modules (privacy,
jailbreak and injection, the harm taxonomy, output checks, approvals) with the starter's own
tool policy, topics, tests and evals laid over it from `charter/starter/bundle`: a tool
allow-list, tools that always wait for a human and numeric limits, all as data. `bank` is the
shipped bank bundle as it is (refunds, account closure, investment advice)."""

from __future__ import annotations

import json
import shlex
import shutil
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from charter.cli._common import fail

STARTER = Path(__file__).resolve().parents[1] / "starter"
WORKFLOW = STARTER / "policy-ci.yml"
"""The CI gate `charter init` installs; examples/deploy holds the same file."""
OVERLAY = STARTER / "bundle"
"""What the generic template replaces or adds on top of the shipped bundle."""
GATED_EVALS = ("redteam.jsonl", "benign.jsonl")
"""The corpora the workflow gates on (the bundle's other evals stay with Charter)."""
NOT_COPIED = ("evals", "signals", "__pycache__")
"""The classifier (signals/) is read from the installed package, so a repository holds none."""


class Template(StrEnum):
    generic = "generic"
    bank = "bank"


CONFIG_TEMPLATE = """\
# Charter settings. Every key can also be set as CHARTER_<KEY> in the environment
# (a list as a,b,c; a table as JSON: CHARTER_PROBE_THRESHOLDS='{{"rate_warn": 0.2}}').
[charter]
policies = "policies"            # directory, .tar.gz bundle, or http(s) URL polled with ETag
engine = "embedded"              # or the URL of an OPA server, e.g. "http://127.0.0.1:8181"
store_url = "sqlite:///.charter/charter.db"
app = "{app}"
tenant = "default"
environment = "dev"
on_deny = "raise"                # or "refuse": return a refusal message instead of raising
pii_mode = "pattern"             # regexes, names/places from cues; "spacy" adds NER (slower)
approval_mode = "raise"          # or "wait" (block up to approval_wait_s)
telemetry = true
telemetry_sample_rate = 1.0      # share of *allowed* calls traced; other decisions always kept
record_content = false           # opt in to redacted prompt/answer text on spans
store_content = false            # opt in to redacted text at rest (log, settled approvals)
"""


def init(
    directory: Path = typer.Argument(Path("."), help="Repository to set up."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    template: Template = typer.Option(
        Template.generic,
        "--template",
        help="generic: tool allow-list, approvals and limits as data; bank: the shipped "
        "bank assistant (refunds, account closure, investment advice).",
    ),
) -> None:
    """Copy the tested starter policies, their eval corpora, a CI workflow that gates on
    them and a charter.toml into DIRECTORY."""
    from charter.config import DEFAULT_POLICIES

    target = directory / "policies"
    config = directory / "charter.toml"
    workflow = directory / ".github" / "workflows" / "policy-ci.yml"
    existing = [str(p) for p in (target, config, workflow) if p.exists()]
    if existing and not force:
        raise fail(f"{', '.join(existing)} already exists; use --force to overwrite")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(DEFAULT_POLICIES, target, ignore=shutil.ignore_patterns(*NOT_COPIED))
    if template is Template.generic:
        lay_over(OVERLAY, target)  # brings its own evals/
    else:
        (target / "evals").mkdir()
        for name in GATED_EVALS:
            shutil.copyfile(DEFAULT_POLICIES / "evals" / name, target / "evals" / name)
    config.write_text(CONFIG_TEMPLATE.format(app=directory.resolve().name or "app"))
    workflow.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(WORKFLOW, workflow)
    typer.echo(f"created {target}/ ({template.value}, with evals/), {config} and {workflow}")
    # runnable as printed from here: without --policies, eval run would read no charter.toml
    # here and measure the shipped bundle instead of this one
    bundle = shlex.quote(str(target))
    corpus = shlex.quote(str(target / "evals" / "redteam.jsonl"))
    typer.echo(f"next: charter policy test {bundle} --coverage --threshold 90")
    typer.echo(f"      charter eval run {corpus} --policies {bundle} --fail-under 0.8")


def lay_over(overlay: Path, target: Path) -> None:
    """Copy every file of `overlay` into `target`. A `data.json` that both hold is merged:
    top-level objects (`config`, `reviewers`) key by key, the overlay's value winning, so
    the starter names only the knobs it changes and inherits every other one."""
    for source in sorted(p for p in overlay.rglob("*") if p.is_file()):
        if "__pycache__" in source.parts:
            continue
        destination = target / source.relative_to(overlay)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.name == "data.json" and destination.exists():
            merged = merge_data(json.loads(destination.read_text()), json.loads(source.read_text()))
            destination.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
        else:
            shutil.copyfile(source, destination)


def merge_data(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged
