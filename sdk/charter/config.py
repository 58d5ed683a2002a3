"""Settings: one typed object, layered from four places.

    explicit arguments  >  CHARTER_* environment  >  charter.toml  >  defaults

`charter.toml` is found upward from the working directory (as git finds `.git`), or named
by `CHARTER_CONFIG`. Relative paths in it (`policies`, a SQLite `store_url`, the files)
are relative to the file, so every command run anywhere below the project reads the same
store; a leading `~` is the home folder wherever a path comes from. Every `Settings`
remembers where each value came from (`charter config show` prints it).
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from charter._bounds import ONE_YEAR_S, at_most
from charter._config_paths import anchor_paths, comma_list, expand_home
from charter._ids import plain_name
from charter.errors import ConfigurationError

_PACKAGED = Path(__file__).resolve().parent / "_bundle"
_CHECKOUT = Path(__file__).resolve().parents[2] / "policies"
DEFAULT_POLICIES = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT
"""The starter bundle: inside the wheel as `charter/_bundle`, or the checkout's policies/."""

CONFIG_NAME = "charter.toml"
CONFIG_ENV = "CHARTER_CONFIG"
ENV_PREFIX = "CHARTER_"
DEFAULT = "default"
_log = logging.getLogger("charter.config")
MAX_POLICY_TIMEOUT_MS = 3_600_000.0
"""One hour: far beyond any sane policy budget, and a wait every timer can hold (`inf` or
1e300 failed each call in worker processes)."""
MAX_PROBE_TIMEOUT_S = ONE_YEAR_S
"""A year: past `threading.TIMEOUT_MAX` (about 9.2e9 s, and `inf`) every probe call failed
with OverflowError, a false "all probes failed" alert, while the abandoned calls went on.
Generous, as every Charter loads this setting: a one-day limit refused 2 days and so
stopped apps that never probe from starting."""
_BOUNDS = {  # at_most's limit, unit and why; `approval_wait_s` feeds `ApprovalQueue.wait`
    "policy_timeout_ms": (MAX_POLICY_TIMEOUT_MS, "ms", " (one hour); a budget in ms (250)"),
    "probe_timeout_s": (MAX_PROBE_TIMEOUT_S, "s", " (a year); a timeout in s (60)"),
    "approval_wait_s": (ONE_YEAR_S, "s", " (a year); an approval expires within it"),
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    policies: str = ""
    """Directory, `.tar.gz` bundle, or http(s) URL of a bundle. Empty: the shipped bundle."""
    engine: str = "embedded"
    """`embedded` (regorus in-process) or the URL of an OPA server."""
    policy_timeout_ms: float = Field(default=250.0, gt=0)
    """The longest one embedded policy evaluation may take; slower ones are denied (fail
    closed) with an error that says so. At most `MAX_POLICY_TIMEOUT_MS` (one hour)."""
    policy_isolation: Literal["none", "process"] = "none"
    """`process`: evaluate in worker processes, stopped at the deadline whatever the policy
    does (costs a pipe round trip per evaluation); `none`: in-process, bounded by the RVM's
    instruction budget and denied after the fact when over time."""
    max_text_chars: int = Field(default=1_000_000, gt=0)
    """The most characters one prompt, answer, tool argument set, tool result or set of
    retrieved passages may hold (all its texts together); more is denied unchecked (fail
    closed, `LimitExceeded`)."""
    unscored_roles: tuple[str, ...] = (
        "system",
        "developer",
        "assistant",
        "ai",
        "model",
        "tool",
        "function",
    )
    """Chat roles whose messages the prompt's safety signals do not score: the app's own
    instructions, the model's earlier answers and tool results (checked at a guarded tool's
    `tool_result` stage). A gateway that forwards messages its clients wrote, system
    prompts included, sets this empty (`CHARTER_UNSCORED_ROLES=`) to score them all."""
    max_json_depth: int = Field(default=32, ge=1, le=100)
    """How deeply tool arguments and results (and a call's other arguments) may nest; at
    most 100, since the policy engine parses inputs to 128 levels."""
    max_json_items: int = Field(default=100_000, gt=0)
    """How many values (list items and mapping entries, all levels) they may hold."""
    max_scored_texts: int = Field(default=1_000, gt=0)
    """How many texts of one prompt or answer (a chat's user messages, an answer's parts)
    the safety signals may score one by one; more is denied unchecked. Each costs 3-50 ms
    whatever its length (the contextual stage's run), so 20,000 short messages held a
    worker for ~50 s; scored together they are other numbers (joined benign turns read
    as attacks, and the int8 encoder quantizes a batch as one)."""
    store_url: str = "sqlite:///.charter/charter.db"
    app: str = "default"
    tenant: str = "default"
    environment: str = "dev"
    on_deny: Literal["raise", "refuse"] = "raise"
    pii_mode: Literal["spacy", "pattern", "off"] = "pattern"
    pii_regions: tuple[Literal["TR", "EU", "UK", "US"], ...] = ("TR", "EU", "UK", "US")
    """National PII recognizers to turn on (TC Kimlik No, EU ids, NINO/NHS, SSN, ...)."""
    pii_phone_regions: tuple[str, ...] = ()
    """ISO codes of the countries whose national phone formats count without a phone
    word; empty: those of `pii_regions` (Turkey, the EU/EEA, the UK, North America)."""
    approval_mode: Literal["wait", "raise"] = "raise"
    approval_wait_s: float = Field(default=30.0, gt=0)
    reviewers_file: str = ""
    audit: bool = True
    audit_mode: Literal["async", "sync"] = "async"
    """`async`: decisions are queued for a background writer (the call does not wait for
    the database; a process killed outright loses what is still queued). `sync`: written
    before the call goes on, and the call fails if it cannot be (zero loss, at a cost: see
    bench/)."""
    audit_writer: Literal["thread", "process"] = "thread"
    """async: who writes the queued decisions. `thread`: a thread of this process.
    `process`: a child process (`python -m charter.audit._child`), which takes the writer's
    cost off the guarded calls (see bench/) and writes what it was sent even when the
    application is killed outright; needs `store_url`."""
    audit_full_wait_s: float = Field(default=1.0, ge=0.0)
    """async: how long a call waits for room when the writer's queue is full and the store
    is writing (the application slows to the log's pace instead of losing records); 0 drops
    at once. With the store failing, a full queue always drops (counted and logged)."""
    audit_checkpoint_file: str = ""
    """Where the decision log notes its chain head (append-only JSON lines) so `charter audit
    verify --checkpoint` can detect a cut tail: "" beside a SQLite store's file (none for
    other stores), "off" for none, or a path. Checkpoints also go out as spans."""
    step_threads: int = Field(default=0, ge=0, le=1024)
    """How many threads run the checks, policy, store writes and approval waits' reads of
    awaited calls and async streams (Charter's own, not the loop's default executor, so
    `asyncio.to_thread` work cannot hold them up); 0: `min(32, CPUs + 4)`. Charters of one
    size share the threads."""
    telemetry: bool = True
    telemetry_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    otlp_endpoint: str = ""
    """Where spans go (OTLP/HTTP). Empty: the standard `OTEL_EXPORTER_OTLP_ENDPOINT`, else none."""
    service_name: str = ""
    """OTel `service.name`. Empty: the standard `OTEL_SERVICE_NAME`, else the app name."""
    record_content: bool = False
    """Opt-in: put *redacted* prompt/answer text on spans. Off by default."""
    store_content: bool = False
    """Opt-in: keep the *redacted* prompt/answer text and tool arguments at rest: in
    decision-log records, and in approval requests after they are decided. Off by default:
    records keep hashes, findings and rule ids, and a request's action is kept only while
    it can still be decided or used (risk when on: personal data that detection misses is
    stored in plain text; see README, "What is stored")."""
    vault_key: str = ""
    """Base64 AES-256 key for the PII vault; empty: a per-process random key."""
    probe_target: str = ""
    """`module:function`: the app's guarded entry point `charter probe` asks."""
    probe_endpoint: str = ""
    """Base URL of an OpenAI-compatible API to probe instead (the model alone, no guard)."""
    probe_model: str = ""
    """The model name probe runs are recorded under (and sent to `probe_endpoint`)."""
    probe_api_key_env: str = "OPENAI_API_KEY"
    """The environment variable holding `probe_endpoint`'s API key (never the key itself)."""
    probe_corpus: tuple[str, ...] = ()
    """Probe set files or folders; empty: the bundle's redteam, benign, overcaution and
    sycophancy corpora."""
    probe_timeout_s: float = Field(default=60.0, gt=0)
    """How long `charter probe` waits for one call to the target; at most a year."""
    probe_thresholds: dict[str, float] = Field(default_factory=dict)
    """When a probe run counts as changed: `rate_warn`, `rate_alert`, `min_items`,
    `drift_warn`, `drift_alert` (`charter.probes.ProbeThresholds`); `charter probe` and
    `charter console` both read them."""

    @field_validator(
        "pii_regions", "pii_phone_regions", "probe_corpus", "unscored_roles", mode="before"
    )
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        """A list from the environment is one string: `CHARTER_PROBE_CORPUS=a.jsonl,b.jsonl`."""
        return comma_list(value)

    @field_validator("probe_thresholds", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        """A table from the environment is one string of JSON:
        `CHARTER_PROBE_THRESHOLDS='{"rate_warn": 0.2}'` (empty: none)."""
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise ValueError(f'not a JSON object like {{"rate_warn": 0.2}} ({exc})') from None

    @field_validator(*_BOUNDS)
    @classmethod
    def _bounded(cls, value: float, info: Any) -> float:  # pydantic's ValidationInfo
        return at_most(value, *_BOUNDS[info.field_name or ""])

    @field_validator("engine")
    @classmethod
    def _engine_url(cls, value: str) -> str:
        """A bad OPA URL (a port like `:81810`) is said when settings load, not at a call."""
        if value != "embedded":
            from charter.policy.opa import check_opa_url

            try:
                check_opa_url(value)
            except ConfigurationError as exc:  # as a ValueError, `build` names the source
                raise ValueError(str(exc).removeprefix("engine ")) from None
        return value

    @field_validator("store_url")
    @classmethod
    def _store_url(cls, value: str) -> str:
        """A port like `:notaport` is said when settings load, not at the store's first use."""
        from charter.store.db import store_url_setting

        return store_url_setting(value)

    @field_validator("app", "tenant", "environment")
    @classmethod
    def _stored_name(cls, value: str) -> str:
        return plain_name(value)  # stored with each record and request, like a user id

    @field_validator("policies", "reviewers_file", "audit_checkpoint_file", "store_url")
    @classmethod
    def _home_path(cls, value: str) -> str:
        """`~` means the home folder wherever a path comes from (file, environment,
        argument); left as written, each working directory got a folder named `~`."""
        return expand_home(value)

    @field_validator("probe_corpus")
    @classmethod
    def _home_paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(expand_home(path) for path in value)

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def policies_source(self) -> str:
        return self.policies or str(DEFAULT_POLICIES)

    def source_of(self, name: str) -> str:
        """Where `name` came from: "default", a file path, `CHARTER_X`, or "argument"."""
        return self._sources.get(name, DEFAULT)

    # --- building ----------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        config_file: str | Path | None = None,
        **explicit: Any,
    ) -> Settings:
        """The effective settings: `explicit` > environment > charter.toml > defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        path = Path(config_file) if config_file else find_config(env, cwd)
        if path is not None:
            for name, value in read_config(path).items():
                values[name], sources[name] = value, str(path)
        for name, value in _from_environment(env).items():
            values[name], sources[name] = value, f"{ENV_PREFIX}{name.upper()}"
        for name, value in explicit.items():
            values[name], sources[name] = value, "argument"
        settings = cls.build(values, source=_describe(sources))
        settings._sources.update(sources)
        return settings

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Environment and overrides only (no file): for tests and containers."""
        env = os.environ if environ is None else environ
        values = {**_from_environment(env), **overrides}
        return cls.build(values, source="environment")

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> Settings:
        return cls.load(environ={}, config_file=path, **overrides)

    @classmethod
    def build(cls, values: Mapping[str, Any], *, source: str = "arguments") -> Settings:
        unknown = [name for name in values if name not in cls.model_fields]
        if unknown:
            raise ConfigurationError(f"{source}: {_unknown_key(unknown[0])}")
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            problems = "; ".join(_problem(err) for err in exc.errors())
            raise ConfigurationError(f"invalid settings from {source}: {problems}") from None

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with `overrides` applied as explicit arguments (provenance kept)."""
        if not overrides:
            return self
        built = self.build({**self.model_dump(), **overrides})
        built._sources.update(self._sources)
        built._sources.update(dict.fromkeys(overrides, "argument"))
        return built


def find_config(
    environ: Mapping[str, str] | None = None, cwd: str | Path | None = None
) -> Path | None:
    """`CHARTER_CONFIG`, else the nearest charter.toml from `cwd` upward, else None."""
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"{CONFIG_ENV}={named}: no such file")
        return path.resolve()
    start = Path(cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def read_config(path: Path) -> dict[str, Any]:
    """The `[charter]` table of a charter.toml (or its top level when it has no such table),
    paths made absolute."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"config file {path} not found; run `charter init`") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"{path}: not valid TOML: {exc}; fix the file (`charter init` writes a valid one)"
        ) from None
    beside = [name for name in data if name != "charter"] if "charter" in data else []
    if beside:  # read as the [charter] table's, they would silently not apply
        raise ConfigurationError(
            f"{path}: {', '.join(map(repr, beside))} at the top level beside a [charter] "
            "table would be ignored; put them under [charter]"
        )
    table = data.get("charter", data)
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [charter] must be a table of settings")
    for name in table:
        if name not in Settings.model_fields:
            raise ConfigurationError(f"{path}: {_unknown_key(name)}")
    try:
        return anchor_paths(dict(table), path.parent)
    except ValueError as exc:  # an unknown ~user
        raise ConfigurationError(f"{path}: {exc}") from None


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    _warn_of_typos(env)
    return {
        name: env[f"{ENV_PREFIX}{name.upper()}"]
        for name in Settings.model_fields
        if f"{ENV_PREFIX}{name.upper()}" in env
    }


_warned: set[str] = set()


def _warn_of_typos(env: Mapping[str, str]) -> None:
    """Warn, once per variable, of a CHARTER_* variable that is no setting but looks like
    one (`CHARTER_STORE_ULR`): it was ignored without a word, while a mistyped key in
    charter.toml is an error. Only a warning, and only for look-alikes of a setting, since
    Charter's other variables (CHARTER_CONFIG, CHARTER_SIGNALS_*, ...) and other tools'
    share the prefix."""
    for var in env:
        name = var[len(ENV_PREFIX) :].lower()
        read = name in Settings.model_fields and var == f"{ENV_PREFIX}{name.upper()}"
        if not var.startswith(ENV_PREFIX) or read or var in _warned:
            continue
        close = difflib.get_close_matches(name, list(Settings.model_fields), n=1)
        if close:
            _warned.add(var)
            _log.warning(
                "%s is not a Charter setting and is ignored; did you mean %s%s?",
                var,
                ENV_PREFIX,
                close[0].upper(),
            )


def _problem(err: Any) -> str:
    """One validation error: our validators' own message without pydantic's "Value error, "."""
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {str(err['msg']).removeprefix('Value error, ')}"


def _unknown_key(name: str) -> str:
    close = difflib.get_close_matches(name, list(Settings.model_fields), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown setting {name!r}{hint} (known: {', '.join(Settings.model_fields)})"


def _describe(sources: Mapping[str, str]) -> str:
    origins = sorted(set(sources.values()))
    return ", ".join(origins) if origins else "defaults"
