"""Charter: policy-as-code guardrails for LLM applications.

Wrap model and tool calls with Rego policies, PII redaction and human approvals; every
decision is explainable, audited and traced. Heavy parts load lazily: importing `charter`
does not import Presidio, spaCy, LangChain, Textual or the OpenTelemetry SDK.
"""

from __future__ import annotations

from charter import semconv
from charter.config import Settings
from charter.context import CallContext, context
from charter.decision import (
    Action,
    ApprovalSpec,
    Approvers,
    Critique,
    Decision,
    RedactOperator,
    ReviseSpec,
    Severity,
    Stage,
    Violation,
)
from charter.errors import (
    ActionMismatch,
    ApprovalError,
    ApprovalPending,
    ApprovalRejected,
    ApprovalTimeout,
    AuditError,
    BundleError,
    CharterError,
    ConfigurationError,
    IngestError,
    IntegrationError,
    LimitExceeded,
    NotAuthorized,
    PIIError,
    PolicyError,
    PolicyEvaluationError,
    PolicyLoadError,
    PolicyViolation,
    StoreError,
    TelemetryError,
    VaultError,
)
from charter.guard import Charter, aresume, configure, get_charter, guard, resume
from charter.policy.base import PolicyEngine
from charter.policy.input import PolicyInput
from charter.reports import CallReport, ReviseRound, reports

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionMismatch",
    "ApprovalError",
    "ApprovalPending",
    "ApprovalRejected",
    "ApprovalSpec",
    "ApprovalTimeout",
    "Approvers",
    "AuditError",
    "BundleError",
    "CallContext",
    "CallReport",
    "Charter",
    "CharterError",
    "ConfigurationError",
    "Critique",
    "Decision",
    "IngestError",
    "IntegrationError",
    "LimitExceeded",
    "NotAuthorized",
    "PIIError",
    "PolicyEngine",
    "PolicyError",
    "PolicyEvaluationError",
    "PolicyInput",
    "PolicyLoadError",
    "PolicyViolation",
    "RedactOperator",
    "ReviseRound",
    "ReviseSpec",
    "Settings",
    "Severity",
    "Stage",
    "StoreError",
    "TelemetryError",
    "VaultError",
    "Violation",
    "__version__",
    "aresume",
    "configure",
    "context",
    "get_charter",
    "guard",
    "reports",
    "resume",
    "semconv",
]
