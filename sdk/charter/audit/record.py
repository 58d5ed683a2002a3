"""One decision-log record, shaped like an OPA decision log entry, and its chain hash.

`hash` is the SHA-256 of the canonical JSON (`charter._canonical`) of the record's
*material*: every field except `hash`, with `timestamp` written as
`YYYY-MM-DDTHH:MM:SS.ffffffZ`. The material includes `seq` and `prev_hash`, so a record
cannot be changed, moved or dropped without breaking the chain. The exported JSON line is
exactly the material plus `hash`, so anyone can re-check a line with any SHA-256 tool.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from charter._canonical import canonical_json, no_twins, reparses_to_itself, sha256_hex
from charter.decision import Decision, Violation

DECISION_LOG_PATH = "charter/main/decision"
"""OPA-style path of the rule that produced the decision."""
MARKER_LABEL = "charter.marker"
"""Label of a record that stands in for one the log could not write (value: why)."""
UNWRITABLE = "unwritable_record"

_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_timestamp(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601 with microseconds: sorts as text, round-trips exactly."""
    if moment.tzinfo is None:
        raise ValueError("decision-log timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def chain_hash(material: Mapping[str, Any]) -> str:
    return sha256_hex(dict(material))


class DecisionRecord(BaseModel):
    """A decision as the log keeps it: input (texts withheld), result, revision, trace
    ids, chain."""

    model_config = ConfigDict(frozen=True)

    seq: int
    decision_id: str
    timestamp: datetime
    path: str = DECISION_LOG_PATH
    input: dict[str, Any]
    """The policy input: its texts as hashes (`charter.audit.content`), or redacted text
    when the app opted in with `store_content`."""
    result: dict[str, Any]
    """The decision, as `Decision.model_dump(mode="json")`."""
    policy_revision: str
    trace_id: str = ""
    span_id: str = ""
    labels: dict[str, str]
    metrics: dict[str, int | float]
    prev_hash: str
    hash: str

    def material(self) -> dict[str, Any]:
        """Everything the hash covers (all fields but `hash`)."""
        return {
            "seq": self.seq,
            "decision_id": self.decision_id,
            "timestamp": format_timestamp(self.timestamp),
            "path": self.path,
            "input": self.input,
            "result": self.result,
            "policy_revision": self.policy_revision,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "labels": self.labels,
            "metrics": self.metrics,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return chain_hash(self.material())

    @property
    def is_marker(self) -> bool:
        """A stand-in for a record that could not be written (see `PreparedRecord.marker`)."""
        return MARKER_LABEL in self.labels

    def to_export(self) -> dict[str, Any]:
        """The JSON-lines shape for a SIEM: the hashed material plus `hash`."""
        return {**self.material(), "hash": self.hash}

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> DecisionRecord:
        """From a `charter_decision_log` row (validated). Raises `ValueError` when a column
        does not parse, as after a hand edit."""
        material = material_from_row(row)
        material["timestamp"] = row["timestamp"]
        return cls.model_validate({**material, "hash": row["hash"]})


def material_from_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The hashed material of a stored row, without validating it (for `verify`, which
    must judge rows whatever was done to them). Raises `ValueError` on unparsable JSON,
    and on an object that repeats a key: the hash covers the value Python keeps (the
    last), SQL's `json_extract` reads the first, so `{"action":"allow",...,"action":
    "deny"}` passed verify while queries read allow (found by probing)."""
    return {
        "seq": int(row["seq"]),
        "decision_id": row["decision_id"],
        "timestamp": format_timestamp(row["timestamp"]),
        "path": row["path"],
        "input": _parsed(row["input_json"]),
        "result": _parsed(row["result_json"]),
        "policy_revision": row["policy_revision"],
        "trace_id": row["trace_id"],
        "span_id": row["span_id"],
        "labels": _parsed(row["labels_json"]),
        "metrics": _parsed(row["metrics_json"]),
        "prev_hash": row["prev_hash"],
    }


def _parsed(json_text: str) -> Any:
    return json.loads(json_text, object_pairs_hook=no_twins)


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record with everything but its place in the chain, serialised once. The hash
    covers exactly what is stored: `verify` parses each stored JSON column back and
    canonicalises the material again, and `seal` computes that same text (see
    `_hashed_text`) without building the material twice."""

    decision_id: str
    timestamp: datetime
    path: str
    input_json: str
    result_json: str
    policy_revision: str
    trace_id: str
    span_id: str
    labels_json: str
    metrics_json: str
    fixed_input: bool = field(default=False, compare=False)
    """True when `input_json` is canonical JSON that parses back to itself."""
    fixed_columns: bool = field(default=False, compare=False)
    """True when `result_json`, `labels_json` and `metrics_json` are canonical JSON that
    parses back to itself (`build` makes them so: string keys only, see `_hashed_text`)."""

    @classmethod
    def build(
        cls,
        decision: Decision,
        input: Mapping[str, Any] | str,
        *,
        timestamp: datetime,
        trace_id: str,
        span_id: str,
        labels: Mapping[str, str],
        input_stable: bool = False,
    ) -> PreparedRecord:
        """`input` is the redacted policy input, or its canonical JSON text already
        (`input_stable`: text known to reparse to itself, see `reparses_to_itself`)."""
        label_doc = {"stage": decision.stage.value, **labels}
        return cls(
            decision_id=decision.decision_id,
            timestamp=timestamp,
            path=DECISION_LOG_PATH,
            input_json=input if isinstance(input, str) else canonical_json(input),
            fixed_input=input_stable if isinstance(input, str) else reparses_to_itself(input),
            result_json=canonical_json(decision.model_dump(mode="json")),
            policy_revision=decision.policy_revision,
            trace_id=trace_id,
            span_id=span_id,
            labels_json=canonical_json(label_doc),
            metrics_json=canonical_json({"timer_eval_ns": round(decision.eval_ms * 1e6)}),
            # `model_dump(mode="json")` writes every key as a string; labels are checked here
            # because a caller may pass any mapping.
            fixed_columns=all(type(k) is str and type(v) is str for k, v in label_doc.items()),
        )

    @classmethod
    def marker(
        cls,
        decision: Decision,
        *,
        timestamp: datetime,
        trace_id: str,
        span_id: str,
        labels: Mapping[str, str],
        error: str,
    ) -> PreparedRecord:
        """A stand-in for a record that could not be written: the decision's action, rule
        ids, revision and ids, no input, all as plain ASCII so it can always be stored. It
        keeps the chain saying *that* a decision was made where the record is missing."""
        result = Decision(
            action=decision.action,
            violations=tuple(Violation(rule=_ascii(v.rule)) for v in decision.violations),
            decision_id=_ascii(decision.decision_id, 64),
            policy_revision=_ascii(decision.policy_revision),
            stage=decision.stage,
            eval_ms=decision.eval_ms,
            error=f"the decision-log record could not be written ({_ascii(error, 80)})",
        )
        safe_labels = {_ascii(k): _ascii(v) for k, v in labels.items()}
        return cls.build(
            result,
            {},
            timestamp=timestamp,
            trace_id=_ascii(trace_id, 32),
            span_id=_ascii(span_id, 16),
            labels={**safe_labels, MARKER_LABEL: UNWRITABLE},
        )

    def seal(self, seq: int, prev_hash: str) -> dict[str, Any]:
        """The `charter_decision_log` row for position `seq` after `prev_hash`."""
        row: dict[str, Any] = {
            "seq": seq,
            "decision_id": self.decision_id,
            "timestamp": self.timestamp,
            "path": self.path,
            "input_json": self.input_json,
            "result_json": self.result_json,
            "policy_revision": self.policy_revision,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "labels_json": self.labels_json,
            "metrics_json": self.metrics_json,
            "prev_hash": prev_hash,
        }
        row["hash"] = hashlib.sha256(self._hashed_text(seq, prev_hash).encode()).hexdigest()
        return row

    def _hashed_text(self, seq: int, prev_hash: str) -> str:
        """`canonical_json(material_from_row(row))`, the text `verify` hashes, written out
        directly: canonical JSON of a dict is its sorted keys with each value's own canonical
        JSON, so the stored columns are spliced in. A column is spliced as it is only when it
        is known to re-canonicalise to itself (`fixed_columns`, `fixed_input`); an input
        from a caller with a key that is not a string (`1` is written `"1"` and sorts
        differently once parsed back) is parsed and canonicalised again."""
        if self.fixed_columns:
            result, labels, metrics = self.result_json, self.labels_json, self.metrics_json
        else:
            result, labels, metrics = (
                _recanonical(self.result_json),
                _recanonical(self.labels_json),
                _recanonical(self.metrics_json),
            )
        return "".join(
            (
                '{"decision_id":',
                canonical_json(self.decision_id),
                ',"input":',
                self.input_json if self.fixed_input else _recanonical(self.input_json),
                ',"labels":',
                labels,
                ',"metrics":',
                metrics,
                ',"path":',
                canonical_json(self.path),
                ',"policy_revision":',
                canonical_json(self.policy_revision),
                ',"prev_hash":',
                canonical_json(prev_hash),
                ',"result":',
                result,
                ',"seq":',
                str(int(seq)),
                ',"span_id":',
                canonical_json(self.span_id),
                ',"timestamp":',
                canonical_json(format_timestamp(self.timestamp)),
                ',"trace_id":',
                canonical_json(self.trace_id),
                "}",
            )
        )


def _recanonical(json_text: str) -> str:
    """The canonical JSON of `json_text` parsed back (what `verify` hashes for a column)."""
    return canonical_json(json.loads(json_text))


def _ascii(text: str, limit: int = 256) -> str:
    return str(text).encode("ascii", "backslashreplace").decode("ascii")[:limit]
