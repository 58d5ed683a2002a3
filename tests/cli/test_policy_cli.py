from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli.main import app
from charter.config import DEFAULT_POLICIES

MINIMAL = Path(__file__).parents[1] / "policy" / "fixtures" / "minimal"
runner = CliRunner()


def _bundle(tmp_path: Path, main: str) -> Path:
    (tmp_path / "charter").mkdir(parents=True, exist_ok=True)
    (tmp_path / "charter" / "main.rego").write_text(main)
    return tmp_path


def _one_line_error(result: object) -> str:
    out = result.output  # type: ignore[attr-defined]
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert "Traceback" not in out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out
    return errors[0]


def test_check_ok() -> None:
    result = runner.invoke(app, ["policy", "check", str(MINIMAL)])
    assert result.exit_code == 0, result.output
    assert "1 policy modules, 1 test modules" in result.output


def test_check_says_when_decision_runs_on_the_interpreter(tmp_path: Path) -> None:
    """Found by probing: two definitions the analysis cannot prove exclusive moved
    `decision` to the interpreter, where a runaway loop is not stopped after 25,000
    instructions, and nothing said so."""
    two = (
        "package charter.main\nimport rego.v1\n"
        'tier := "gold" if input.tier == "gold"\ntier := "free" if input.plan == "free"\n'
        'default decision := {"action": "allow", "violations": []}\n'
        'decision := {"action": "allow", "violations": []} if tier == "gold"\n'
    )
    result = runner.invoke(app, ["policy", "check", str(_bundle(tmp_path, two))])
    assert result.exit_code == 0, result.output
    note, then = result.output.splitlines()[-2:]
    assert note == (
        "note: `decision` runs on regorus's interpreter, not the compiled RVM: "
        "charter.main.tier (charter/main.rego): 2 definitions that may give two values"
    )
    assert "instruction budget does not apply" in then and 'policy_isolation = "process"' in then
    on_rvm = runner.invoke(app, ["policy", "check", str(DEFAULT_POLICIES)])
    assert on_rvm.exit_code == 0 and "note:" not in on_rvm.output, on_rvm.output


def test_check_recommends_process_isolation_for_rules_of_ones_own(tmp_path: Path) -> None:
    """Found by probing: a rule of one's own that calls a builtin keeps the interpreter by
    default, so a runaway loop held the GIL for seconds; the check recommends the setting
    that bounds it."""
    own = (
        "package charter.main\nimport rego.v1\n"
        'default decision := {"action": "allow", "violations": []}\n'
        'decision := {"action": "deny", "violations": []} if count(input.xs) > 3\n'
    )
    result = runner.invoke(app, ["policy", "check", str(_bundle(tmp_path, own))])
    assert result.exit_code == 0, result.output
    note, then = result.output.splitlines()[-2:]
    assert note.endswith("calls count(), whose error the RVM ignores (the rule would not fire)")
    assert then.endswith(
        'set policy_isolation = "process" (charter.toml) to stop it at the deadline'
    )


def test_check_syntax_error_names_file_line_col(tmp_path: Path) -> None:
    src = _bundle(
        tmp_path,
        'package charter.main\nimport rego.v1\ndecision := {"action": "allow"} if {\n  input.x ==\n}\n',
    )
    line = _one_line_error(runner.invoke(app, ["policy", "check", str(src)]))
    assert "charter/main.rego:5:1" in line and "expecting expression" in line


def test_missing_decision_rule(tmp_path: Path) -> None:
    src = _bundle(tmp_path, "package charter.main\nallow := true\n")
    assert "no rule `decision`" in _one_line_error(
        runner.invoke(app, ["policy", "check", str(src)])
    )


def test_non_object_decision(tmp_path: Path) -> None:
    src = _bundle(tmp_path, 'package charter.main\ndecision := "allow"\n')
    (tmp_path / "in.json").write_text("{}")
    line = _one_line_error(
        runner.invoke(app, ["policy", "eval", str(src), "-i", str(tmp_path / "in.json")])
    )
    assert "must be an object, got str" in line


def test_input_not_json(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text("{'text': 1}")
    line = _one_line_error(
        runner.invoke(app, ["policy", "eval", str(MINIMAL), "-i", str(tmp_path / "in.json")])
    )
    assert "in.json:1:2: input is not JSON" in line


def test_eval_prints_decision_json() -> None:
    result = runner.invoke(
        app, ["policy", "eval", str(MINIMAL), "-i", "-"], input='{"text": "casino"}'
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["action"] == "deny"
    assert decision["violations"][0]["rule"] == "topics.blocked"


def test_explain_uses_metadata() -> None:
    result = runner.invoke(
        app, ["policy", "explain", str(MINIMAL), "-i", "-"], input='{"text": "casino"}'
    )
    assert result.exit_code == 0, result.output
    assert "Blocked topics" in result.output and "owner: trust-and-safety" in result.output


def test_test_reports_and_gates_on_coverage(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["policy", "test", str(MINIMAL), "--coverage", "--threshold", "90"])
    assert ok.exit_code == 0, ok.output
    assert "3 passed, 0 failed" in ok.output and "total" in ok.output
    # a failing test and an uncovered rule
    src = _bundle(
        tmp_path, (MINIMAL / "charter" / "main.rego").read_text() + "\nextra := 1 if input.never\n"
    )
    (src / "charter" / "data.json").write_text((MINIMAL / "charter" / "data.json").read_text())
    test_src = (MINIMAL / "charter" / "main_test.rego").read_text()
    (src / "charter" / "main_test.rego").write_text(
        test_src
        + '\ntest_wrong if {\n\tmain.decision.action == "deny" with input as {"text": "hi"}\n}\n'
    )
    bad = runner.invoke(app, ["policy", "test", str(src), "--coverage"])
    assert bad.exit_code == 1
    assert "FAIL data.charter.main_test.test_wrong" in bad.output
    assert "3 passed, 1 failed" in bad.output


def test_threshold_fails_below(tmp_path: Path) -> None:
    src = _bundle(tmp_path, (MINIMAL / "charter" / "main.rego").read_text())
    (src / "charter" / "data.json").write_text((MINIMAL / "charter" / "data.json").read_text())
    (src / "charter" / "main_test.rego").write_text(
        "package charter.main_test\nimport rego.v1\nimport data.charter.main\n"
        'test_only_default if {\n\tmain.decision.action == "allow" with input as {"text": "x"}\n}\n'
    )
    result = runner.invoke(app, ["policy", "test", str(src), "--threshold", "99"])
    assert result.exit_code == 1
    assert "below the threshold" in result.output


def test_build_writes_an_opa_bundle(tmp_path: Path) -> None:
    out = tmp_path / "bundle.tar.gz"
    result = runner.invoke(
        app, ["policy", "build", str(MINIMAL), "-o", str(out), "--revision", "r42"]
    )
    assert result.exit_code == 0, result.output
    with tarfile.open(out) as tar:
        manifest = json.loads(tar.extractfile("/.manifest").read())  # type: ignore[union-attr]
    assert manifest == {"revision": "r42", "roots": ["charter"]}


@pytest.mark.parametrize("name", ["bundle.zip", "bundle.tar", "bundle"])
def test_build_refuses_a_name_that_says_another_format(tmp_path: Path, name: str) -> None:
    """Found by probing: `-o bundle.zip` wrote a gzipped tarball under that name, which OPA's
    bundle loader and unzip both then refuse."""
    result = runner.invoke(app, ["policy", "build", str(MINIMAL), "-o", str(tmp_path / name)])
    assert result.exit_code == 2
    assert "error: " in result.output and ".tar.gz" in result.output
    assert not (tmp_path / name).exists()
    tgz = tmp_path / "b.tgz"
    assert runner.invoke(app, ["policy", "build", str(MINIMAL), "-o", str(tgz)]).exit_code == 0
    assert tarfile.is_tarfile(tgz)


def test_init_scaffolds_tested_policies(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "charter.toml").is_file()
    assert list((tmp_path / "policies").rglob("*_test.rego"))
    again = runner.invoke(app, ["init", str(tmp_path)])
    assert again.exit_code == 2 and "already exists" in again.output
    from charter.config import Settings

    settings = Settings.from_file(tmp_path / "charter.toml")
    # Relative paths in charter.toml are relative to the file, wherever a command runs.
    assert settings.policies == str((tmp_path / "policies").resolve())
    assert settings.on_deny == "raise"


@pytest.mark.parametrize("args", [["policy", "check", "/no/such/dir"]])
def test_console_script_prints_no_traceback(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "charter.cli", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_explain_shows_what_a_revise_asks_of_the_model() -> None:
    draft = {"schema": 1, "stage": "output", "text": "I guarantee your loan will be approved."}
    result = runner.invoke(
        app, ["policy", "explain", str(DEFAULT_POLICIES), "-i", "-"], input=json.dumps(draft)
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("decision: revise")
    assert "output.unqualified_promise (medium)" in result.output
    assert "(1 round at most)" in result.output
    # the critique instruction from policies/charter/revise/data.json, as the model gets it
    assert "- output.unqualified_promise: Rewrite the answer without promising" in result.output


def test_a_bundle_that_cannot_decide_fails_check_and_evals(tmp_path: Path) -> None:
    """Found by probing at stop 53: without its data.json the starter bundle denies every
    input by its default (`charter.incomplete_decision`); `policy check` said ok and
    `eval run` reported 100% detection with exit 0. Both now read that default as an
    evaluation error."""
    import shutil

    shutil.copytree(DEFAULT_POLICIES / "charter", tmp_path / "P" / "charter")
    (tmp_path / "P" / "charter" / "data.json").unlink()
    line = _one_line_error(runner.invoke(app, ["policy", "check", str(tmp_path / "P")]))
    assert "cannot be decided" in line and "charter.incomplete_decision" in line
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        '{"id": "1", "text": "hello", "label": "allowed"}\n'
        '{"id": "2", "text": "Which stock should I buy?", "label": "blocked"}\n'
    )
    result = runner.invoke(app, ["eval", "run", str(corpus), "--policies", str(tmp_path / "P")])
    assert result.exit_code == 1, result.output
    assert "2 item(s) could not be evaluated" in result.output
    healthy = runner.invoke(app, ["eval", "run", str(corpus), "--policies", str(DEFAULT_POLICIES)])
    assert healthy.exit_code == 0, healthy.output


@pytest.mark.parametrize(
    ("setting", "value"),
    [(("tools", "refund", "approval_limit"), "500"), (("harm", "default", "threshold"), None)],
)
def test_a_setting_named_as_a_number_must_be_one(
    tmp_path: Path, setting: tuple[str, ...], value: object
) -> None:
    """Found by probing at stop 53: `"approval_limit": "500"` loaded, and a 900 refund ran
    without its approval (Rego orders a number below any string). A bundle whose numeric
    settings are not numbers is refused when it loads, naming the setting."""
    import shutil

    shutil.copytree(DEFAULT_POLICIES / "charter", tmp_path / "P" / "charter")
    path = tmp_path / "P" / "charter" / "data.json"
    data = json.loads(path.read_text())
    node = data["config"]
    for key in setting[:-1]:
        node = node[key]
    node[setting[-1]] = value
    path.write_text(json.dumps(data))
    line = _one_line_error(runner.invoke(app, ["policy", "check", str(tmp_path / "P")]))
    assert f"data.charter.config.{'.'.join(setting)} must be a number" in line


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_in_data_json_is_named_in_the_file(tmp_path: Path, constant: str) -> None:
    """Found by probing: `"approval_limit": NaN` failed with regorus' "RuntimeError:
    expected value at line 1 column 8161" (its own copy of the data), naming no file."""
    import shutil

    shutil.copytree(DEFAULT_POLICIES / "charter", tmp_path / "P" / "charter")
    path = tmp_path / "P" / "charter" / "data.json"
    text = path.read_text()
    path.write_text(text.replace('"approval_limit": 500', f'"approval_limit": {constant}', 1))
    assert constant in path.read_text()
    line = _one_line_error(runner.invoke(app, ["policy", "check", str(tmp_path / "P")]))
    assert "data.json: invalid JSON" in line and f"{constant} is no JSON number" in line


def test_input_nested_too_deeply_is_said_plainly(tmp_path: Path) -> None:
    """Found by probing at stop 53: `error: RecursionError: maximum recursion depth
    exceeded ...`, Python's words for the input's problem."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    line = _one_line_error(
        runner.invoke(app, ["policy", "explain", str(DEFAULT_POLICIES), "-i", str(deep)])
    )
    assert "nested too deeply" in line and "RecursionError" not in line
