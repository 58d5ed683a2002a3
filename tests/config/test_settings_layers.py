"""One configuration story: arguments > CHARTER_* environment > charter.toml > defaults."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import charter
from charter.cli.main import app
from charter.config import Settings, find_config
from charter.errors import ConfigurationError

runner = CliRunner()


def _toml(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "charter.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("CHARTER_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_each_layer_wins_over_the_next(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    path = _toml(tmp_path, '[charter]\napp = "from-file"\ntenant = "file-t"\nenvironment = "f"\n')
    env = {"CHARTER_TENANT": "env-t", "CHARTER_ENVIRONMENT": "e"}
    s = Settings.load(environ=env, cwd=tmp_path, environment="arg")
    assert (s.app, s.tenant, s.environment, s.on_deny) == ("from-file", "env-t", "arg", "raise")
    assert s.source_of("app") == str(path)
    assert s.source_of("tenant") == "CHARTER_TENANT"
    assert s.source_of("environment") == "argument"
    assert s.source_of("on_deny") == "default"


def test_config_is_found_upward_and_paths_are_relative_to_it(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    _toml(
        tmp_path,
        'store_url = "sqlite:///.charter/x.db"\npolicies = "pol"\n'
        'audit_checkpoint_file = "ops/head.json"\nreviewers_file = "rev.toml"\n',
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    s = Settings.load(environ={}, cwd=deep)
    assert s.store_url == f"sqlite:///{(tmp_path / '.charter' / 'x.db').resolve()}"
    assert s.policies == str((tmp_path / "pol").resolve())
    assert s.reviewers_file == str((tmp_path / "rev.toml").resolve())
    # Found by probing: the checkpoint was read relative to the working directory, so a
    # command run below the project wrote a second head there and verify compared nothing.
    assert s.audit_checkpoint_file == str((tmp_path / "ops" / "head.json").resolve())
    _toml(tmp_path, 'audit_checkpoint_file = "off"\n')
    assert Settings.load(environ={}, cwd=deep).audit_checkpoint_file == "off"


def test_charter_config_names_the_file(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    _toml(tmp_path / "here", 'app = "near"\n')
    far = _toml(tmp_path / "elsewhere", 'app = "named"\n')
    s = Settings.load(environ={"CHARTER_CONFIG": str(far)}, cwd=tmp_path / "here")
    assert s.app == "named"
    with pytest.raises(ConfigurationError, match=r"CHARTER_CONFIG=.*no such file"):
        Settings.load(environ={"CHARTER_CONFIG": str(tmp_path / "missing.toml")}, cwd=tmp_path)


def test_unknown_key_is_an_error_that_names_it(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[charter]\npii_mdoe = "spacy"\n')
    with pytest.raises(ConfigurationError) as err:
        Settings.load(environ={}, cwd=tmp_path)
    assert "'pii_mdoe'" in str(err.value) and "did you mean 'pii_mode'" in str(err.value)
    assert str(path) in str(err.value)
    with pytest.raises(ConfigurationError, match="unknown setting 'colour'"):
        Settings.load(environ={}, config_file=None, cwd=_empty(tmp_path), colour="red")


def test_settings_beside_a_charter_table_are_an_error(tmp_path: Path) -> None:
    """Found by probing: `engine = "http://..."` above [charter] was silently ignored (the
    embedded engine ran instead of the OPA server the file named)."""
    body = 'engine = "http://127.0.0.1:8181"\nstore_content = false\n[charter]\napp = "shop"\n'
    path = _toml(tmp_path, body)
    with pytest.raises(ConfigurationError) as err:
        Settings.load(environ={}, cwd=tmp_path)
    assert str(err.value) == (
        f"{path}: 'engine', 'store_content' at the top level beside a [charter] table "
        "would be ignored; put them under [charter]"
    )


def test_bad_value_names_the_source(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'on_deny = "explode"\n')
    with pytest.raises(ConfigurationError, match=f"invalid settings from {path}"):
        Settings.load(environ={}, cwd=tmp_path)


def _empty(tmp_path: Path) -> Path:
    folder = tmp_path.parent / f"{tmp_path.name}-empty"
    folder.mkdir(exist_ok=True)
    return folder


def test_no_file_anywhere_means_defaults(tmp_path: Path) -> None:
    folder = _empty(tmp_path)
    assert find_config({}, folder) is None
    s = Settings.load(environ={}, cwd=folder)
    assert s == Settings() and s.source_of("app") == "default"


def test_configure_reads_environment_and_toml(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """The friction point: configure(**kw) used to ignore CHARTER_* and charter.toml."""
    _toml(tmp_path, '[charter]\napp = "toml-app"\nstore_url = "sqlite:///s.db"\n')
    clean_env.chdir(tmp_path)
    clean_env.setenv("CHARTER_TENANT", "acme")
    clean_env.setattr(sys.modules["charter.guard"], "_DEFAULT", None)  # restored after
    ch = charter.configure(environment="staging", telemetry=False, audit=False)
    try:
        assert (ch.settings.app, ch.settings.tenant, ch.settings.environment) == (
            "toml-app",
            "acme",
            "staging",
        )
        assert ch.settings.store_url == f"sqlite:///{(tmp_path / 's.db').resolve()}"
    finally:
        ch.close()


def test_explicit_settings_object_gets_overrides(clean_env: pytest.MonkeyPatch) -> None:
    base = Settings.build({"app": "a"})
    ch = charter.Charter(base, tenant="t", telemetry=False, audit=False)
    try:
        assert (ch.settings.app, ch.settings.tenant) == ("a", "t")
        assert ch.settings.source_of("tenant") == "argument"
    finally:
        ch.close()


def test_config_show_prints_values_and_sources(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    path = _toml(tmp_path, 'app = "shop"\nvault_key = "c2VjcmV0"\n')
    clean_env.chdir(tmp_path)
    clean_env.setenv("CHARTER_TENANT", "acme")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["setting"]: r for r in json.loads(result.output)}
    assert rows["app"] == {"setting": "app", "value": "shop", "source": str(path)}
    assert rows["tenant"]["source"] == "CHARTER_TENANT"
    assert rows["pii_mode"]["source"] == "default"
    assert rows["vault_key"]["value"] == "***"  # never printed
    text = runner.invoke(app, ["config", "show"])
    assert text.exit_code == 0
    assert f"config file: {path}" in text.output
    assert "c2VjcmV0" not in text.output


def test_config_show_bad_file_is_one_clear_line(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    _toml(tmp_path, "app = \n")
    clean_env.chdir(tmp_path)
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "not valid TOML" in result.output


def test_cli_reads_the_configured_store_from_a_subfolder(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """The friction point: the CLI's default store was relative to the working directory."""
    _toml(tmp_path, 'store_url = "sqlite:///.charter/app.db"\n')
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    clean_env.chdir(sub)
    expected = (tmp_path / ".charter" / "app.db").resolve()
    from charter.approvals.queue import ApprovalQueue

    ApprovalQueue(f"sqlite:///{expected}").close()  # an app held nothing there yet
    result = runner.invoke(app, ["approvals", "list"])
    assert result.exit_code == 0, result.output
    assert f"no approval requests in store sqlite:///{expected} (from {tmp_path.resolve()}" in (
        result.output
    )


def test_empty_default_store_says_where_it_looked(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    folder = _empty(tmp_path)
    clean_env.chdir(folder)
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 2 and "Traceback" not in verified.output
    assert "no decision log at sqlite:///.charter/charter.db" in verified.output
    assert "store_url in charter.toml" in verified.output
    listed = runner.invoke(app, ["approvals", "list"])  # reads: never creates the store
    assert listed.exit_code == 2 and "Traceback" not in listed.output
    assert "no approval store at sqlite:///.charter/charter.db" in listed.output
    assert "store_url in charter.toml" in listed.output
    assert not (folder / ".charter").exists()


def test_audit_export_takes_an_age(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    """The friction point: `charter audit export --since 24h` failed."""
    from charter.config import DEFAULT_POLICIES
    from charter.testing import make_charter

    ch = make_charter(DEFAULT_POLICIES, tmp_path, audit=True)
    ch.check("hello there")
    ch.close()
    store = f"sqlite:///{tmp_path / 'charter.db'}"
    recent = runner.invoke(app, ["audit", "export", "--since", "24h", "--store", store])
    assert recent.exit_code == 0, recent.output
    assert len([line for line in recent.stdout.splitlines() if line.startswith("{")]) == 1
    future = runner.invoke(app, ["audit", "export", "--since", "2999-01-01", "--store", store])
    assert future.exit_code == 0 and "exported 0 records (none since 2999-01-01)" in future.stderr
    assert "set store_url" not in future.stderr  # the filter left them out, not the store
    bad = runner.invoke(app, ["audit", "export", "--since", "soon", "--store", store])
    assert bad.exit_code == 2 and "neither an ISO-8601" in bad.output


def test_configure_engine_url_builds_an_opa_engine(clean_env: pytest.MonkeyPatch) -> None:
    """The friction point: configure(engine="http://...") failed with AttributeError."""
    from charter.policy.opa import OpaServerEngine

    clean_env.setattr(sys.modules["charter.guard"], "_DEFAULT", None)
    ch = charter.configure(engine="http://127.0.0.1:9", telemetry=False, audit=False)
    try:
        assert ch.settings.engine == "http://127.0.0.1:9"
        assert isinstance(ch.engine, OpaServerEngine)
        decision = ch.check("hello")  # nothing listens on port 9: fail closed, explained
        assert decision.action.value == "deny" and decision.error
    finally:
        ch.close()


def test_the_audit_full_wait_reaches_the_log(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    store = f"sqlite:///{tmp_path / 'a.db'}"
    settings = Settings.load(
        environ={"CHARTER_AUDIT_FULL_WAIT_S": "0.25", "CHARTER_STORE_URL": store}, cwd=tmp_path
    )
    assert settings.source_of("audit_full_wait_s") == "CHARTER_AUDIT_FULL_WAIT_S"
    ch = charter.Charter(settings, telemetry=False)
    try:
        assert ch.audit.full_wait_s == 0.25
    finally:
        ch.close()
    with pytest.raises(ConfigurationError, match="audit_full_wait_s"):
        Settings.load(environ={"CHARTER_AUDIT_FULL_WAIT_S": "-1"}, cwd=tmp_path)


@pytest.mark.parametrize("url", ["http://opa.internal:81810", "http://opa:8181x"])
def test_a_bad_opa_port_is_a_configuration_error(
    url: str, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """Found by probing: the port was read only at the first guarded call, which raised a
    raw ValueError ('Port out of range 0-65535') from inside the engine."""
    from charter.policy.opa import OpaServerEngine

    expected = rf"'{url}': the port is not a number from 0 to 65535"
    with pytest.raises(ConfigurationError, match=rf"from CHARTER_ENGINE: engine: {expected}"):
        Settings.load(environ={"CHARTER_ENGINE": url}, cwd=_empty(tmp_path))
    path = _toml(tmp_path, f'engine = "{url}"\n')
    with pytest.raises(ConfigurationError, match=rf"from {path}: engine: {expected}"):
        Settings.load(environ={}, cwd=tmp_path)
    with pytest.raises(ConfigurationError, match=expected):
        charter.Charter(engine=url, telemetry=False, audit=False)
    with pytest.raises(ConfigurationError, match=expected):
        OpaServerEngine(url)
    with pytest.raises(ConfigurationError, match="neither `embedded` nor an OPA URL"):
        Settings.load(environ={"CHARTER_ENGINE": "embeded"}, cwd=_empty(tmp_path))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql://app:hunter2@db:notaport/c", "its port is not a number"),
        ("postgresql://app:hunter2@db:99999/c", "its port is not from 1 to 65535"),
        ("postgresql://app:hunter2@[::1/c", "its port is not a number"),
        ("postgresql//app:hunter2@db/c", r"\(not shown: it may hold a password\) is not a"),
    ],
)
def test_a_store_url_sqlalchemy_cannot_read_is_a_configuration_error(
    url: str, why: str, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """Found by probing: it passed `Settings.build`, then `audit.verify` and the queue of
    a Charter built with it raised a bare ValueError (int() of the port) at first use; one
    SQLAlchemy cannot parse was quoted whole, password and all."""
    import charter.audit

    with pytest.raises(
        ConfigurationError, match=rf"from CHARTER_STORE_URL: store_url: .*{why}"
    ) as raised:
        Settings.load(environ={"CHARTER_STORE_URL": url}, cwd=_empty(tmp_path))
    assert "hunter2" not in str(raised.value)
    with pytest.raises(ConfigurationError, match=why) as raised:
        charter.audit.verify(url)
    assert "hunter2" not in str(raised.value)
    with pytest.raises(ConfigurationError, match=r"takes a database URL, a str \(got NoneType\)"):
        charter.audit.verify(None)  # type: ignore[arg-type]


def test_config_show_hides_passwords_and_tokens_in_urls(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """Found by probing: `charter config show` printed the database password from
    CHARTER_STORE_URL; an engine, endpoint or bundle URL can carry one as well."""
    from charter._urls import shown_url
    from charter.cli._common import store_hint

    clean_env.chdir(_empty(tmp_path))
    clean_env.setenv("CHARTER_STORE_URL", "postgresql://charter:s3cretPW@db:5432/c")
    clean_env.setenv("CHARTER_ENGINE", "https://opa:0paPW@opa.internal:8443")
    clean_env.setenv("CHARTER_OTLP_ENDPOINT", "https://otel:0tlpPW@collector:4318")
    clean_env.setenv("CHARTER_POLICIES", "https://b.example/p.tar.gz?X-Amz-Signature=51gn&v=2")
    secrets = ("s3cretPW", "0paPW", "0tlpPW", "51gn")
    shown = runner.invoke(app, ["config", "show", "--json"])
    assert shown.exit_code == 0, shown.output
    rows = {r["setting"]: r["value"] for r in json.loads(shown.output)}
    assert rows["store_url"] == "postgresql://charter:***@db:5432/c"
    assert rows["engine"] == "https://opa:***@opa.internal:8443"
    assert rows["otlp_endpoint"] == "https://otel:***@collector:4318"
    assert rows["policies"] == "https://b.example/p.tar.gz?X-Amz-Signature=***&v=2"
    text = runner.invoke(app, ["config", "show"])
    assert text.exit_code == 0 and "postgresql://charter:***@db:5432/c" in text.output
    hint = store_hint(None) + store_hint("postgresql://u:s3cretPW@db/c")
    for odd in ("s3c/retPW", "s3c?retPW", "s3c#retPW", "s3c@retPW"):  # found by review
        assert shown_url(f"postgresql://charter:{odd}@db:5432/c") == rows["store_url"]
    assert not [s for s in secrets if s in shown.output + text.output + hint]
    from charter.policy.opa import OpaServerEngine

    engine = OpaServerEngine("http://opa:0paPW@127.0.0.1:9")  # nothing listens on port 9
    try:
        error = engine.evaluate({"text": "hello"}).error or ""
    finally:
        engine.close()
    assert "OPA at http://opa:***@127.0.0.1:9 failed" in error and "0paPW" not in error


def test_a_mistyped_environment_variable_is_warned_of(caplog: pytest.LogCaptureFixture) -> None:
    """Found by probing: CHARTER_STORE_ULR was ignored without a word (the default store
    was used), while a mistyped key in charter.toml is an error. A warning, not an error:
    Charter's other variables and other tools' share the prefix, and are left alone."""
    env = {
        "CHARTER_STORE_ULR": "sqlite:///elsewhere.db",
        "CHARTER_tenant": "acme",
        "CHARTER_SIGNALS_MEMO": "0",
        "CHARTER_DEBUG": "1",
        "CHARTER_MONITOR_TOKEN": "t0k3n",
        "CHARTER_MIRROR": "/srv/mirror",
        "CHARTER_APP": "shop",
    }
    with caplog.at_level("WARNING", logger="charter.config"):
        settings = Settings.from_env(env)
        Settings.from_env(env)  # once per variable, not per load
    assert settings.app == "shop" and settings.store_url == Settings().store_url
    assert [r.getMessage() for r in caplog.records] == [
        "CHARTER_STORE_ULR is not a Charter setting and is ignored; "
        "did you mean CHARTER_STORE_URL?",
        "CHARTER_tenant is not a Charter setting and is ignored; did you mean CHARTER_TENANT?",
    ]


@pytest.mark.parametrize("wait", ["inf", "31536001"])
def test_the_approval_wait_is_at_most_a_year(tmp_path: Path, wait: str) -> None:
    """`ApprovalQueue.wait` refuses a wait past a year (NaN stalled it, found by probing), so
    the setting that feeds it is bounded the same way where it loads: `inf` passed here."""
    with pytest.raises(ConfigurationError, match=r"approval_wait_s: .* over the limit of 31536000"):
        Settings.load(environ={"CHARTER_APPROVAL_WAIT_S": wait}, cwd=tmp_path)
    year = Settings.load(environ={"CHARTER_APPROVAL_WAIT_S": "31536000"}, cwd=tmp_path)
    assert year.approval_wait_s == 365 * 86400


UNFIT_NAMES = {
    "nul": "app\x00",
    "not utf-8": "app\udcff",
    "line break": "app\nx",
    "c1": "app\x85",
    "line separator": "app\u2028x",  # review: said unfit, was taken
    "bidi override": "app\u202ex",
}


@pytest.mark.parametrize("value", UNFIT_NAMES.values(), ids=list(UNFIT_NAMES))
@pytest.mark.parametrize("name", ["app", "tenant", "environment"])
def test_app_tenant_and_environment_names_are_plain_text(
    tmp_path: Path, name: str, value: str
) -> None:
    """Checked as a user id is. Found by probing: `CHARTER_APP=$'app\\xff'` (a lone
    surrogate once Python decodes the environment) or an app with a NUL was accepted, the
    store kept its held calls under U+FFFD, and its own queue refused them as another
    app's. The error names the setting and where it came from, never the value."""
    variable = f"CHARTER_{name.upper()}"
    tries = [
        ("arguments", lambda: Settings.build({name: value})),
        (variable, lambda: Settings.load(environ={variable: value}, cwd=tmp_path)),
        ("environment", lambda: Settings.from_env({variable: value})),
    ]
    for source, build in tries:
        with pytest.raises(ConfigurationError) as raised:
            build()
        message = str(raised.value)
        assert f"invalid settings from {source}: {name}: must be valid text" in message
        assert value not in message and "\\x" not in message and "\\u" not in message
    plain = Settings.load(environ={variable: "şube-ödeme eu/1"}, cwd=tmp_path)
    assert getattr(plain, name) == "şube-ödeme eu/1"


def test_configure_refuses_an_app_the_store_would_rename(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="app: must be valid text"):
        charter.configure(app="app\x00", store_url=f"sqlite:///{tmp_path}/c.db", telemetry=False)
