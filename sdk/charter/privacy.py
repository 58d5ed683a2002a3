"""The guard's view of PII: detect, summarise for the policy, redact as the policy says,
and restore placeholders in the answer for the types the policy allows.

A thin seam over `charter.pii` so the pipeline reads as the design's steps.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from charter.decision import RedactOperator
from charter.policy.input import PIISummary


@dataclass
class Inspected:
    """PII found in a list of texts, and the policy's view of them (placeholders only)."""

    texts: list[str]
    findings: list[list[Any]]
    summaries: tuple[PIISummary, ...]
    policy_texts: list[str]
    scope: Any
    """A `charter.pii.Scope`: where placeholders are stable (request or conversation)."""

    @property
    def policy_text(self) -> str:
        return "\n".join(self.policy_texts)


class Privacy:
    """PII detection + redaction for one `Charter` instance. `mode="off"` detects nothing."""

    def __init__(
        self,
        mode: str,
        *,
        tenant: str = "default",
        vault: Any | None = None,
        vault_key: str = "",
        regions: Sequence[str] | None = None,
        phone_regions: Sequence[str] | None = None,
    ) -> None:
        self.mode = mode
        self._regions = regions
        self._phone_regions = phone_regions
        self.tenant = tenant
        self._detector: Any | None = None
        self._vault = vault
        self._vault_key = vault_key

    @property
    def detector(self) -> Any:
        if self._detector is None and self.mode != "off":
            from charter.pii import make_detector

            options: dict[str, Any] = {"phone_regions": self._phone_regions}
            if self._regions is not None:
                options["regions"] = self._regions
            self._detector = make_detector(self.mode, **options)  # type: ignore[arg-type]
        return self._detector

    @property
    def vault(self) -> Any:
        if self._vault is None:
            from charter.pii import Vault

            self._vault = Vault(self._vault_key or None)
        return self._vault

    def scope(self, conversation: str | None, subject: str | None = None) -> Any:
        from charter.pii import Scope

        if conversation:
            return Scope.conversation(conversation, tenant=self.tenant, subject=subject)
        return Scope.request(tenant=self.tenant, subject=subject)

    def inspect(self, texts: Sequence[str], *, scope: Any | None) -> Inspected:
        if self.mode == "off":
            return Inspected(list(texts), [[] for _ in texts], (), list(texts), scope)
        from charter.pii import redact, summarize

        scope = scope if scope is not None else self.scope(None)
        findings = [self.detector.detect(t) for t in texts]
        flat = [f for fs in findings for f in fs]
        policy_texts = []
        for text, fs in zip(texts, findings, strict=True):
            if not fs:
                policy_texts.append(text)
                continue
            ops = {f.entity_type: RedactOperator.PLACEHOLDER for f in fs}
            policy_texts.append(redact(text, fs, ops, vault=self.vault, scope=scope).text)
        return Inspected(list(texts), findings, tuple(summarize(flat)), policy_texts, scope)

    def apply(self, inspected: Inspected, operators: Mapping[str, RedactOperator]) -> list[str]:
        """The texts as they may leave: each entity type the policy names gets its operator;
        types it does not name pass unchanged."""
        if not operators or not any(inspected.findings):
            return list(inspected.texts)
        from charter.pii import redact

        out = []
        for text, fs in zip(inspected.texts, inspected.findings, strict=True):
            chosen = [f for f in fs if f.entity_type in operators]
            if not chosen:
                out.append(text)
                continue
            redaction = redact(
                text, chosen, dict(operators), vault=self.vault, scope=inspected.scope, default=None
            )
            out.append(redaction.text)
        return out

    def restore(self, text: str, inspected: Inspected, allowed: Collection[str]) -> str:
        """Put back the values of placeholders whose entity type the policy allows."""
        if not allowed or "<" not in text or inspected.scope is None:
            return text
        restored: str = self.vault.restore(text, inspected.scope, entities=set(allowed))
        return restored

    def redact_json(self, value: Any, operators: Mapping[str, RedactOperator], scope: Any) -> Any:
        from charter.pii import redact_json

        if self.detector is None:
            return value
        redacted, _ = redact_json(
            value, self.detector, dict(operators), vault=self.vault, scope=scope, default=None
        )
        return redacted
