"""Settings: one typed object, from arguments, `CHARTER_*` environment variables or a
`charter.toml` file. Defaults are the embedded, zero-setup ones."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from charter.errors import ConfigurationError

_PACKAGED = Path(__file__).resolve().parent / "_bundle"
_CHECKOUT = Path(__file__).resolve().parents[2] / "policies"
DEFAULT_POLICIES = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT
"""The starter bundle: inside the wheel as `charter/_bundle`, or the checkout's policies/."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    policies: str = ""
    """Directory, `.tar.gz` bundle, or http(s) URL of a bundle. Empty: the shipped bundle."""
    engine: str = "embedded"
    """`embedded` (regorus in-process) or the URL of an OPA server."""
    store_url: str = "sqlite:///.charter/charter.db"
    app: str = "default"
    tenant: str = "default"
    environment: str = "dev"
    on_deny: Literal["raise", "refuse"] = "raise"
    pii_mode: Literal["spacy", "pattern", "off"] = "pattern"
    approval_mode: Literal["wait", "raise"] = "raise"
    approval_wait_s: float = Field(default=30.0, gt=0)
    reviewers_file: str = ""
    audit: bool = True
    audit_mode: Literal["async", "sync"] = "async"
    audit_checkpoint_file: str = ""
    """Where the decision log notes its chain head (append-only JSON lines) so `charter audit
    verify --checkpoint` can detect a cut tail: "" beside a SQLite store's file (none for
    other stores), "off" for none, or a path. Checkpoints also go out as spans."""
    """`async`: decisions are written by a background thread (the call never waits; a
    process killed outright loses what is still queued). `sync`: written before the call
    goes on, and the call fails if it cannot be (zero loss, at a cost: see bench/)."""
    telemetry: bool = True
    telemetry_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    record_content: bool = False
    """Opt-in: put *redacted* prompt/answer text on spans. Off by default."""
    vault_key: str = ""
    """Base64 AES-256 key for the PII vault; empty: a per-process random key."""

    @property
    def policies_source(self) -> str:
        return self.policies or str(DEFAULT_POLICIES)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            key = f"CHARTER_{name.upper()}"
            if key in env:
                values[name] = env[key]
        values.update(overrides)
        return cls.build(values, source="environment")

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> Settings:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text())
        except FileNotFoundError as exc:
            raise ConfigurationError(f"config file {p} not found; run `charter init`") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{p}: not valid TOML: {exc}") from exc
        values = dict(data.get("charter", data))
        values.update(overrides)
        return cls.build(values, source=str(p))

    @classmethod
    def build(cls, values: dict[str, Any], *, source: str = "arguments") -> Settings:
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"invalid settings from {source}: {problems}") from None
