"""One exception tree: every error Charter raises is a `CharterError`.

Messages say what is wrong and what to do about it. They never carry raw prompt text or
personal data: callers put entity types, rule ids and file positions in them, not values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from charter.decision import Decision


class CharterError(Exception):
    """Root of every error Charter raises."""


class ConfigurationError(CharterError):
    """Settings or arguments are invalid; the message names the setting to fix."""


# --- policy -------------------------------------------------------------------------------


class PolicyError(CharterError):
    """A policy bundle cannot be loaded or evaluated."""


class PolicyLoadError(PolicyError):
    """A policy file does not compile; `location` is `file:line:col` when known."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        self.location = location
        self.reason = message
        super().__init__(f"{location}: {message}" if location else message)


class PolicyEvaluationError(PolicyError):
    """Evaluation failed (engine error, timeout, malformed decision). The guard turns it
    into a fail-closed deny; the policy CLI reports it."""


class BundleError(PolicyError):
    """A bundle (directory, tar.gz or URL) is malformed or cannot be fetched."""


# --- enforcement ---------------------------------------------------------------------------


class PolicyViolation(CharterError):
    """The policy denied the call. Carries the `Decision`; `str()` explains it."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__(decision.explain())


class LimitExceeded(PolicyViolation):
    """A prompt, answer, tool argument or tool result is larger or nested deeper than the
    guard takes. Denied before any check (fail closed; the deny is recorded). `setting`
    names the setting that raises the limit, `limit` its value, `found` what was seen
    (at least)."""

    def __init__(
        self, decision: Decision, message: str, *, setting: str, limit: int, found: int
    ) -> None:
        super().__init__(decision)
        self.args = (message,)
        self.setting = setting
        self.limit = limit
        self.found = found


class ApprovalError(CharterError):
    """An approval operation was refused or failed."""


class ApprovalPending(ApprovalError):
    """The call needs a human's approval; resume later with `charter.resume(ticket)`."""

    def __init__(self, ticket: str, message: str | None = None) -> None:
        self.ticket = ticket
        super().__init__(
            message
            or f"approval required: request {ticket} is pending; "
            f"resume with charter.resume({ticket!r})"
        )


class ApprovalRejected(ApprovalError):
    """A reviewer rejected the request, or it expired with `on_timeout: deny`."""


class ApprovalTimeout(ApprovalError):
    """Waiting for approval took longer than the configured wait; the request stays queued."""


class NotAuthorized(ApprovalError):
    """The reviewer may not decide this request (unknown, wrong role, own request, voted)."""


class ActionMismatch(ApprovalError):
    """An approval was presented for a different action than the one it was granted for."""


# --- infrastructure ------------------------------------------------------------------------


class StoreError(CharterError):
    """The database is unreachable, locked or inconsistent; nothing was lost."""

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable
        """The database could not be reached, was locked or did not answer: the operation
        may succeed when retried, and what it wrote is not to blame."""


class PIIError(CharterError):
    """PII detection or the vault failed (missing model, bad recognizer config, bad key)."""


class VaultError(PIIError):
    """A vault mapping cannot be decrypted or is gone (wrong key, erased, expired)."""


class AuditError(CharterError):
    """The decision log is broken or cannot be written."""


class TelemetryError(CharterError):
    """Telemetry cannot be set up as configured."""


class IngestError(CharterError):
    """An OTLP payload is malformed or too large; the message is the HTTP reason."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        self.status = status
        super().__init__(message)


class IntegrationError(CharterError):
    """An optional integration is not installed; the message names the extra to install."""
