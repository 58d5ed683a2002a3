"""Span and metric names shared by the SDK (which emits them) and the console (which reads
them). GenAI names follow the OpenTelemetry GenAI semantic conventions; Charter's own are
under `charter.*`. No attribute here ever holds raw prompt text or a PII value."""

from __future__ import annotations

# Span names: one span per guarded call, named "{operation} {model}" per GenAI
SPAN_CALL = "charter.guard"
# Stage event names (events on the call span, each with its duration and own decision)
SPAN_POLICY = "charter.policy.evaluate"
SPAN_PII = "charter.pii.redact"
SPAN_APPROVAL = "charter.approval.wait"
SPAN_TOOL = "charter.tool"

# OpenTelemetry GenAI semantic conventions
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"  # "chat", "execute_tool", ...
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
GEN_AI_TOOL_NAME = "gen_ai.tool.name"

# Charter attributes
ACTION = "charter.decision.action"  # final action of the call: allow|redact|require_approval|deny
DECISION_ID = "charter.decision.id"
STAGE = "charter.stage"
RULES = "charter.rules"  # string[] of rule ids that fired
PRINCIPLES = "charter.principles"
POLICY_REVISION = "charter.policy.revision"
PII_TYPES = "charter.pii.types"  # string[] entity types
PII_COUNT = "charter.pii.count"  # int total
PII_COUNT_PREFIX = "charter.pii.count."  # + entity type -> int
SIGNAL_PREFIX = "charter.signal."  # + signal name -> float
SIGNALS_REVISION = "charter.signals.revision"  # "name=revision,..." of versioned signals
APPROVAL_ID = "charter.approval.id"
APPROVAL_STATE = "charter.approval.state"
APPROVAL_WAIT_MS = "charter.approval.wait_ms"
TENANT = "charter.tenant"
APP = "charter.app"
ENVIRONMENT = "charter.environment"
USER = "charter.user"  # pseudonym only
LATENCY_MS = "charter.latency_ms"  # guard's own overhead
CALL_MS = "charter.call_ms"  # the wrapped call's duration
ERROR = "charter.error"  # error class name, never a message with content
PROMPT_REDACTED = "charter.prompt.redacted"  # only when record_content is opted in
ANSWER_REDACTED = "charter.answer.redacted"  # only when record_content is opted in

# Metrics
METRIC_DECISIONS = "charter.decisions"  # counter; attrs: action, rule, stage
METRIC_LATENCY = "charter.guard.duration"  # histogram, ms
METRIC_REDACTIONS = "charter.redactions"  # counter; attr: entity_type
METRIC_APPROVALS = "charter.approvals"  # counter; attr: state

# --- added by telemetry (issue 7) -----------------------------------------------------------
ERROR_TYPE = "error.type"  # OTel general convention: fully qualified exception class name
STAGE_ACTION = "charter.stage.action"  # on a stage event: that stage's own decision action
STAGE_DURATION_MS = "charter.stage.duration_ms"  # on a stage event

# Metric attribute keys (short, as listed in the metric comments above)
METRIC_ATTR_ACTION = "action"
METRIC_ATTR_RULE = "rule"  # on charter.decisions: the first (primary) rule, "" when none fired
METRIC_ATTR_STAGE = "stage"
METRIC_ATTR_ENTITY_TYPE = "entity_type"
METRIC_ATTR_STATE = "state"
METRIC_ATTR_OPERATION = "operation"
METRIC_ATTR_APP = "app"
METRIC_ATTR_TENANT = "tenant"
METRIC_ATTR_ENVIRONMENT = "environment"

METRIC_RULE_HITS = "charter.rule.hits"  # counter, one per fired rule; attrs: rule, action, stage
METRIC_STAGE_DURATION = "charter.stage.duration"  # histogram, ms; attr: stage (the span name)

# --- decision-log checkpoints (charter.audit.checkpoint) ------------------------------------
SPAN_AUDIT_CHECKPOINT = "charter.audit.checkpoint"  # a root span per checkpoint of the chain head
AUDIT_HEAD_SEQ = "charter.audit.head_seq"  # int: records in the log when the checkpoint was taken
AUDIT_HEAD_HASH = "charter.audit.head_hash"  # hash of the newest record
AUDIT_CHECKPOINT_TIME = "charter.audit.checkpoint_time"  # UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ
AUDIT_STORE = "charter.audit.store"  # the store's URL, password removed
