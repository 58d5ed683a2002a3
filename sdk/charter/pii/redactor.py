"""`Redactor`: detector + vault + operators in one object, for using `charter.pii` on its
own (without the guard)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from charter.pii._arguments import require_text
from charter.pii.findings import Detector, Finding
from charter.pii.pattern import PatternDetector
from charter.pii.redaction import WILDCARD, Redaction, redact, redact_json, resolve_operators
from charter.pii.scope import Scope
from charter.pii.vault import Vault
from charter.values import RedactOperator


class Redactor:
    """Detect and redact with one call; restore through the returned `Redaction`.

        redactor = Redactor()
        red = redactor.redact("Mail me at jane@example.com", scope=Scope.conversation("c1"))
        red.text                       # 'Mail me at <EMAIL_ADDRESS_1>'
        red.restore(model_answer)      # placeholders back to values

    Defaults: the pattern detector, a vault with a per-process key, placeholders for
    every type.
    """

    def __init__(
        self,
        detector: Detector | None = None,
        *,
        vault: Vault | None = None,
        operators: Mapping[str, RedactOperator | str] | None = None,
        default: RedactOperator | None = RedactOperator.PLACEHOLDER,
    ) -> None:
        self.detector: Detector = detector if detector is not None else PatternDetector()
        self.vault = vault if vault is not None else Vault()
        self.operators = resolve_operators(operators or {WILDCARD: RedactOperator.PLACEHOLDER})
        self.default = default

    def redact(
        self,
        text: str,
        *,
        entities: Collection[str] | None = None,
        scope: Scope | str | None = None,
    ) -> Redaction:
        require_text("Redactor.redact", text)
        where = Scope.of(scope)  # a wrong one is said before detection runs
        findings = self.detector.detect(text, entities=entities)
        return redact(
            text,
            findings,
            self.operators,
            vault=self.vault,
            scope=where,
            default=self.default,
        )

    def redact_json(
        self,
        value: Any,
        *,
        entities: Collection[str] | None = None,
        scope: Scope | str | None = None,
    ) -> tuple[Any, list[Finding]]:
        return redact_json(
            value,
            self.detector,
            self.operators,
            vault=self.vault,
            scope=scope,
            entities=entities,
            default=self.default,
        )
