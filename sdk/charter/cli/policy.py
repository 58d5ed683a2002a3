"""`charter policy ...`: check, test, eval, explain, build (and replay, in replay.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from charter.cli import replay as _replay
from charter.cli._common import fail

app = typer.Typer(
    help="Compile, test, evaluate and package Rego policy bundles.", no_args_is_help=True
)

DirArg = typer.Argument(..., help="Policy directory or .tar.gz bundle.")


def _load(source: str) -> Any:
    from charter.errors import CharterError
    from charter.policy.embedded import EmbeddedEngine

    try:
        return EmbeddedEngine(source)
    except CharterError as exc:
        raise fail(str(exc)) from None


def _read_input(path: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as exc:
        raise fail(
            f"cannot read input {path}: {exc.strerror}; check the path (- reads stdin)"
        ) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        where = "stdin" if path == "-" else path
        raise fail(
            f"{where}:{exc.lineno}:{exc.colno}: input is not JSON: {exc.msg}; "
            "give one policy input object (see `charter policy explain --help`)"
        ) from None
    if not isinstance(value, dict):
        raise fail(f"input must be a JSON object (the policy input), got {type(value).__name__}")
    return value


@app.command()
def check(source: str = DirArg) -> None:
    """Compile every module (tests too); report the first error as file:line:col."""
    from charter.errors import CharterError
    from charter.policy import _regorus

    engine = _load(source)
    try:
        _regorus.new_engine(engine.bundle, with_tests=True)
    except CharterError as exc:
        raise fail(str(exc)) from None
    smoke = engine.evaluate({"schema": 1, "stage": "input", "text": ""})
    if smoke.error:  # compiles, yet cannot decide (a missing data.json, a broken rule)
        raise fail(f"{source}: an empty message cannot be decided: {smoke.error}")
    b = engine.bundle
    typer.echo(
        f"ok: {len(b.modules)} policy modules, {len(b.tests)} test modules, revision {b.revision}"
    )
    if engine.path != "rvm":  # the analysis kept the interpreter: no instruction budget
        why = engine.path.removeprefix("interpreter: ")
        typer.echo(f"note: `decision` runs on regorus's interpreter, not the compiled RVM: {why}")
        typer.echo(
            "      so the RVM's instruction budget does not apply: a runaway loop holds the GIL "
            "until it ends and is denied only afterwards (policy_timeout_ms); "
            'set policy_isolation = "process" (charter.toml) to stop it at the deadline'
        )


@app.command()
def test(
    source: str = DirArg,
    coverage: bool = typer.Option(False, "--coverage", help="Report line coverage per file."),
    threshold: float = typer.Option(0.0, "--threshold", help="Fail below this coverage %."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable report."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="List passing tests too."),
) -> None:
    """Run every `test_*` rule; exit 1 on a failure or coverage below --threshold."""
    from charter.errors import CharterError
    from charter.policy.runner import run_tests

    engine = _load(source)
    try:
        report = run_tests(engine.bundle, coverage=coverage or threshold > 0)
    except CharterError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "passed": report.passed,
                    "failed": report.failed,
                    "coverage": round(report.coverage_percent, 2),
                    "tests": [
                        {"name": r.name, "file": r.file, "passed": r.passed, "error": r.error}
                        for r in report.results
                    ],
                    "files": [
                        {
                            "path": c.path,
                            "coverage": round(c.percent, 2),
                            "not_covered": sorted(c.not_covered),
                        }
                        for c in report.coverage
                    ],
                },
                indent=2,
            )
        )
    else:
        for r in report.results:
            if not r.passed:
                typer.echo(f"FAIL {r.name} ({r.file}): {r.error}")
            elif verbose:
                typer.echo(f"PASS {r.name}")
        if report.coverage:
            typer.echo("coverage:")
            for c in report.coverage:
                missed = ",".join(str(n) for n in sorted(c.not_covered)[:12])
                typer.echo(
                    f"  {c.percent:6.1f}%  {c.path}" + (f"  (missed: {missed})" if missed else "")
                )
            typer.echo(f"  {report.coverage_percent:6.1f}%  total")
        typer.echo(f"{report.passed} passed, {report.failed} failed")
    if report.failed:
        raise typer.Exit(1)
    if threshold and report.coverage_percent < threshold:
        typer.echo(
            f"error: coverage {report.coverage_percent:.1f}% is below the threshold "
            f"{threshold:.1f}%",
            err=True,
        )
        raise typer.Exit(1)


@app.command("eval")
def eval_(
    source: str = DirArg,
    input_path: str = typer.Option(..., "--input", "-i", help="Input JSON file, or - for stdin."),
) -> None:
    """Evaluate `data.charter.main.decision` and print the Decision as JSON."""
    from charter.errors import CharterError
    from charter.policy.decode import decode_decision

    engine = _load(source)
    doc = _read_input(input_path)
    try:
        raw = engine.evaluate_raw(doc)
        decision = decode_decision(raw, stage=_stage(doc), revision=engine.revision, eval_ms=0.0)
    except CharterError as exc:
        raise fail(str(exc)) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        from charter.policy._regorus import clean_error

        raise fail(f"evaluation failed: {clean_error(exc)[0]}") from None
    typer.echo(json.dumps(decision.model_dump(mode="json"), indent=2))


@app.command()
def explain(
    source: str = DirArg,
    input_path: str = typer.Option(..., "--input", "-i", help="Input JSON file, or - for stdin."),
) -> None:
    """Which rules fired for an input, and why they exist (from METADATA)."""
    from charter.policy.explain import render

    engine = _load(source)
    decision = engine.evaluate(_read_input(input_path))
    typer.echo(render(decision, engine.metadata))


@app.command()
def build(
    source: str = DirArg,
    output: Path = typer.Option(..., "-o", "--output", help="Bundle file to write (.tar.gz)."),
    revision: str = typer.Option("", "--revision", help="Override the revision."),
) -> None:
    """Write an OPA-compatible bundle (.manifest with revision and roots)."""
    from dataclasses import replace

    from charter.policy.bundle import build_tarball

    if not output.name.endswith((".tar.gz", ".tgz")):
        raise fail(f"{output}: a bundle is a gzipped tarball, as OPA reads it; name it *.tar.gz")
    engine = _load(source)
    bundle = replace(engine.bundle, revision=revision) if revision else engine.bundle
    build_tarball(bundle, output)
    typer.echo(f"wrote {output} (revision {bundle.revision}, {len(bundle.modules)} modules)")


app.command("replay")(_replay.replay)


def _stage(doc: dict[str, Any]) -> Any:
    from charter.policy.base import stage_of

    return stage_of(doc)
