"""Span and metric names shared by the SDK (which emits them) and the console (which reads
them). GenAI names follow the OpenTelemetry GenAI semantic conventions; Charter's own are
under `charter.*`. No attribute here ever holds raw prompt text or a PII value."""

from __future__ import annotations

# Span names: one span per guarded call, named "{operation} {model}" per GenAI
# (`call_span_name`, at the end)
SPAN_CALL = "charter.guard"
# Stage event names (events on the call span, each with its duration and own decision)
SPAN_POLICY = "charter.policy.evaluate"
SPAN_PII = "charter.pii.redact"
SPAN_APPROVAL = "charter.approval.wait"
SPAN_TOOL = "charter.tool"
SPAN_GROUNDING = "charter.grounding"  # scoring a RAG answer against its retrieved passages
SPAN_REVISE = "charter.revise"  # one event per revision round (the model rewrote its answer)

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
SIGNAL_PREFIX = "charter.signal."  # + signal name -> float, highest over the request side
RESPONSE_SIGNAL_PREFIX = "charter.response.signal."  # + name -> float, over the response side
# Request side: the prompt and a tool call's arguments (what the traffic sends). Response
# side: the model's answer and a tool's result. Kept apart so drift can tell the traffic
# changing from the model changing.
SIGNALS_REVISION = "charter.signals.revision"  # "name=revision,..." of versioned signals
WITHHELD_TURNS = "charter.withheld_turns"
# int: earlier user turns refused before, withheld from the model (`charter.refused_turns`)
APPROVAL_ID = "charter.approval.id"
APPROVAL_STATE = "charter.approval.state"
APPROVAL_WAIT_MS = "charter.approval.wait_ms"
TENANT = "charter.tenant"
APP = "charter.app"
ENVIRONMENT = "charter.environment"
USER = "charter.user"  # pseudonym only
LATENCY_MS = "charter.latency_ms"  # guard's own overhead
CALL_MS = "charter.call_ms"
# The time spent in the wrapped function, returned or raised, summed over its revisions; for
# a stream, what producing its chunks took (not the time the reader held them).
ERROR = "charter.error"  # error class name, never a message with content
SAMPLED_ALLOW_RATE = "charter.sampling.allow_rate"
# float, on a call span whose trace is in the SDK's sampled share of allowed calls
# (`telemetry_sample_rate` < 1): such a span, if allowed, stands for 1/rate calls.
PROMPT_REDACTED = "charter.prompt.redacted"  # only when record_content is opted in
ANSWER_REDACTED = "charter.answer.redacted"  # only when record_content is opted in

# Revise (issue 18): on the call span, and on each `charter.revise` event
REVISE_ROUNDS = "charter.revise.rounds"  # int: revision rounds = model calls revise added
REVISE_OUTCOME = "charter.revise.outcome"  # "revised" or "refused"
CALLS = "charter.calls"  # int: times the wrapped function ran (set when a revision happened)
REVISE_ROUND = "charter.revise.round"  # on the event: 1, 2, ...
REVISE_RULES = "charter.revise.rules"  # on the event: string[] rules whose critiques were sent
REVISE_PRINCIPLES = "charter.revise.principles"  # on the event: string[]
REVISE_VERDICT = "charter.revise.verdict"  # on the event: the action the revision got
REVISE_LATENCY_MS = "charter.revise.latency_ms"  # on the event: wall time the round added

# Metrics
METRIC_DECISIONS = "charter.decisions"  # counter; attrs: action, rule, stage
METRIC_LATENCY = "charter.guard.duration"  # histogram, ms
METRIC_REDACTIONS = "charter.redactions"  # counter; attr: entity_type
METRIC_APPROVALS = "charter.approvals"  # counter; attr: state
METRIC_REVISIONS = "charter.revisions"  # counter, one per revision round; attr: action (verdict)

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

# --- model probes (issue 18): `charter probe`, never on the request path ---------------------
SPAN_PROBE = "charter.probe"  # one per probe run; its guarded calls are its children
SPAN_PROBE_SUITE = "charter.probe.suite"  # one per suite, child of the run span
PROBE_RUN_ID = "charter.probe.run_id"
PROBE_TARGET = "charter.probe.target"  # module:function or the endpoint URL (no credentials)
PROBE_MODEL = "charter.probe.model"
PROBE_MODEL_VERSION = "charter.probe.model_version"  # the version the answers reported
PROBE_SUITE = "charter.probe.suite.name"
PROBE_KIND = "charter.probe.kind"  # attack | benign | sycophancy
PROBE_ITEMS = "charter.probe.items"
PROBE_TARGET_CALLS = "charter.probe.target_calls"
PROBE_REFUSAL_RATE = "charter.probe.refusal_rate"
PROBE_FALSE_REFUSAL_RATE = "charter.probe.false_refusal_rate"
PROBE_FLIP_RATE = "charter.probe.flip_rate"
PROBE_DRIFT = "charter.probe.drift"
PROBE_METRIC_PREFIX = "charter.probe.metric."  # + a `RunMetrics` count (attack_items, ...)
PROBE_IS_BASELINE = "charter.probe.is_baseline"
PROBE_BASELINE_RUN_ID = "charter.probe.baseline.run_id"
PROBE_BASELINE_VERSION = "charter.probe.baseline.model_version"
PROBE_BASELINE_METRIC_PREFIX = "charter.probe.baseline.metric."  # + the baseline's counts
PROBE_SEVERITY = "charter.probe.severity"  # ok | warn | alert, against the baseline
PROBE_CHANGES = "charter.probe.changes"  # string[]: what changed, one sentence each
PROBE_REFUSED_GUARD = "charter.probe.refused.guard"
PROBE_REFUSED_MODEL = "charter.probe.refused.model"
PROBE_FLIPPED = "charter.probe.flipped"
PROBE_ELIGIBLE = "charter.probe.eligible"
METRIC_PROBE_RATE = "charter.probe.rate"  # gauge; attrs: metric, model, model_version, target
METRIC_ATTR_METRIC = "metric"
METRIC_ATTR_MODEL = "model"
METRIC_ATTR_MODEL_VERSION = "model_version"
METRIC_ATTR_TARGET = "target"

# --- decision-log checkpoints (charter.audit.checkpoint) ------------------------------------
SPAN_AUDIT_CHECKPOINT = "charter.audit.checkpoint"  # a root span per checkpoint of the chain head
AUDIT_HEAD_SEQ = "charter.audit.head_seq"  # int: records in the log when the checkpoint was taken
AUDIT_HEAD_HASH = "charter.audit.head_hash"  # hash of the newest record
AUDIT_CHECKPOINT_TIME = "charter.audit.checkpoint_time"  # UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ
AUDIT_STORE = "charter.audit.store"  # the store's URL, password removed


def call_span_name(operation: str, model: str, tool: str | None) -> str:
    """A guarded call's span name, as the GenAI conventions build it: "execute_tool {tool}"
    for a tool, "{operation} {model}" otherwise. The console keeps a span's name only when
    it is one of Charter's, so both sides build it here."""
    if operation == "execute_tool":
        return f"{operation} {tool}" if tool else operation
    return f"{operation} {model}" if model else operation
