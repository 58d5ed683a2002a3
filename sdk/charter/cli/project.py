"""`charter init`: scaffold the starter bundle (with its Rego unit tests), the eval corpora its
CI gate runs, a GitHub workflow for that gate, and a config file into a user's repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from charter.cli._common import fail

WORKFLOW = Path(__file__).resolve().parents[1] / "starter" / "policy-ci.yml"
"""The CI gate `charter init` installs; examples/deploy holds the same file."""
GATED_EVALS = ("redteam.jsonl", "benign.jsonl")
"""The corpora the workflow gates on (the bundle's other evals stay with Charter)."""

CONFIG_TEMPLATE = """\
# Charter settings. Every key can also be set as CHARTER_<KEY> in the environment.
[charter]
policies = "policies"            # directory, .tar.gz bundle, or http(s) URL polled with ETag
engine = "embedded"              # or the URL of an OPA server, e.g. "http://127.0.0.1:8181"
store_url = "sqlite:///.charter/charter.db"
app = "{app}"
tenant = "default"
environment = "dev"
on_deny = "raise"                # or "refuse": return a refusal message instead of raising
pii_mode = "pattern"             # "spacy" adds names and places (slower), "off" disables
approval_mode = "raise"          # or "wait" (block up to approval_wait_s)
telemetry = true
telemetry_sample_rate = 1.0      # share of *allowed* calls traced; other decisions always kept
record_content = false           # opt in to redacted prompt/answer text on spans
"""


def init(
    directory: Path = typer.Argument(Path("."), help="Repository to set up."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
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
    shutil.copytree(DEFAULT_POLICIES, target, ignore=shutil.ignore_patterns("evals", "__pycache__"))
    (target / "evals").mkdir()
    for name in GATED_EVALS:
        shutil.copyfile(DEFAULT_POLICIES / "evals" / name, target / "evals" / name)
    config.write_text(CONFIG_TEMPLATE.format(app=directory.resolve().name or "app"))
    workflow.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(WORKFLOW, workflow)
    typer.echo(f"created {target}/ (with evals/), {config} and {workflow}")
    typer.echo(f"next: charter policy test {target} --coverage --threshold 90")
    typer.echo(f"      charter eval run {target}/evals/redteam.jsonl --fail-under 0.8")
